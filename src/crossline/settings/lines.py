"""The ``[lines]`` section of crossline.toml: thresholds, feature weights and the engine.

Every weight and threshold is declared here once, with the reason it has the
value it has in docs/lines.md ("Weights and why"). A workspace may override any
of them, or point ``weights_file`` at a TOML file with a ``[weights]`` table
(``flare_regularity = 3.0`` ...) so that a force can keep its own calibration
under version control.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from crossline.errors import ConfigurationError
from crossline.settings.declare import Section, setting

FEATURES: tuple[str, ...] = (
    "flare_regularity",
    "relay",
    "callback",
    "distance",
    "inbound",
    "stability",
    "repeat",
    "known_customers",
)
"""The scored features, in the order the evidence shows them (docs/lines.md, "Features")."""


class LinesSettings(Section):
    engine: Literal["duckdb", "spark"] = setting("duckdb", "Where the feature SQL runs: duckdb (default, one machine) or spark (local mode or a "
        "cluster given by spark_master).")
    spark_master: str = setting("local[2]", "Spark master URL when engine = \"spark\".")
    min_burst: int = setting(15, "Distinct recipients a run of texts must reach to count as a flare (bulk burst).")
    burst_gap_s: int = setting(60, "Seconds between two texts of one burst; a longer pause starts a new burst.")
    flare_time_tolerance_min: int = setting(45, "Minutes within which two days' flares count as 'the same time'.")
    regularity_window_days: int = setting(6, "Previous days a flare is compared with for regularity (a week with today).")
    short_contact_s: int = setting(120, "Calls up to this long (and every text) count as short inbound contacts (orders).")
    relay_window_s: int = setting(600, "Seconds after an inbound contact within which a text to a third number is a relay (runner instruction).")
    reply_window_s: int = setting(1800, "A text to someone who contacted the number this many seconds before is a reply to them, never a relay.")
    relay_min_days: int = setting(3, "Days a third number must receive non-flare texts from the number to count as a regular relay recipient.")
    distance_near_km: float = setting(3.0, "Median distance to contacts at or below which the distance feature is 0 (a local business).")
    distance_far_km: float = setting(20.0, "Median distance to contacts at or above which the distance feature is 1 (controlled from elsewhere).")
    inbound_saturation: float = setting(5.0, "Distinct short inbound contacts a day at which the inbound feature reaches 1.")
    quiet_min_contacts: int = setting(5, "Short inbound contacts (texts, calls up to short_contact_s) in a day that make the day an order-taking day.")
    quiet_min_days: int = setting(3, "Order-taking days that make a number a candidate although it never flares (a quiet line).")
    known_customers_saturation: float = setting(0.3, "Share of a number's callers who also contacted another flagged line at which the "
        "known_customers feature reaches 1.")
    threshold: float = setting(0.5, "Score (0-1) at or above which a number is a deal line.")
    weight_flare_regularity: float = setting(3.0, "Weight of daily flares at the same times (the defining behaviour of a line).")
    weight_relay: float = setting(2.0, "Weight of texts to a regular third number minutes after an order (runner instructions).")
    weight_callback: float = setting(1.5, "Weight of same-day call-backs to the numbers that contacted it.")
    weight_distance: float = setting(1.5, "Weight of the distance between the number's cells and its contacts' cells.")
    weight_inbound: float = setting(1.0, "Weight of many distinct short inbound contacts a day.")
    weight_stability: float = setting(1.0, "Weight of low customer churn: the same recipients flare after flare.")
    weight_repeat: float = setting(1.0, "Weight of callers coming back within the week (habitual buying).")
    weight_known_customers: float = setting(3.0, "Weight of callers who are also customers of another flagged line (the market's buyers).")
    weights_file: str = setting("", "Optional TOML file with a [weights] table overriding the weight_* settings (path relative to the workspace).")
    scoring: Literal["weighted", "supervised"] = setting("weighted", "weighted (transparent weighted mean) or supervised (logistic regression on "
        "analyst-reviewed numbers, falling back to weighted when labels are too few).")
    min_labels: int = setting(10, "Reviewed numbers (with both confirmed and rejected among them) needed before the supervised model is used.")
    succession_min_overlap: float = setting(0.5, "Share of the old number's customers the new number must flare for a succession.")
    succession_min_overlap_same_imei: float = setting(0.25, "The same share when the new number is used in the old number's handset (IMEI continuity).")
    succession_min_new_share: float = setting(0.6, "Or: share of the new number's own early contacts who were the old number's "
        "customers (when only some customers follow, and new ones join).")
    succession_min_shared: int = setting(5, "Customers the two numbers must share, at least, for either share to count.")
    succession_max_overlap_days: int = setting(3, "Days the old number may go on answering after the new number's first day.")
    succession_max_gap_days: int = setting(14, "Days between the old number falling silent and the new number's first flare, at most.")
    market_min_share: float = setting(0.1, "Share of a line's customers a force area must hold to be one of its market areas.")
    runner_min_days: int = setting(5, "Days a non-customer must take texts from the line to be a runner number.")
    active_days: int = setting(2, "A line is active when its latest number sent something within this many days of the data's end.")
    disrupted_min_unanswered: int = setting(3, "Numbers that kept contacting a silent line number, unanswered, for the line to count as disrupted "
        "(cut off) rather than dormant.")

    def weights(self, workspace: Path | None = None) -> dict[str, float]:
        """Feature -> weight, from the weight_* settings or the weights file."""
        out = {f: float(getattr(self, f"weight_{f}")) for f in FEATURES}
        if self.weights_file:
            path = Path(self.weights_file)
            if not path.is_absolute() and workspace is not None:
                path = workspace / path
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8")).get("weights", {})
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigurationError(f"[lines] weights_file {path}: cannot read it ({exc}); fix the file or clear the setting") from exc
            unknown = [k for k in data if k not in out]
            if unknown:
                raise ConfigurationError(f"[lines] weights_file {path}: unknown feature(s) {unknown}; the features are {list(FEATURES)}")
            out.update({k: float(v) for k, v in data.items()})
        if any(w < 0 for w in out.values()) or sum(out.values()) <= 0:
            raise ConfigurationError("[lines] weights must be zero or more, and not all zero")
        return out

    @model_validator(mode="after")
    def _consistent(self) -> LinesSettings:
        problems = []
        if self.distance_far_km <= self.distance_near_km:
            problems.append("distance_far_km must be greater than distance_near_km")
        if self.min_burst < 2:
            problems.append("min_burst must be at least 2")
        if problems:
            raise ValueError("; ".join(problems))
        return self
