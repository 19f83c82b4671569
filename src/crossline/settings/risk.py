"""The ``[risk]`` section of crossline.toml: scope, recency, bands, alerts, groups and the what-works evaluation.

The points each indicator carries live in :mod:`crossline.stages.risk.score`
(one table, with the reason for each figure, rendered into docs/risk.md); the
figures here are the ones a force may reasonably want to tune.
"""

from __future__ import annotations

from typing import Literal

from crossline.settings.declare import Section, setting


class RiskSettings(Section):
    as_of: str = setting("", "Date the score is computed for (YYYY-MM-DD). Blank: the latest event in the records, so a rebuild of the same data "
        "gives the same scores.")
    min_age: int = setting(10, "Youngest age scored.")
    max_age: int = setting(24, "Oldest age scored (care leavers are supported to 25); adults older than this are scored only when they are vulnerable "
        "(a cuckooed resident).")
    half_life_days: float = setting(180.0, "Recency: an indicator this many days old counts half as much as one today.")
    score_half_points: float = setting(40.0, "Points at which the score reaches 50: score = 100 x points / (points + this).")
    ace_cap: float = setting(12.0, "Most points adverse childhood experiences can add together: they raise risk, they never decide it.")
    band_medium: float = setting(43.0, "Score from which the band is medium (calibrated: see docs/risk.md, 'Bands').")
    band_high: float = setting(51.0, "Score from which the band is high (calibrated: see docs/risk.md, 'Bands').")
    band_very_high: float = setting(56.0, "Score from which the band is very high (calibrated: see docs/risk.md, 'Bands').")
    read_record_text: bool = setting(
        True,
        "Read records' words to tell a search that found cash or phones from one that found nothing, a stab wound "
        "from asthma, unauthorised absence from illness, a permanent exclusion or a supply arrest from others. "
        "False counts every search, arrest, exclusion, absence and A&E attendance of a young person as the concerning kind "
        "(event types only).",
    )
    hub_forces: str = setting("metropolitan;merseyside;west-midlands;greater-manchester", "Force areas treated as county lines hubs (;-separated), "
        "besides the controller areas of detected lines.")
    alert_band: Literal["high", "very_high"] = setting("high", "Lowest band that raises a safeguarding alert (high or very_high).")
    alert_rise_points: float = setting(10.0, "A child already at or above the alert band raises a new alert when the score rises by at least this much.")
    missing_together_hours: float = setting(3.0, "Two young people reported missing within this many hours of each other in the same postcode "
        "district count as missing together (a peer-group link).")
    min_group_size: int = setting(2, "Smallest peer group listed.")
    what_works_min_treated: int = setting(30, "Fewest young people on a programme (and matched) for the what-works evaluation to report an effect; "
        "below it the report refuses and says why.")
    what_works_neighbours: int = setting(3, "Comparison young people matched to each participant (nearest propensity score, with replacement).")
    what_works_caliper: float = setting(0.2, "Largest difference in the logit of the propensity score for a match, in standard deviations.")
    what_works_bootstrap: int = setting(1000, "Bootstrap resamples for the confidence intervals.")
    what_works_seed: int = setting(7, "Seed of the bootstrap, so a report is reproducible.")


def hub_forces(rs: RiskSettings) -> list[str]:
    return [f.strip() for f in rs.hub_forces.split(";") if f.strip()]
