"""The default scenario: Gwent as the market, lines from three hub forces and Wales.

Every number the simulator uses lives here, in one declared place, so the docs
(docs/simulator.md) can list each one and a test can check that they do.
Counts marked "per scale" are multiplied by the ``scale`` given to
:func:`crossline.sim.simulate`; rates and probabilities are not.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

DEFAULT_MONTHS = 5  # 1 June to 31 October 2026
MAX_MONTHS = 36


@dataclass(frozen=True)
class PopulationParams:
    """Households and the people in them (docs: "Population")."""

    market_households_per_scale: int = 7000
    hub_households_per_scale: int = 500
    household_kind_weights: tuple[tuple[str, float], ...] = (
        ("single", 0.27),
        ("couple", 0.24),
        ("couple_children", 0.29),
        ("single_parent", 0.15),
        ("three_generations", 0.05),
    )
    p_moved: float = 0.12  # household moved in the last two years: old records show the old address
    p_partner_changed_surname: float = 0.45  # a partner who took the household's surname
    p_child_other_surname: float = 0.25  # child of a single parent with the other parent's surname
    p_phone_adult: float = 0.97
    p_phone_child: float = 0.92  # aged 11 to 17
    p_second_phone: float = 0.05
    p_middle_name: float = 0.55
    # issue 13 (crossline.sim.namesakes): a child named after the parent of the same sex, births 25 to 45 years apart;
    # two children of one sex and surname born one to three years apart sharing a given name (cousins in one home)
    p_child_named_after_parent: float = 0.06
    p_same_name_children: float = 0.05
    p_same_name_spelt_otherwise: float = 0.1  # ... or the elder's name spelt another way (Jayden and Jaden)


@dataclass(frozen=True)
class AceParams:
    """Adverse childhood experiences, per household with children (docs: "ACEs")."""

    p_domestic_abuse: float = 0.12
    p_parent_custody: float = 0.05
    p_parental_substance: float = 0.08
    p_neglect: float = 0.06
    p_care_placement: float = 0.25  # of children in a household with two or more ACEs


@dataclass(frozen=True)
class ExploitationParams:
    """Which young people are criminally exploited (docs: "Exploitation")."""

    min_age: int = 12
    max_age: int = 18
    base_logit: float = -5.0  # under 1% with no ACE
    ace_logit: float = 0.85  # per ACE in the household: raises, never decides
    male_logit: float = 0.5
    peak_age_logit: float = 0.6  # ages 15 to 17
    care_logit: float = 0.9
    p_drug_user_adult: float = 0.07  # adults 18 to 64 who buy from lines


@dataclass(frozen=True)
class OcgParams:
    """Organised crime groups and their deal lines (docs: "OCGs and lines")."""

    lines_per_scale: float = 8.0
    # share of lines by hub town; at least one Newport-controlled (internal) line always
    hub_weights: tuple[tuple[str, float], ...] = (
        ("liverpool", 0.28),
        ("birmingham", 0.24),
        ("london", 0.24),
        ("cardiff", 0.12),
        ("newport", 0.12),
    )
    max_lines_per_ocg: int = 3
    customers_median: float = 70.0
    customers_sigma: float = 0.5
    customers_min: int = 25
    customers_max: int = 600
    hub_runners_min: int = 1
    hub_runners_max: int = 3
    associates_min: int = 2
    associates_max: int = 4
    cuckooed_per_line_max: int = 2
    successions_per_line: float = 1.2  # Poisson mean over the period
    p_same_imei: float = 0.5  # a new number in the old handset (SIM swap)
    min_gap_days: int = 12
    handover_delay_h: tuple[float, float] = (0.5, 8.0)
    p_keep_customer: tuple[float, float] = (0.80, 0.95)
    p_line_closes: float = 0.12  # closed for good (arrests) with no successor
    p_late_start: float = 0.15  # a new line entering the market mid-period
    p_runner_burner: float = 0.5  # a runner with a separate work phone


@dataclass(frozen=True)
class CommsParams:
    """Communications data: background, deal lines, confounders (docs: "Comms")."""

    panel_per_scale: int = 2300  # ordinary phones whose records the CSP returned
    background_rate_median: float = 0.5  # calls and messages started per phone per day
    background_rate_sigma: float = 0.8
    p_chatty: float = 0.02
    chatty_multiplier: float = 12.0
    local_contacts_mean: float = 6.0
    far_contacts_mean: float = 0.6
    p_sms: float = 0.55
    p_mms: float = 0.02
    p_unanswered: float = 0.12
    p_sms_reply: float = 0.5
    p_blank_imei: float = 0.08
    p_blank_cell: float = 0.04
    p_national_form: float = 0.12  # a_number or b_number written 07... not +44...
    p_duplicate: float = 0.003  # the same event returned twice (overlapping requests)
    flares_per_day: tuple[int, int] = (1, 3)
    p_flare_skipped: float = 0.08
    flare_coverage: tuple[float, float] = (0.70, 0.95)
    flare_gap_s: tuple[int, int] = (1, 6)  # between two texts of one flare
    order_rate_mean: float = 0.12  # orders per customer per day
    p_order_sms: float = 0.65
    p_callback: float = 0.72  # the line calls back the same day
    callback_delay_min: tuple[float, float] = (1.0, 25.0)
    p_instruction: float = 0.85  # the line texts a runner after an order
    p_runner_reply: float = 0.4
    holder_controller_calls: float = 1.5
    runner_checkins: float = 2.0
    parquet_from_scale: float = 20.0  # comms as Parquet from this scale up, else .csv.gz
    # issue 18: lines that never flare, and number changes that are not clean (docs: "Quiet lines and messy changes")
    p_quiet_line: float = 0.25  # takes orders only: never a bulk text; tells customers of a new number one text at a time
    p_answers_first: float = 0.3  # the holder texts or rings the customer back first, then passes the job to a runner
    # minutes after that answer (10-30 min after the order), not minutes after the order
    p_messy_change: float = 0.6  # a change with one or more of: partial, trickle, overlap (each 0.5, at least one)
    messy_follow_share: float = 0.6  # partial: share of the old number's customers who follow the new one
    trickle_hours: tuple[float, float] = (2.0, 8.0)  # trickle: one text per customer spread over this many hours
    overlap_hours: tuple[float, float] = (6.0, 48.0)  # overlap: the old number keeps answering this long after the new starts


@dataclass(frozen=True)
class ConfounderParams:
    """Bulk senders that are not deal lines (docs: "Confounders")."""

    taxi_customers: int = 320
    taxi_calls_per_day: float = 30.0
    taxi_promo_weekday: int = 4  # Friday
    takeaway_customers: int = 420
    takeaway_promo_weekdays: tuple[int, ...] = (4, 5)
    gp_patients: int = 900
    gp_reminders_per_weekday: float = 45.0
    sports_members: int = 40
    sports_weekdays: tuple[int, ...] = (1, 3)
    p_member_reply: float = 0.08
    per_scale: float = 1.0  # confounder sets per unit of scale (at least one of each)
    # a taxi firm's dispatcher: short calls from across its town, each job texted within minutes to one of a few drivers
    dispatch_customers: int = 1500
    dispatch_calls_per_day: float = 40.0
    dispatch_drivers: tuple[int, int] = (3, 6)
    p_dispatch_car_outside: float = 0.3  # the dispatcher texts the customer "your car is outside"
    p_driver_calls_customer: float = 0.2  # the driver rings the customer on arrival
    p_driver_ack: float = 0.5  # the driver texts the dispatcher back


@dataclass(frozen=True)
class IndicatorParams:
    """Events a young person's record carries over the period (docs: "Indicators").

    Each pair is (rate for the exploited, rate for others) in events per person
    per ``rate_days`` days (the default period); others also get ``ace_rate``
    more per ACE. A longer period scales the rates by days / ``rate_days``, so a
    young person's daily rate does not depend on the period's length.
    """

    missing_episode: tuple[float, float] = (2.2, 0.05)
    p_found_out_of_area: float = 0.45
    stop_search: tuple[float, float] = (0.9, 0.03)
    school_exclusion: tuple[float, float] = (0.5, 0.025)
    persistent_absence: tuple[float, float] = (0.8, 0.07)
    ae_attendance: tuple[float, float] = (0.45, 0.12)
    arrest: tuple[float, float] = (0.3, 0.01)
    ace_rate: float = 0.04
    p_safeguarding_referral: float = 0.5  # exploited child referred by the council
    p_nrm_referral: float = 0.3
    background_ae_rate: float = 0.10  # adults and children attending A&E for ordinary reasons
    police_history_share: float = 0.22  # adults police hold a record of from before the period
    hub_police_history_share: float = 0.05
    rate_days: int = 153  # the rates above (and background_ae_rate) are per this many days: 1 June to 31 October 2026


@dataclass(frozen=True)
class InterventionParams:
    """Programmes given, not at random, with a known effect (docs: "Interventions")."""

    start_day: tuple[int, int] = (25, 70)  # days after the period's start, whatever its length: longer periods follow them up longer
    duration_days: tuple[int, int] = (42, 80)
    base_logit: float = -4.2
    prior_event_logit: float = 0.7  # per indicator event before the start: need drives referral
    ace_logit: float = 0.35
    exploited_logit: float = 0.6
    programme_weights: tuple[tuple[str, float], ...] = (
        ("mentoring", 0.4),
        ("sport", 0.3),
        ("education", 0.2),
        ("family_support", 0.1),
    )
    # true multiplicative effect on the rate of later harm indicators
    # (missing episodes, stop and search, arrests, A&E injuries, exclusions)
    rate_ratios: tuple[tuple[str, float], ...] = (
        ("mentoring", 0.60),
        ("sport", 0.85),
        ("education", 0.95),
        ("family_support", 0.80),
    )


@dataclass(frozen=True)
class NoiseParams:
    """How partners' person records differ from the truth (docs: "Noise")."""

    p_typo: float = 0.04
    p_transposition: float = 0.03
    p_nickname: float = 0.12  # of records whose given name has a nickname
    p_swapped_names: float = 0.02
    p_dob_missing: float = 0.06
    p_dob_partial: float = 0.05
    p_dob_day_month_swapped: float = 0.03
    p_old_address: float = 0.5  # of records of a person who moved
    p_old_surname: float = 0.5  # of records of a person whose surname changed
    p_alias: float = 0.6  # police records of OCG members and the exploited carry a street name
    p_address_abbreviation: float = 0.25
    p_welsh_town: float = 0.08
    p_upper_family: float = 0.1
    p_no_phone: float = 0.35
    p_duplicate_record: float = 0.03  # a second record for the same person in the same source
    # issue 13: day digits transposed (02 for 20); a given name badly mistyped (two letters wrong and one dropped)
    p_dob_digits_transposed: float = 0.01
    p_bad_typo: float = 0.01
    p_short_form: float = 0.03  # of records whose given name has a short form the nickname list lacks (Tash for Natasha)
    p_no_area: float = 0.02  # records holding the house and street only, no town or postcode (as a person said it)
    p_charity_no_dob: float = 0.5  # charity records kept without a date of birth, with the true name, phone and address
    p_dob_wrong: float = 0.005  # a full date of birth wholly wrong: another date keyed in, or keyed against the wrong person
    police_multiplier: float = 1.5  # police records are noisier than school and health ones
    school_multiplier: float = 0.5


