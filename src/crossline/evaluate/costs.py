"""Cost per harm event avoided: a programme's cost per participant over the events it avoids per participant.

Events avoided per participant is the difference between the participants'
estimated mean count without the programme and their observed mean, over
the horizon (to the end of the data: each participant's own follow-up). Its
bootstrap interval gives the cost's: cost / upper limit to cost / lower
limit. When the interval of events avoided includes 0 (no effect) or lies
below it (more events), no cost per harm avoided can be stated: dividing by
a figure that may be zero gives any number at all, so the answer is "not
estimable", with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CostPerHarm:
    status: str  # estimated | not estimable | no cost given
    cost: float | None = None
    low: float | None = None
    high: float | None = None
    reason: str = ""


def cost_per_harm_avoided(cost: float | None, avoided: float | None, low: float | None, high: float | None) -> CostPerHarm:
    """Cost per harm event avoided, with its interval, from a cost per participant and the events avoided per participant."""
    if cost is None:
        return CostPerHarm("no cost given", reason="no cost per participant for this programme in crossline.toml ([evaluate])")
    if avoided is None or low is None or high is None:
        return CostPerHarm("not estimable", reason="no interval for the events avoided")
    if low <= 0.0:
        return CostPerHarm("not estimable", reason="the interval of harm events avoided includes no effect (or more harm)")
    return CostPerHarm("estimated", cost / avoided, cost / high, cost / low)
