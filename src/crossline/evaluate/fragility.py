"""How fragile an estimate is: the E-value for unmeasured confounding (VanderWeele and Ding 2017).

Matching and the two models adjust for what the records show. A factor no
record shows (a worker's judgement, exploitation not yet known) could still
explain an effect away. The E-value is the smallest strength, as a risk
ratio, that such a factor would need with *both* taking part and the outcome,
over and above the recorded covariates, to move the estimate to no effect;
for the interval, to move its limit nearest to 1 to 1 (1 when the interval
already includes no effect: nothing is needed to explain away what was not
shown). Applied here to rate ratios, as VanderWeele and Ding allow for
counts; it assumes nothing about the factor beyond its two strengths.
"""

from __future__ import annotations

import math


def e_value(ratio: float) -> float:
    """E-value of a rate (or risk) ratio: RR + sqrt(RR (RR - 1)), with RR taken above 1 (a protective ratio inverted)."""
    if ratio <= 0 or not math.isfinite(ratio):
        raise ValueError(f"an E-value needs a positive ratio, not {ratio}")
    rr = ratio if ratio >= 1 else 1.0 / ratio
    return rr + math.sqrt(rr * (rr - 1.0))


def e_value_limit(ratio: float, low: float | None, high: float | None) -> float | None:
    """E-value of the interval limit nearest to 1: 1 when the interval includes 1; None without an interval."""
    if low is None or high is None:
        return None
    if low <= 1.0 <= high:
        return 1.0
    return e_value(high if ratio < 1 else low)


def in_words(ratio: float, e_point: float, e_limit: float | None) -> str:
    """The E-values as a commissioner reads them."""
    what = "this benefit" if ratio < 1 else "this harm" if ratio > 1 else "this"
    text = (f"an unrecorded factor would have to make referral {e_point:.1f} times as likely and harm {e_point:.1f} times as likely "
            f"to explain {what} away")
    if e_limit is None:
        return text
    if e_limit <= 1.0:
        return text + "; the interval already includes no effect, so no hidden factor is needed to make it uncertain"
    return text + f"; {e_limit:.1f} times each to move the interval to include no effect"
