"""What works: each programme's effect on later outcomes, against matched young people who did not take part.

For every programme (mentoring, sport, education and awareness, family
support, ...), participants are matched on the day they started
(:mod:`crossline.evaluate.matching`) and their outcomes after that day are
compared with their matches':

- all harm indicators together (missing episodes, stop and search, exclusions,
  persistent absence, A&E attendances, arrests), missing episodes, arrests,
  exclusions: a **rate ratio** (participants' mean count / matched comparison
  mean; below 1 means fewer) and the difference per young person;
- the change in risk score: the difference in the mean change.

Each rate ratio is also given adjusted on the matched sample: a Poisson
regression of the outcome on taking part and every covariate, fitted on the
participants and their comparisons (:mod:`crossline.evaluate.adjust`), which
removes what imbalance the matching left.

Each at 3, 6 and 12 months where the data allow: a horizon is assessed only on
participants whose start lies at least that long before the data end, and
not at all when fewer than ``what_works_min_treated`` such participants remain
(the report says why). "To the end of the data" uses every participant.

Comparisons are young people *not yet* on any programme on the participant's
start day, whether or not they start one later, each followed until their own
start (censored there), with the follow-up days as exposure: counts become
rates. Comparing only with young people who never took part conditioned on the
future: a young person whose harm after the index day led to a referral later
was left out, so the comparison group looked better than it was and
programmes looked harmful (on the independent scenario, the truth inside 53 of
72 intervals with never-treated comparisons, 68 of 72 with this one).

Intervals are percentile bootstrap intervals over young people
(``what_works_bootstrap`` Poisson resamples in which each person, participant
or comparison, carries one weight, so that a comparison reused for several
participants widens the interval as it should). A programme with fewer than
``what_works_min_treated`` participants, or fewer matched, is refused with the
reason: no estimate is better than a misleading one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import numpy as np
import polars as pl

from crossline.errors import NotFound
from crossline.evaluate.adjust import MatchedSample, adjusted_rate_ratio
from crossline.evaluate.matching import Matched, balance, logistic_fit, logit_scores, nearest_neighbours, poisson_fit
from crossline.evaluate.robust import robust_rate_ratio
from crossline.settings.evaluate import EvaluateSettings
from crossline.settings.risk import RiskSettings
from crossline.workspace import Workspace

KINDS = ("missing_episode", "stop_search", "school_exclusion", "persistent_absence", "ae_attendance", "arrest")
ROLES = ("missing_person", "subject", "suspect", "pupil", "patient")
OUTCOMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("harm_indicators", "all harm indicators", KINDS),
    ("missing_episodes", "missing episodes", ("missing_episode",)),
    ("arrests", "arrests", ("arrest",)),
    ("exclusions", "school exclusions", ("school_exclusion",)),
)
HORIZONS: tuple[tuple[str, int | None], ...] = (("3 months", 91), ("6 months", 182), ("12 months", 365), ("to the end of the data", None))
PROGRAMME_NAMES = {"mentoring": "one-to-one mentoring", "sport": "sport", "education": "education and awareness", "family_support": "family support"}


@dataclass
class EvaluationData:
    """Everything the evaluation needs, as frames (from a workspace, or built by a test)."""

    people: pl.DataFrame  # nominal_id, age, male (0/1), ace_count, in_care (0/1)
    treatments: pl.DataFrame  # nominal_id, programme, started_at (datetime)
    events: pl.DataFrame  # nominal_id, kind, occurred_at: indicator events (covariates before, outcomes after)
    concerns: pl.DataFrame  # nominal_id, occurred_at: exploitation concerns raised (referral for exploitation, NRM)
    data_start: datetime
    data_end: datetime
    evidence: pl.DataFrame | None = None  # risk evidence, to score each young person at a date
    line_contacts: pl.DataFrame | None = None  # nominal_id, occurred_at: each day with contact with a deal line or runner number
    recorded: pl.DataFrame | None = None  # nominal_id, measure, value, observed_at: outcomes partners recorded (refer outcome)


@dataclass
class Estimate:
    outcome: str
    label: str
    horizon: str
    status: str  # estimated | not assessable | not estimable
    reason: str = ""
    n_treated: int = 0
    n_controls: int = 0
    treated_mean: float | None = None
    control_mean: float | None = None
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    difference: float | None = None
    diff_low: float | None = None
    diff_high: float | None = None
    adjusted_ratio: float | None = None  # regression-adjusted on the matched sample (evaluate/adjust.py)
    adjusted_low: float | None = None
    adjusted_high: float | None = None
    robust_ratio: float | None = None  # doubly robust on the matched sample (evaluate/robust.py): the headline
    robust_low: float | None = None
    robust_high: float | None = None
    untreated_mean: float | None = None  # participants' estimated mean without the programme (doubly robust)
    avoided: float | None = None  # events avoided per participant (doubly robust), with its interval
    avoided_low: float | None = None
    avoided_high: float | None = None
    source: str = "events"  # events | partner_recorded

    def headline(self) -> tuple[str, float, float | None, float | None] | None:
        """(method, ratio, low, high): the doubly robust ratio where it could be fitted, else the ratio of means; None without a ratio."""
        if self.robust_ratio is not None and self.robust_ratio > 0:
            return "doubly_robust", self.robust_ratio, self.robust_low, self.robust_high
        if self.ratio is not None:
            return "ratio_of_means", self.ratio, self.ratio_low, self.ratio_high
        return None


@dataclass
class ProgrammeResult:
    programme: str
    name: str
    status: str  # estimated | refused
    reason: str
    participants: int
    matched: int = 0
    unmatched: int = 0
    comparison_pool: int = 0
    naive_ratio: float | None = None
    estimates: list[Estimate] = field(default_factory=list)
    balance: pl.DataFrame | None = None

    def estimate(self, outcome: str, horizon: str) -> Estimate | None:
        return next((e for e in self.estimates if e.outcome == outcome and e.horizon == horizon), None)


@dataclass
class WhatWorks:
    data_start: datetime
    data_end: datetime
    cohort: int
    programmes: list[ProgrammeResult]
    settings: RiskSettings
    notes: list[str] = field(default_factory=list)
    costs: EvaluateSettings = field(default_factory=EvaluateSettings)


def _day(col: str, start: datetime) -> pl.Expr:
    return ((pl.col(col) - pl.lit(start)).dt.total_seconds() // 86400).cast(pl.Int64)


def evaluate(data: EvaluationData, rs: RiskSettings, es: EvaluateSettings | None = None) -> WhatWorks:
    """Every programme's estimates (or its refusal), with balance diagnostics."""
    es = es or EvaluateSettings()
    start, end = data.data_start, data.data_end
    end_day = int((end - start).total_seconds() // 86400)
    first = (
        data.treatments.sort(["started_at", "nominal_id", "programme"]).group_by("nominal_id", maintain_order=True).first()
        .sort("nominal_id")
        .join(data.people.select("nominal_id"), on="nominal_id", how="semi")
        .with_columns(_day("started_at", start).alias("index_day"))
    )
    # the comparison pool: every young person, with the day they first started a programme (null: never); a row for
    # a comparison exists only on index days before that day, and its follow-up ends on it
    controls = data.people.select("nominal_id").join(
        first.select("nominal_id", pl.col("index_day").alias("own_start")), on="nominal_id", how="left"
    ).sort("nominal_id")
    events = data.events.filter(pl.col("kind").is_in(KINDS)).with_columns(_day("occurred_at", start).alias("day"))
    results = []
    for programme in sorted(first["programme"].unique().to_list()):
        results.append(_programme(programme, first.filter(pl.col("programme") == programme), controls, data, events, end_day, rs, es))
    notes = [
        f"The data run from {start:%-d %B %Y} to {end:%-d %B %Y} ({end_day} days): "
        + ", ".join(f"{name} {'can' if days is None or _any_assessable(first, end_day, days) else 'cannot'} be assessed"
                    for name, days in HORIZONS[:3]) + ".",
    ]
    return WhatWorks(start, end, data.people.height, results, rs, notes, es)


def _any_assessable(first: pl.DataFrame, end_day: int, days: int) -> bool:
    return bool((first["index_day"] + days <= end_day).any())


def _programme(programme: str, treated: pl.DataFrame, controls: pl.DataFrame, data: EvaluationData, events: pl.DataFrame,
               end_day: int, rs: RiskSettings, es: EvaluateSettings) -> ProgrammeResult:
    name = PROGRAMME_NAMES.get(programme, programme.replace("_", " "))
    n = treated.height
    days = treated["index_day"].unique().sort()
    pool = controls.filter(pl.col("own_start").is_null() | (pl.col("own_start") > days.min()))  # not yet on a programme on the first start
    result = ProgrammeResult(programme, name, "refused", "", n, comparison_pool=pool.height)
    if n < rs.what_works_min_treated:
        result.reason = (
            f"only {n} {'young person' if n == 1 else 'young people'} took part in {name}; at least {rs.what_works_min_treated} are needed to compare them "
            "with matched young people who did not ([risk] what_works_min_treated)"
        )
        return result
    if pool.height < rs.what_works_neighbours:
        result.reason = f"only {pool.height} young people were on no programme when {name} started: too few to compare with"
        return result
    rows = pl.concat([
        treated.select("nominal_id", "index_day", pl.lit(True).alias("treated"), pl.lit(end_day + 1, pl.Int64).alias("censor_day")),
        controls.join(pl.DataFrame({"index_day": days}), how="cross")
        .filter(pl.col("own_start").is_null() | (pl.col("own_start") > pl.col("index_day")))
        .select("nominal_id", "index_day", pl.lit(False).alias("treated"),
                pl.col("own_start").fill_null(end_day + 1).clip(upper_bound=end_day + 1).cast(pl.Int64).alias("censor_day")),
    ]).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    rows, covariates = _covariates(rows, data, events, rs)
    rows = rows.sort("row")  # joins need not keep order: positions must be the same on every run (the fitting sample)
    X = rows.select(covariates).to_numpy().astype(float)
    treated_flag = rows["treated"].to_numpy()
    fit = _fitting_rows(treated_flag, np.random.default_rng(rs.what_works_seed))
    coef = logistic_fit(X[fit], treated_flag[fit].astype(float))
    rows = rows.with_columns(pl.Series("logit", logit_scores(X, coef)), pl.Series("prognosis", _prognosis(rows, X, events, end_day, fit)))
    matched = nearest_neighbours(rows.select("row", "treated", "index_day", "logit", "prognosis"), rs.what_works_neighbours, rs.what_works_caliper)
    result.unmatched = matched.unmatched
    result.matched = int(matched.pairs["treated_row"].n_unique()) if matched.pairs.height else 0
    result.balance = balance(rows, covariates, matched)
    if result.matched < rs.what_works_min_treated:
        result.reason = (
            f"only {result.matched} of {n} participants in {name} have a comparable young person who did not take part "
            f"(within the caliper); at least {rs.what_works_min_treated} are needed"
        )
        return result
    result.status, result.reason = "estimated", ""
    rng = np.random.default_rng(rs.what_works_seed)
    result.naive_ratio = _naive(rows, events, end_day)
    adjust_rng = np.random.default_rng([rs.what_works_seed, 1])  # its own stream: the unadjusted intervals stay as they were
    robust_rng = np.random.default_rng([rs.what_works_seed, 2])
    for outcome, label, kinds in OUTCOMES:
        for horizon, h in HORIZONS:
            y = _counts(rows, events, kinds, h, end_day)
            est = _estimate(rows, matched, events, outcome, label, kinds, horizon, h, end_day, rs, rng, y)
            if est.ratio is not None:
                sample = _matched_sample(rows, matched, y, covariates, h, end_day)
                est.adjusted_ratio, est.adjusted_low, est.adjusted_high = adjusted_rate_ratio(sample, rs.what_works_bootstrap, adjust_rng)
                _robust(est, sample, rs, robust_rng)
            result.estimates.append(est)
    if data.recorded is not None:
        for measure, label in RECORDED:
            for horizon, h in HORIZONS:
                result.estimates.append(
                    _recorded_estimate(rows, matched, data, measure, label, horizon, h, end_day, covariates, rs, es, rng, robust_rng)
                )
    if data.evidence is not None:
        for horizon, h in HORIZONS[:3]:
            result.estimates.append(_risk_change(rows, matched, data, horizon, h, end_day, rs, rng))
    return result


FIT_ROWS = 2_000_000  # comparison rows the two models are fitted on (all participants' rows are always used)


def _fitting_rows(treated: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rows to fit on: every participant, and at most FIT_ROWS comparison rows drawn at random (the models are then
    applied to every row). A comparison young person appears once per participant start day, so the pool grows with
    days x people; a sample of it estimates the same coefficients at a fraction of the cost."""
    controls = np.flatnonzero(~treated)
    if len(controls) > FIT_ROWS:
        controls = np.sort(rng.choice(controls, FIT_ROWS, replace=False))
    mask = treated.copy()
    mask[controls] = True
    return mask


def _prognosis(rows: pl.DataFrame, X: np.ndarray, events: pl.DataFrame, end_day: int, fit: np.ndarray) -> np.ndarray:
    """Log of the expected daily rate of later harm without a programme: a Poisson model fitted on comparison rows only."""
    y = _counts(rows, events, KINDS, None, end_day)["y"].to_numpy()
    exposure = np.log(np.maximum(rows.select(follow_up(None))["follow_up"].to_numpy(), 1.0))
    control = ~rows["treated"].to_numpy() & fit
    coef = poisson_fit(X[control], y[control], exposure[control])
    return logit_scores(X, coef)


def _covariates(rows: pl.DataFrame, data: EvaluationData, events: pl.DataFrame, rs: RiskSettings) -> tuple[pl.DataFrame, list[str]]:
    """Covariates at each row's index day: earlier indicator events by kind, concerns raised, ACEs, age, sex, care, risk."""
    before = (
        rows.select("row", "nominal_id", "index_day").join(events.select("nominal_id", "kind", "day"), on="nominal_id")
        .filter(pl.col("day") < pl.col("index_day"))
        .group_by("row", "kind").len()
        .pivot(on="kind", index="row", values="len")
    )
    for kind in KINDS:
        if kind not in before.columns:
            before = before.with_columns(pl.lit(0, pl.UInt32).alias(kind))
    concerns = (
        rows.select("row", "nominal_id", "index_day")
        .join(data.concerns.with_columns(_day("occurred_at", data.data_start).alias("day")), on="nominal_id")
        .filter(pl.col("day") < pl.col("index_day")).group_by("row")
        .agg(pl.len().alias("prior_concern"), (pl.col("day") >= pl.col("index_day") - 90).sum().alias("prior_concern_90_days"))
    )
    out = (
        rows.join(before, on="row", how="left").join(concerns, on="row", how="left")
        .join(data.people.select("nominal_id", "age", "male", "ace_count", "in_care"), on="nominal_id", how="left")
    )
    pre = [f"prior_{k}" for k in KINDS]
    out = out.with_columns(
        *[pl.col(k).fill_null(0).cast(pl.Float64).log1p().alias(f"prior_{k}") for k in KINDS],
        (pl.col("prior_concern").fill_null(0) > 0).cast(pl.Float64).alias("prior_concern"),
        (pl.col("prior_concern_90_days").fill_null(0) > 0).cast(pl.Float64).alias("prior_concern_90_days"),  # a concern raised lately
        pl.col("age").cast(pl.Float64), pl.col("male").cast(pl.Float64), pl.col("ace_count").cast(pl.Float64), pl.col("in_care").cast(pl.Float64),
    ).drop(list(KINDS))
    covariates = [*pre, "prior_concern", "prior_concern_90_days", "ace_count", "in_care", "age", "male"]
    out = out.join(_trend(rows, events), on="row", how="left")
    covariates += list(TREND)
    if data.line_contacts is not None:
        contact = (
            rows.select("row", "nominal_id", "index_day")
            .join(data.line_contacts.select("nominal_id", _day("occurred_at", data.data_start).alias("day")).unique(), on="nominal_id")
            .filter(pl.col("day") < pl.col("index_day")).group_by("row").len().rename({"len": "prior_line_contact_days"})
        )
        out = out.join(contact, on="row", how="left").with_columns(pl.col("prior_line_contact_days").fill_null(0).cast(pl.Float64).log1p())
        covariates.append("prior_line_contact_days")
    if data.evidence is not None:
        score_at = _scores_at(data, out.select("row", "nominal_id", pl.col("index_day").alias("day")), rs)
        out = out.join(score_at, on="row", how="left").with_columns(pl.col("score").fill_null(0.0).alias("risk_at_start")).drop("score")
        covariates.append("risk_at_start")
        signs = _signs_at(data, out.select("row", "nominal_id", "index_day"))
        out = out.join(signs, on="row", how="left")
        covariates += list(SIGNS)
    return out.with_columns(pl.col(covariates).fill_null(0.0)), covariates


TREND = ("prior_last_30_days", "prior_last_90_days", "prior_trend_90_days", "prior_days_since_last")


def _trend(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """(row, TREND): how the young person's incidents were moving before the index day, not only how many there were.

    Referral follows need as a worker sees it: a young person whose incidents are rising, or came last week, is
    referred before one with the same count spread over a year, and is more at risk after the start too. Counts
    alone left that difference between participants and their comparisons, which made programmes look harmful.
    ``prior_last_30_days`` and ``prior_last_90_days``: log(1 + incidents in the 30 and 90 days before; fewer days when
    the data start later);
    ``prior_trend_90_days``: log(1 + incidents in the later half of that window) - log(1 + in the earlier half),
    above 0 when rising; ``prior_days_since_last``: log(1 + days since the last incident), capped at a year
    (a year when there was none).
    """
    window = pl.min_horizontal(pl.lit(90), pl.col("index_day"))
    recent = (
        rows.select("row", "nominal_id", "index_day").join(events.select("nominal_id", "day"), on="nominal_id")
        .filter(pl.col("day") < pl.col("index_day"))
        .with_columns(window.alias("window"))
        .with_columns((pl.col("day") >= pl.col("index_day") - pl.col("window")).alias("in_window"),
                      (pl.col("day") >= pl.col("index_day") - pl.col("window") / 2).alias("later_half"))
        .group_by("row").agg(
            (pl.col("day") >= pl.col("index_day") - 30).sum().alias("n30"), pl.col("in_window").sum().alias("n"),
            (pl.col("in_window") & pl.col("later_half")).sum().alias("later"),
            (pl.col("in_window") & ~pl.col("later_half")).sum().alias("earlier"), (pl.col("index_day") - pl.col("day")).min().alias("gap"),
        )
    )
    return rows.select("row").join(recent, on="row", how="left").select(
        "row",
        pl.col("n30").fill_null(0).cast(pl.Float64).log1p().alias("prior_last_30_days"),
        pl.col("n").fill_null(0).cast(pl.Float64).log1p().alias("prior_last_90_days"),
        (pl.col("later").fill_null(0).cast(pl.Float64).log1p() - pl.col("earlier").fill_null(0).cast(pl.Float64).log1p()).alias("prior_trend_90_days"),
        pl.col("gap").fill_null(365).clip(0, 365).cast(pl.Float64).log1p().alias("prior_days_since_last"),
    )


# What the records said before the start, read as the risk stage reads them: a search that found cash and phones is a
# sign of exploitation, one that found nothing is not. Counting event types alone matched participants whose incidents
# were benign with comparisons whose incidents were not.
SIGNS: dict[str, tuple[str, ...]] = {
    "prior_signs_of_exploitation": (
        "stop_search_finds", "arrest_supply_weapons", "seizure", "ae_injury", "absence", "exclusion_permanent", "out_of_area",
        "out_of_area_hub_market", "missing_long", "cuckooing_suspect", "cuckooed_address", "group_association", "intelligence",
        "line_contact", "runner_contact", "runner_number",
    ),
    "prior_other_signs": ("stop_search", "arrest_other", "exclusion", "absence_illness"),
}


def _signs_at(data: EvaluationData, rows: pl.DataFrame) -> pl.DataFrame:
    """(row, one log(1 + count) column per SIGNS group) of risk evidence dated before the index day (undated: always)."""
    assert data.evidence is not None
    group = pl.lit(None, pl.String)
    for name, codes in SIGNS.items():
        group = pl.when(pl.col("indicator").is_in(codes)).then(pl.lit(name)).otherwise(group)
    ev = data.evidence.select("nominal_id", group.alias("sign"), _day("occurred_at", data.data_start).alias("day")).drop_nulls("sign")
    counts = (
        rows.join(ev, on="nominal_id").filter(pl.col("day").is_null() | (pl.col("day") < pl.col("index_day")))
        .group_by("row", "sign").len().pivot(on="sign", index="row", values="len")
    )
    for name in SIGNS:
        if name not in counts.columns:
            counts = counts.with_columns(pl.lit(0, pl.UInt32).alias(name))
    return counts.select("row", *[pl.col(n).fill_null(0).cast(pl.Float64).log1p() for n in SIGNS])


def _scores_at(data: EvaluationData, rows: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """(row, score): each young person's risk score as it stood on ``day`` (only indicators dated before then count)."""
    from crossline.stages.risk.score import points_only, weigh

    assert data.evidence is not None
    ev = data.evidence.select("nominal_id", "indicator", "occurred_at", "detail", "source", "record_kind", "record_id")
    pairs = rows.with_columns((pl.lit(data.data_start) + pl.duration(days=pl.col("day"))).alias("as_of"))
    joined = pairs.join(ev, on="nominal_id", how="inner").with_columns(pl.col("row").cast(pl.String).alias("nominal_key"))
    if joined.height == 0:
        return pl.DataFrame(schema={"row": pl.Int64, "score": pl.Float64})
    weighed = weigh(joined.drop("nominal_id").rename({"nominal_key": "nominal_id"}), rs)
    return points_only(weighed, rs).select(pl.col("nominal_id").cast(pl.Int64).alias("row"), "score")


def _counts(rows: pl.DataFrame, events: pl.DataFrame, kinds: tuple[str, ...], h: int | None, end_day: int) -> pl.DataFrame:
    """(row, y): events of ``kinds`` from the index day for ``h`` days (or to the end of the data), a comparison's
    only until their own start (``censor_day``)."""
    window_end = _window_end(h, end_day)
    hits = (
        rows.select("row", "nominal_id", "index_day", "censor_day")
        .join(events.filter(pl.col("kind").is_in(kinds)).select("nominal_id", "day"), on="nominal_id")
        .filter((pl.col("day") >= pl.col("index_day")) & (pl.col("day") < window_end))
        .group_by("row").len()
    )
    return rows.select("row").join(hits, on="row", how="left").select("row", pl.col("len").fill_null(0).cast(pl.Float64).alias("y"))


def _window_end(h: int | None, end_day: int) -> pl.Expr:
    """The day (exclusive) a row's follow-up ends: ``h`` days on, the data end, or a comparison's own start if sooner."""
    end = pl.min_horizontal(pl.col("censor_day"), pl.lit(end_day + 1))
    return pl.min_horizontal(pl.col("index_day") + h, end) if h is not None else end


def follow_up(h: int | None) -> pl.Expr:
    """Follow-up days of each row (the exposure): to ``h`` days on, or the data end, or a comparison's own start."""
    end = pl.col("censor_day")
    stop = pl.min_horizontal(pl.col("index_day") + h, end) if h is not None else end
    return (stop - pl.col("index_day")).cast(pl.Float64).alias("follow_up")


def _naive(rows: pl.DataFrame, events: pl.DataFrame, end_day: int) -> float | None:
    """Participants' rate of later harm against every young person not yet on a programme at the same dates: what an
    unmatched comparison would say."""
    y = _counts(rows, events, KINDS, None, end_day).join(rows.select("row", "treated", follow_up(None)), on="row")
    rates = y.group_by("treated").agg(pl.col("y").sum() / pl.col("follow_up").sum())
    t = rates.filter(pl.col("treated"))["y"]
    c = rates.filter(~pl.col("treated"))["y"]
    return float(t[0] / c[0]) if t.len() and c.len() and c[0] else None


@dataclass
class Paired:
    """Participants' outcomes and their matched comparisons', with who is who (for the person-level bootstrap)."""

    yt: np.ndarray  # one per participant
    yc: np.ndarray  # the matched comparisons' weighted rate times the participant's follow-up, one per participant
    t_person: np.ndarray  # index of each participant's person
    pair_t: np.ndarray  # per pair: index into yt
    pair_c: np.ndarray  # per pair: index of the comparison's person
    pair_w: np.ndarray  # per pair: matching weight (1/k)
    pair_y: np.ndarray  # per pair: the comparison's outcome
    n_people: int
    n_controls: int
    t_exposure: np.ndarray | None = None  # per participant: follow-up days (None: outcomes are not counts, no exposure)
    pair_e: np.ndarray | None = None  # per pair: the comparison's follow-up days (shorter when they started a programme)

    def bootstrap(self, resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Means of participants and of their comparisons over ``resamples`` Poisson bootstrap weightings of *people*.

        Each young person gets one weight per resample, whatever rows they
        appear in: a comparison matched to several participants (or on several
        days) moves all of them together, so reuse widens the interval as it
        should. A participant whose comparisons all weigh 0 keeps their mean.
        """
        involved, inverse = np.unique(np.concatenate([self.t_person, self.pair_c]), return_inverse=True)
        t_person, pair_c = inverse[: len(self.t_person)], inverse[len(self.t_person):]
        weights = rng.poisson(1.0, size=(resamples, len(involved))).astype(float)  # only the people in the comparison
        wt = weights[:, t_person]  # (B, participants)
        order = np.argsort(self.pair_t, kind="stable")  # pairs grouped by participant: sums are one reduceat per row
        starts = np.searchsorted(self.pair_t[order], np.arange(len(self.yt)))
        wc = weights[:, pair_c[order]] * self.pair_w[order]  # (B, pairs)
        num = np.add.reduceat(wc * self.pair_y[order], starts, axis=1)
        if self.pair_e is not None and self.t_exposure is not None:  # the comparisons' rate, over the participant's follow-up
            den = np.add.reduceat(wc * self.pair_e[order], starts, axis=1) / self.t_exposure[None, :]
        else:
            den = np.add.reduceat(wc, starts, axis=1)
        ybar_c = np.where(den > 0, num / np.where(den > 0, den, 1.0), self.yc[None, :])
        total = wt.sum(axis=1)
        total = np.where(total > 0, total, 1.0)
        return (wt * self.yt).sum(axis=1) / total, (wt * ybar_c).sum(axis=1) / total


def _paired(rows: pl.DataFrame, matched: Matched, y: pl.DataFrame, keep: pl.Expr, h: int | None = None, counts: bool = True) -> Paired:
    """Participants' outcomes and their matches', for participants passing ``keep``.

    For counts (``counts``), each participant's comparison value is the comparisons' rate (weighted events over
    weighted follow-up days, ``h`` days or to the end, a comparison's ending at their own start) times the
    participant's own follow-up; without censoring that is the weighted mean count. A score (``counts`` False) is
    compared as it is.
    """
    treated = rows.filter(pl.col("treated") & keep).select("row")
    pairs = matched.pairs.join(treated, left_on="treated_row", right_on="row", how="semi")
    people = rows.select("nominal_id").unique().sort("nominal_id").with_row_index("person")
    who = rows.select("row", "nominal_id", follow_up(h)).join(people, on="nominal_id").select("row", pl.col("person").cast(pl.Int64), "follow_up")
    if not counts:
        who = who.with_columns(pl.lit(1.0).alias("follow_up"))
    t = pairs.select("treated_row").unique().sort("treated_row").with_row_index("t").join(y, left_on="treated_row", right_on="row")
    t = t.join(who, left_on="treated_row", right_on="row").sort("t")
    p = (
        pairs.join(t.select("treated_row", "t", pl.col("follow_up").alias("t_follow_up")), on="treated_row")
        .join(y, left_on="control_row", right_on="row").join(who, left_on="control_row", right_on="row")
    )
    yc = (
        p.group_by("t").agg(((pl.col("y") * pl.col("weight")).sum() / (pl.col("follow_up") * pl.col("weight")).sum()
                             * pl.col("t_follow_up").first()).alias("yc"))
        .sort("t")["yc"].to_numpy()
    )
    return Paired(
        yt=t["y"].to_numpy(), yc=yc, t_person=t["person"].to_numpy(), pair_t=p["t"].cast(pl.Int64).to_numpy(),
        pair_c=p["person"].to_numpy(), pair_w=p["weight"].to_numpy(), pair_y=p["y"].to_numpy(),
        n_people=people.height, n_controls=int(pairs["control_row"].n_unique()),
        t_exposure=t["follow_up"].to_numpy() if counts else None, pair_e=p["follow_up"].to_numpy() if counts else None,
    )


def _fill(est: Estimate, paired: Paired, rs: RiskSettings, rng: np.random.Generator, ratio: bool) -> Estimate:
    """Means, difference and (if ``ratio``) rate ratio, each with its percentile bootstrap interval."""
    est.treated_mean, est.control_mean = float(paired.yt.mean()), float(paired.yc.mean())
    est.difference = est.treated_mean - est.control_mean
    bt, bc = paired.bootstrap(rs.what_works_bootstrap, rng)
    d = bt - bc
    est.diff_low, est.diff_high = float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))
    if not ratio:
        return est
    if est.control_mean <= 0:
        est.status, est.reason = "not estimable", "no such events among the matched comparison group: a ratio cannot be formed"
        return est
    est.ratio = est.treated_mean / est.control_mean
    ok = bc > 0
    r = bt[ok] / bc[ok]
    est.ratio_low, est.ratio_high = float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))
    return est


def _estimate(rows: pl.DataFrame, matched: Matched, events: pl.DataFrame, outcome: str, label: str, kinds: tuple[str, ...],
              horizon: str, h: int | None, end_day: int, rs: RiskSettings, rng: np.random.Generator, y: pl.DataFrame | None = None) -> Estimate:
    keep = (pl.col("index_day") + h <= end_day) if h is not None else pl.lit(True)
    y = _counts(rows, events, kinds, h, end_day) if y is None else y
    paired = _paired(rows, matched, y, keep, h)
    est = Estimate(outcome, label, horizon, "estimated", n_treated=len(paired.yt), n_controls=paired.n_controls)
    if len(paired.yt) < rs.what_works_min_treated:
        est.status = "not assessable"
        est.reason = (
            f"{len(paired.yt)} matched participants started at least {horizon} before the data end; "
            f"{rs.what_works_min_treated} are needed" if h is not None else "too few matched participants"
        )
        return est
    return _fill(est, paired, rs, rng, ratio=True)


def _robust(est: Estimate, sample: MatchedSample, rs: RiskSettings, rng: np.random.Generator) -> None:
    """The doubly robust ratio, the participants' mean without the programme and the events avoided, each with its interval."""
    r = robust_rate_ratio(sample, rs.what_works_bootstrap, rng)
    if r is None:
        return
    est.robust_ratio, est.robust_low, est.robust_high = r.ratio, r.low, r.high
    est.untreated_mean, est.avoided, est.avoided_low, est.avoided_high = r.untreated_mean, r.avoided, r.avoided_low, r.avoided_high


# Outcomes partners record through referrals (refer outcome): measure -> label. Counts only; a score or a note on
# engagement has no rate to compare.
RECORDED: tuple[tuple[str, str], ...] = (
    ("missing_episodes", "missing episodes recorded by partners"),
    ("arrests", "arrests recorded by partners"),
    ("exclusions", "exclusions recorded by partners"),
)


def _recorded_estimate(rows: pl.DataFrame, matched: Matched, data: EvaluationData, measure: str, label: str, horizon: str, h: int | None,
                       end_day: int, covariates: list[str], rs: RiskSettings, es: EvaluateSettings, rng: np.random.Generator,
                       robust_rng: np.random.Generator) -> Estimate:
    """An effect on an outcome partners recorded, on the matched pairs in which both young people have such a record.

    A partner records outcomes for the young people it works with, so a young person without a record is not one
    without events: only pairs with a record on both sides compare like with like. Who gets a record can itself
    depend on the programme, which is why these rows are shown apart from the outcomes derived from events.
    """
    assert data.recorded is not None
    est = Estimate(f"recorded_{measure}", label, horizon, "estimated", source="partner_recorded")
    window_end = _window_end(h, end_day)
    rec = data.recorded.filter(pl.col("measure") == measure).select(
        "nominal_id", pl.col("value").cast(pl.Float64).fill_null(0.0), _day("observed_at", data.data_start).alias("day"))
    hits = (
        rows.select("row", "nominal_id", "index_day", "censor_day").join(rec, on="nominal_id")
        .filter((pl.col("day") >= pl.col("index_day")) & (pl.col("day") < window_end))
        .group_by("row").agg(pl.col("value").sum().alias("y"))
    )
    keep = rows.filter((pl.col("index_day") + h <= end_day) if h is not None else pl.lit(True)).select("row")
    pairs = (
        matched.pairs.join(hits.select(pl.col("row").alias("treated_row")), on="treated_row", how="semi")
        .join(keep.select(pl.col("row").alias("treated_row")), on="treated_row", how="semi")
        .join(hits.select(pl.col("row").alias("control_row")), on="control_row", how="semi")
        .with_columns((1.0 / pl.len().over("treated_row")).alias("weight"))
    )
    est.n_treated = int(pairs["treated_row"].n_unique()) if pairs.height else 0
    est.n_controls = int(pairs["control_row"].n_unique()) if pairs.height else 0
    need = es.min_recorded_outcomes
    if est.n_treated < need or est.n_controls < need:
        est.status = "not assessable"
        est.reason = (
            f"{est.n_treated} matched participants and {est.n_controls} of their comparisons have {measure.replace('_', ' ')} recorded by a partner "
            f"over {horizon}; {need} of each are needed ([evaluate] min_recorded_outcomes)"
        )
        return est
    sub = Matched(pairs.select("treated_row", "control_row", "weight"), 0, matched.caliper)
    y = rows.select("row").join(hits, on="row", how="left").with_columns(pl.col("y").fill_null(0.0))
    paired = _paired(rows, sub, y, pl.lit(True), h)
    _fill(est, paired, rs, rng, ratio=True)
    if est.ratio is not None:
        _robust(est, _matched_sample(rows, sub, y, covariates, h, end_day), rs, robust_rng)
    return est


def _matched_sample(rows: pl.DataFrame, matched: Matched, y: pl.DataFrame, covariates: list[str], h: int | None,
                    end_day: int) -> MatchedSample:
    """Participants with ``h`` days of follow-up (all of them when ``h`` is None) and their comparisons, for the outcome model."""
    keep = (pl.col("index_day") + h <= end_day) if h is not None else pl.lit(True)
    treated = rows.filter(pl.col("treated") & keep).select("row")
    pairs = matched.pairs.join(treated, left_on="treated_row", right_on="row", how="semi")
    sample = pl.concat([
        pairs.select(pl.col("treated_row").alias("row")).unique().sort("row").with_columns(pl.lit(1.0).alias("weight"), pl.lit(1.0).alias("t")),
        pairs.sort("treated_row", "control_row").select(pl.col("control_row").alias("row"), "weight", pl.lit(0.0).alias("t")),
    ]).with_row_index("order")
    sample = (
        sample.join(rows.select("row", "nominal_id", "index_day", follow_up(h), *covariates), on="row", how="left")
        .join(y, on="row", how="left").sort("order")
    )
    exposure = sample["follow_up"].to_numpy().astype(float)  # h days, or to the end; a comparison's ends at their own start
    return MatchedSample(
        X=sample.select(covariates).to_numpy().astype(float), treated=sample["t"].to_numpy(), y=sample["y"].fill_null(0.0).to_numpy(),
        exposure=exposure, weight=sample["weight"].to_numpy(), person=sample["nominal_id"].rank("dense").cast(pl.Int64).to_numpy(),
    )


def _risk_change(rows: pl.DataFrame, matched: Matched, data: EvaluationData, horizon: str, h: int | None, end_day: int,
                 rs: RiskSettings, rng: np.random.Generator) -> Estimate:
    assert h is not None
    keep = pl.col("index_day") + h <= end_day
    est = Estimate("risk_change", "change in risk score", horizon, "estimated")
    use = rows.filter(keep)
    treated_rows = use.filter(pl.col("treated")).select("row")
    if treated_rows.height < rs.what_works_min_treated:
        est.status = "not assessable"
        est.n_treated = treated_rows.height
        est.reason = f"{treated_rows.height} participants started at least {horizon} before the data end; {rs.what_works_min_treated} are needed"
        return est
    involved = pl.concat([
        treated_rows,
        matched.pairs.join(treated_rows, left_on="treated_row", right_on="row", how="semi").select(pl.col("control_row").alias("row")),
    ]).unique()
    sub = use.join(involved, on="row", how="semi")
    before = _scores_at(data, sub.select("row", "nominal_id", pl.col("index_day").alias("day")), rs)
    after = _scores_at(data, sub.select("row", "nominal_id", (pl.col("index_day") + h).alias("day")), rs)
    y = sub.select("row").join(before, on="row", how="left").join(after, on="row", how="left", suffix="_after").select(
        "row", (pl.col("score_after").fill_null(0.0) - pl.col("score").fill_null(0.0)).alias("y")
    )
    paired = _paired(rows, matched, y, keep, h, counts=False)
    est.n_treated, est.n_controls = len(paired.yt), paired.n_controls
    if len(paired.yt) < rs.what_works_min_treated:
        est.status, est.reason = "not assessable", f"only {len(paired.yt)} matched participants with {horizon} of follow-up"
        return est
    return _fill(est, paired, rs, rng, ratio=False)


# --- from a workspace ---------------------------------------------------------------------------------


def evaluate_workspace(ws: Workspace) -> WhatWorks:
    """Read the cohort, programmes and outcomes from the workspace's records and picture, then :func:`evaluate`
    (or return the stored result of the same evaluation on the same inputs: :mod:`crossline.evaluate.cache`)."""
    from crossline.evaluate.cache import cached_evaluate

    folder = None if ws.read_only else ws.path / "cache" / "what-works"
    return cached_evaluate(workspace_data(ws), ws.settings.risk, ws.settings.evaluate, folder, evaluate)


def workspace_data(ws: Workspace) -> EvaluationData:
    from sqlalchemy import text

    from crossline.store import picture as picture_store

    def table(name: str) -> pl.DataFrame:
        path = picture_store.current_table(ws.engine, ws.path, name)
        if path is None:
            raise NotFound(f"the picture has no {name} table yet: build the picture first", next_step="build")
        return pl.read_parquet(path)

    def query(sql: str) -> pl.DataFrame:
        with ws.engine.connect() as conn:
            cur = conn.execute(text(sql))
            frame = pl.DataFrame(cur.fetchall(), schema=list(cur.keys()), orient="row", infer_schema_length=None)
        return frame.with_columns(pl.col(pl.Null).cast(pl.String))  # no rows: text columns stay text, so thin workspaces say why

    def ts(c: str) -> pl.Expr:
        return pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False, time_zone=None)

    nominals = table("nominals").select(pl.col("nominal_id").cast(pl.String), "source", "record_id")
    risk = table("risk")
    evidence = table("risk_evidence")
    kinds = "', '".join((*KINDS, "intervention"))
    ev = query(
        "SELECT e.source, ep.person_id AS record_id, ep.role, e.event_type, e.occurred_at, e.programme FROM event_people ep "
        f"JOIN events e ON e.source = ep.source AND e.record_id = ep.event_id WHERE e.event_type IN ('{kinds}')"
    ).with_columns(ts("occurred_at")).join(nominals, on=["source", "record_id"], how="inner")
    # the data start with the first indicator event (older records, like a care placement last year, are background)
    # and end with the latest event of any kind
    span = query(f"SELECT MIN(occurred_at) AS a FROM events WHERE event_type IN ('{kinds}')").hstack(query("SELECT MAX(occurred_at) AS b FROM events"))
    if ev.height == 0 or span["a"][0] is None:
        raise NotFound("no events in the records: nothing to evaluate")
    start = datetime.strptime(span["a"][0], "%Y-%m-%dT%H:%M:%SZ")
    end = datetime.strptime(span["b"][0], "%Y-%m-%dT%H:%M:%SZ")
    treatments = ev.filter((pl.col("event_type") == "intervention") & pl.col("programme").is_not_null()).select(
        "nominal_id", pl.col("programme").cast(pl.String).str.to_lowercase().str.replace_all(r"[\s-]+", "_"),
        pl.col("occurred_at").alias("started_at"),
    )
    casework = query("SELECT nominal_id, programme, started_at FROM interventions")
    if casework.height:
        casework = casework.with_columns(
            pl.col("nominal_id").cast(pl.String),
            pl.col("started_at").str.slice(0, 10).str.to_datetime("%Y-%m-%d", strict=False),
        )
        treatments = pl.concat([treatments, casework.select(pl.col("nominal_id"), pl.col("programme").cast(pl.String), "started_at")])
    treatments = treatments.filter(pl.col("started_at") <= end)  # a programme starting after the data has no follow-up yet
    outcomes = ev.filter(pl.col("event_type").is_in(KINDS) & pl.col("role").is_in(ROLES)).select(
        "nominal_id", pl.col("event_type").alias("kind"), "occurred_at"
    ).unique()
    sex = query("SELECT source, record_id, sex FROM persons WHERE sex IS NOT NULL").join(nominals, on=["source", "record_id"])
    male = sex.group_by("nominal_id").agg((pl.col("sex") == "M").mean().alias("male"))
    aces = evidence.filter(pl.col("group") == "ace").group_by("nominal_id").agg(
        pl.col("indicator").n_unique().alias("ace_count"), (pl.col("indicator") == "ace_care").any().cast(pl.Int64).alias("in_care")
    )
    treated_ages = risk.join(treatments.select("nominal_id").unique(), on="nominal_id", how="semi")["age"].drop_nulls()
    lo, hi = (int(cast(int, treated_ages.min())), int(cast(int, treated_ages.max()))) if treated_ages.len() else (0, 200)
    people = (
        risk.filter(pl.col("age").is_between(lo, hi)).select("nominal_id", "age")
        .join(male, on="nominal_id", how="left").join(aces, on="nominal_id", how="left")
        .with_columns(pl.col("male").fill_null(0.5), pl.col("ace_count").fill_null(0), pl.col("in_care").fill_null(0))
    )
    concerns = evidence.filter(pl.col("indicator").is_in(["concern_exploitation", "nrm_referral"])).select("nominal_id", "occurred_at").drop_nulls()
    evidence = evidence.join(people, on="nominal_id", how="semi")
    recorded = query("SELECT nominal_id, measure, value, observed_at FROM outcomes WHERE value IS NOT NULL")
    recorded_frame = None
    if recorded.height:
        recorded_frame = recorded.select(
            pl.col("nominal_id").cast(pl.String), pl.col("measure").cast(pl.String), pl.col("value").cast(pl.Float64),
            pl.col("observed_at").cast(pl.String).str.slice(0, 10).str.to_datetime("%Y-%m-%d", strict=False).alias("observed_at"),
        ).drop_nulls("observed_at")
    return EvaluationData(people, treatments, outcomes, concerns, start, end, evidence, _line_contact_days(ws, evidence), recorded_frame)


def _line_contact_days(ws: Workspace, evidence: pl.DataFrame) -> pl.DataFrame | None:
    """(nominal_id, occurred_at): each day on which a young person's phone was in contact with a deal line or runner number.

    The risk stage dates such contact by its *latest* day (what an analyst
    needs today), so a young person in contact with a line all summer shows
    none of it "before" a start in July; the comms say from which day it was
    visible. Read from the comms lake, for the (phone, line number) pairs the
    risk stage found only. None when the lines stage has not run (no contact
    assessed, so no covariate).
    """
    from crossline.engine import duck
    from crossline.store import lake as lake_store

    found = evidence.filter(pl.col("indicator").is_in(["line_contact", "runner_contact"]))
    files = lake_store.dataset_paths(ws.engine, ws.lake, "comms")
    if found.height == 0 or not files:
        return None
    pairs = found.select("nominal_id", pl.col("record_id").str.split_exact(" <-> ", 1).struct.rename_fields(["phone", "counterpart"])).unnest("record_id")
    con = duck.connect(ws.settings)
    try:
        con.register("pairs", pairs.select("phone", "counterpart").unique().to_arrow())
        file_list = duck.quote_list(files)
        table = con.sql(f"""
            WITH c AS (SELECT a_number, b_number, CAST(started_at AS DATE) AS day FROM read_parquet({file_list}, union_by_name = true))
            SELECT DISTINCT p.phone, p.counterpart, c.day FROM c JOIN pairs p ON c.a_number = p.phone AND c.b_number = p.counterpart
            UNION
            SELECT DISTINCT p.phone, p.counterpart, c.day FROM c JOIN pairs p ON c.b_number = p.phone AND c.a_number = p.counterpart
        """).to_arrow_table()
    finally:
        con.close()
    days = pl.from_arrow(table)
    assert isinstance(days, pl.DataFrame)
    return (
        pairs.join(days, on=["phone", "counterpart"]).select("nominal_id", pl.col("day").cast(pl.Datetime("us")).alias("occurred_at"))
        .unique().sort("nominal_id", "occurred_at")
    )
