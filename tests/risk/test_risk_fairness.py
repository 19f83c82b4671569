"""The fairness report: false positive and false negative rates by sex and age group."""

from __future__ import annotations

import polars as pl
import pytest

from crossline.access.actor import Actor
from crossline.evaluate.fairness import gap, report, to_markdown
from risk_fixtures import SimWorkspace

CASES = pl.DataFrame({
    #          flagged correctly, missed, false alarm, correctly clear
    "band": ["high", "low", "very_high", "low", "medium", "high", "low", "low"],
    "exploited": [True, True, False, False, True, False, False, False],
    "sex": ["M", "M", "M", "M", "F", "F", "F", None],
    "age": [15, 16, 13, 19, 15, 17, 12, None],
})


def test_rates_by_group_are_counted_exactly() -> None:
    table = report(CASES, "high")
    rows = {(r["attribute"], r["group"]): r for r in table.to_dicts()}
    assert rows[("all", "all")]["flagged"] == 3
    m = rows[("sex", "M")]
    assert (m["false_positive_rate"], m["false_negative_rate"]) == (pytest.approx(0.5), pytest.approx(0.5))
    f = rows[("sex", "F")]
    assert (f["false_positive_rate"], f["false_negative_rate"]) == (pytest.approx(0.5), pytest.approx(1.0))  # medium is not flagged at high
    assert rows[("sex", "unknown")]["false_negative_rate"] is None  # no exploited in the group: no rate, not zero
    assert rows[("age_group", "10-13")]["n"] == 2 and rows[("age_group", "unknown")]["n"] == 1
    at_medium = {(r["attribute"], r["group"]): r for r in report(CASES, "medium").to_dicts()}
    assert at_medium[("sex", "F")]["false_negative_rate"] == 0.0


def test_markdown_names_every_group() -> None:
    md = to_markdown(report(CASES, "high"), "high")
    assert "| sex | F |" in md and "| age_group | 14-15 |" in md and "Flagged: band high or above." in md


def test_fairness_on_the_simulation(sim_ws: SimWorkspace) -> None:
    from crossline.service.safeguarding import scores_against_truth

    frame = scores_against_truth(sim_ws.ws, Actor("ana", "gwent-police", "analyst"), sim_ws.truth)
    table = report(frame, "high")
    overall = table.filter(pl.col("attribute") == "all").to_dicts()[0]
    assert overall["n"] == frame.height and overall["exploited"] == int(frame["exploited"].sum())
    assert set(table.filter(pl.col("attribute") == "sex")["group"]) >= {"F", "M"}
    fpr_gap = gap(table, "sex", "false_positive_rate")
    assert fpr_gap is not None and fpr_gap < 0.05  # false alarms are rare for both sexes
