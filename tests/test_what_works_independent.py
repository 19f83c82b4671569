"""What works on a scenario Crossline has never seen (tests/independent_world.py): known effects, referral that follows need.

The benchmark (benchmarks/what_works_accuracy.py) runs more seeds, larger worlds and more resamples, and prints the
figures docs/what-works.md gives; this test holds the two that must not regress, on seed 1 and on seed 5 (where, with
never-treated comparisons, education came out the wrong way): no programme called the wrong way, and the truth inside the
doubly robust interval in at least 10 of 12 estimates each (at least as often as the matched ratio of means). A smaller
world (4000 young people) and 60 resamples keep it to well under a minute of CPU for both seeds.
"""

from __future__ import annotations

import pytest

from crossline.evaluate.effects import evaluate
from crossline.settings.risk import RiskSettings
from independent_world import independent_world


@pytest.mark.parametrize("seed", [1, 5])
def test_independent_scenario_no_wrong_way_and_the_truth_mostly_inside(seed: int) -> None:
    data, true = independent_world(seed, n=4000)
    results = evaluate(data, RiskSettings(what_works_bootstrap=60))
    inside = inside_rom = total = 0
    for p in results.programmes:
        assert p.status == "estimated", (p.programme, p.reason)
        assert p.naive_ratio is not None and p.naive_ratio > true[p.programme]  # referral by need: the unmatched comparison leans to harm
        for horizon in ("3 months", "6 months", "to the end of the data"):
            e = p.estimate("harm_indicators", horizon)
            assert e is not None and e.status == "estimated", (p.programme, horizon)
            head = e.headline()
            assert head is not None and head[0] == "doubly_robust" and head[2] is not None and head[3] is not None
            t = true[p.programme]
            assert not (t < 1 and head[2] > 1), (p.programme, horizon, head)  # a helpful programme called harmful
            assert not (t > 1 and head[3] < 1), (p.programme, horizon, head)
            total += 1
            inside += head[2] <= t <= head[3]
            inside_rom += e.ratio_low is not None and e.ratio_high is not None and e.ratio_low <= t <= e.ratio_high
    assert total == 12
    assert inside >= 10 and inside >= inside_rom, (inside, inside_rom)
