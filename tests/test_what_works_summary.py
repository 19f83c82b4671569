"""The commissioner's summary (evaluate/table.py summary and what_to_fund, at the top of the report): what to fund, how fragile
the evidence is, and what each programme costs per harm event avoided, in plain words.

On a small independent scenario (tests/independent_world.py) with programmes of known effect and costs set in [evaluate].
"""

from __future__ import annotations

import re

import pytest

from crossline.evaluate.effects import WhatWorks, evaluate
from crossline.evaluate.report import render
from crossline.evaluate.table import summary, what_to_fund
from crossline.settings.evaluate import EvaluateSettings
from crossline.settings.risk import RiskSettings
from independent_world import independent_world

COSTS = EvaluateSettings(mentoring_cost=1200.0, sport_cost=300.0, education_cost=400.0, family_support_cost=2500.0)


@pytest.fixture(scope="module")
def results() -> WhatWorks:
    data, _ = independent_world(2, n=3000, days=400)
    return evaluate(data, RiskSettings(what_works_bootstrap=40), COSTS)


def test_the_summary_says_what_to_fund_how_fragile_and_the_cost_per_harm_avoided(results: WhatWorks) -> None:
    rows = {r["programme"]: r for r in summary(results)}
    assert set(rows) == {"one-to-one mentoring", "sport", "education and awareness", "family support"}
    for name, r in rows.items():
        if r["verdict"].startswith("not estimated"):
            continue
        assert re.fullmatch(r"\d\.\d\d \(\d\.\d\d to \d+\.\d\d\)", r["effect"]), r
        assert r["fragility"].startswith("E-value ")
        assert "unrecorded factor would have to make referral" in r["fragility_words"], r
        if r["verdict"].startswith("fewer"):
            assert "explain this benefit away" in r["fragility_words"]
        if r["cost_value"]:
            assert re.fullmatch(r"£[\d,]+ \(£[\d,]+ to £[\d,]+\)", r["cost"]), r
        else:
            assert r["cost"] == "not estimable: the interval includes no effect", (name, r)

    advice = what_to_fund(list(rows.values()))
    fund = [line for line in advice if line.startswith("Worth funding on this evidence: ")]
    helpful = [n for n, r in rows.items() if r["verdict"].startswith("fewer")]
    assert helpful and len(fund) == len(helpful)  # mentoring (0.65) and family support (0.70) help in this world
    assert "sport" not in helpful  # its true ratio is 1: never named as worth funding
    for line in fund:
        assert re.search(r"\. Fewer harm events than matched young people \(about \d+% fewer\); ", line), line
        assert re.search(r"costs £[\d,]+ per harm event avoided \(95% interval £[\d,]+ to £[\d,]+\)", line) or "not estimable" in line, line
        assert "How fragile: an unrecorded factor would have to make referral" in line, line
    costs = [float(rows[n]["cost_value"]) for n in helpful if rows[n]["cost_value"]]
    named = [re.match(r"Worth funding on this evidence: (.+?)\. ", line).group(1).strip() for line in fund]  # type: ignore[union-attr]
    assert [float(rows[n]["cost_value"]) for n in named if rows[n]["cost_value"]] == sorted(costs)  # cheapest per harm avoided first
    unclear = [n for n, r in rows.items() if r["verdict"].startswith("no clear effect")]
    if unclear:
        assert any(line.startswith("Not shown either way yet: ") and all(n in line for n in unclear) for line in advice)

    html = render(results)
    for line in advice:
        assert line.replace("&", "&amp;").replace("'", "&#39;") in html
    assert html.index("Worth funding on this evidence") < html.index("Method and limits")  # the decision comes first


def test_what_to_fund_never_claims_more_than_the_intervals() -> None:
    def row(name: str, verdict: str, cost: str = "") -> dict[str, str]:
        return {"programme": name, "verdict": verdict, "cost_value": cost, "fragility": "E-value 2.00",
                "fragility_words": "an unrecorded factor would have to make referral 2.0 times as likely and harm 2.0 times as likely "
                                   "to explain this benefit away",
                "cost_words": f"it costs £{cost} per harm event avoided" if cost else "cost per harm event avoided: no cost given"}

    advice = what_to_fund([
        row("sport", "no clear effect: the interval includes no effect"),
        row("mentoring", "fewer harm events than matched young people (about 30% fewer)", "3000"),
        row("family support", "fewer harm events than matched young people (about 25% fewer)", "900"),
        row("education", "more harm events than matched young people (about 20% more)"),
        row("boxing", "not estimated: only 12 young people took part"),
    ])
    assert advice[0].startswith("Worth funding on this evidence: family support")  # £900 before £3000
    assert advice[1].startswith("Worth funding on this evidence: mentoring")
    assert any(line.startswith("Review before funding more: education") for line in advice)
    assert any(line.startswith("Not shown either way yet: sport") for line in advice)
    assert any(line.startswith("Cannot be judged yet: boxing") for line in advice)
    assert not any("sport" in line for line in advice if line.startswith("Worth"))
    none = what_to_fund([row("sport", "no clear effect: the interval includes no effect")])
    assert none[0] == "No programme shows fewer harm events on this evidence yet."