@dataclass(frozen=True)
class Scenario:
    """The whole scenario for one run: period, sizes and every mechanic's parameters."""

    seed: int = 1
    scale: float = 1.0
    start: date = date(2026, 6, 1)
    end: date = date(2026, 10, 31)  # inclusive
    produced_at: str = "2026-11-02T09:00:00Z"
    population: PopulationParams = field(default_factory=PopulationParams)
    aces: AceParams = field(default_factory=AceParams)
    exploitation: ExploitationParams = field(default_factory=ExploitationParams)
    ocgs: OcgParams = field(default_factory=OcgParams)
    comms: CommsParams = field(default_factory=CommsParams)
    confounders: ConfounderParams = field(default_factory=ConfounderParams)
    indicators: IndicatorParams = field(default_factory=IndicatorParams)
    interventions: InterventionParams = field(default_factory=InterventionParams)
    noise: NoiseParams = field(default_factory=NoiseParams)

    @property
    def days(self) -> int:
        """Days in the period, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def start_ts(self) -> int:
        """The period's first second, as Unix seconds (UTC)."""
        return int(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp())

    def with_months(self, months: int) -> Scenario:
        """The same scenario over ``months`` calendar months from ``start`` (5, the default, ends on 31 October 2026).

        ``produced_at`` moves with the end (two days later, 09:00 UTC), as the
        default's does. Programmes still start on days ``start_day`` of the
        period, so 14 months give most participants 12 months of follow-up.
        """
        if not DEFAULT_MONTHS <= months <= MAX_MONTHS:
            raise ValueError(
                f"months must be from {DEFAULT_MONTHS} to {MAX_MONTHS}, not {months}: "
                f"programmes start up to day {self.interventions.start_day[1]} and need follow-up after it"
            )
        first = self.start.year * 12 + self.start.month - 1 + months
        end = date(first // 12, first % 12 + 1, 1) - timedelta(days=1)
        return dataclasses.replace(self, end=end, produced_at=f"{end + timedelta(days=2):%Y-%m-%d}T09:00:00Z")

    @property
    def months(self) -> int:
        """Calendar months in the period (5 for the default)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def scaled(self, per_scale: float, minimum: int = 1) -> int:
        """A per-scale count at this run's scale, never below ``minimum``."""
        return max(minimum, int(math.floor(per_scale * self.scale + 0.5)))

    @property
    def comms_format(self) -> str:
        """``csv.gz`` (partner-like) at small scales, ``parquet`` at national ones."""
        return "parquet" if self.scale >= self.comms.parquet_from_scale else "csv.gz"

