"""Each indicator moves the score and appears in the reasons; recency; protected characteristics are not inputs."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from crossline.settings.risk import RiskSettings
from crossline.stages.risk.score import BY_CODE, INDICATORS, weigh
from crossline.workspace import Workspace
from risk_fixtures import CHILDREN, current

CASES = [c for c in CHILDREN if c.indicator is not None and c.cid not in ("C36", "C40")]


def _risk(ws: Workspace) -> dict[str, dict]:
    return {r["nominal_id"]: r for r in current(ws, "risk").to_dicts()}


@pytest.mark.parametrize("child", CASES, ids=[f"{c.cid}-{c.indicator}" for c in CASES])
def test_each_indicator_moves_the_score_and_is_a_reason(hand_ws: Workspace, child) -> None:  # type: ignore[no-untyped-def]
    risk = _risk(hand_ws)
    row = risk[f"N-{child.cid}"]
    baseline = risk["N-C34" if child.indicator == "age_young" else "N-C00"]
    assert row["score"] > baseline["score"], f"{child.indicator} did not raise the score"
    assert child.indicator in row["indicators"].split(";")
    assert child.words.lower() in row["reasons"].lower(), row["reasons"]
    evidence = current(hand_ws, "risk_evidence").filter((pl.col("nominal_id") == f"N-{child.cid}") & (pl.col("indicator") == child.indicator))
    assert evidence.height >= 1 and evidence["points"].min() > 0  # the records behind the reason, each with its points
    assert evidence["record_id"].null_count() == 0 and evidence["source"].null_count() == 0


def test_every_scored_indicator_is_exercised_by_the_hand_bundle() -> None:
    covered = {c.indicator for c in CHILDREN} | {"age_peak", "out_of_area", "cuckooing_victim"}
    assert {i.code for i in INDICATORS} <= covered


def test_the_baseline_child_scores_for_age_only(hand_ws: Workspace) -> None:
    risk = _risk(hand_ws)
    assert risk["N-C00"]["indicators"] == "age_peak"  # an asthma attack at A&E is not an indicator
    assert risk["N-C34"]["score"] == 0.0 and risk["N-C34"]["band"] == "low"  # aged 22, nothing recorded


def test_a_cuckooed_adult_is_scored_as_vulnerable(hand_ws: Workspace) -> None:
    row = _risk(hand_ws)["N-A11"]
    assert "cuckooing_victim" in row["indicators"] and row["score"] > 0


def test_adults_without_indicators_are_not_scored(hand_ws: Workspace) -> None:
    risk = _risk(hand_ws)
    assert "N-P27" not in risk and "N-X23" not in risk


def test_sex_is_not_an_input(hand_ws: Workspace) -> None:
    risk = _risk(hand_ws)
    assert risk["N-C05"]["score"] == risk["N-C35"]["score"]  # same records, one recorded male and one female


def test_aces_raise_risk_but_never_decide_it(hand_ws: Workspace) -> None:
    rs = RiskSettings()
    risk = _risk(hand_ws)
    for cid in ("C27", "C28", "C29", "C30", "C31", "C32"):
        assert risk[f"N-{cid}"]["band"] in ("low", "medium")
    # the most ACE points any child can have, plus age, stays below the high band
    most = rs.ace_cap + BY_CODE["age_peak"].cap
    assert 100 * most / (most + rs.score_half_points) < rs.band_high


def test_recent_indicators_count_more(hand_ws: Workspace) -> None:
    risk = _risk(hand_ws)
    recent, old = risk["N-C01"], risk["N-C36"]  # one missing episode each: 11 days before the data end, and 180 days
    assert recent["score"] > old["score"]
    ev = current(hand_ws, "risk_evidence").filter(pl.col("indicator") == "missing_episode")
    w_old = ev.filter(pl.col("nominal_id") == "N-C36")["weight"][0]
    w_new = ev.filter(pl.col("nominal_id") == "N-C01")["weight"][0]
    assert w_old == pytest.approx(0.5, abs=0.01)  # the default half-life is 180 days
    assert w_new > 0.95


def test_weigh_halves_at_the_half_life_and_caps_each_indicator() -> None:
    rs = RiskSettings(half_life_days=30.0)
    as_of = datetime(2026, 10, 31)
    ev = pl.DataFrame({
        "nominal_id": ["a", "b"] + ["c"] * 5,
        "indicator": ["missing_episode", "missing_episode"] + ["missing_episode"] * 5,
        "occurred_at": [datetime(2026, 10, 1), datetime(2026, 10, 31)] + [datetime(2026, 10, 31)] * 5,
        "detail": [""] * 7,
    })
    w = weigh(ev, rs, as_of)
    pts = dict(w.group_by("nominal_id").agg(pl.col("points").sum()).iter_rows())
    assert pts["a"] == pytest.approx(BY_CODE["missing_episode"].points / 2)
    assert pts["b"] == pytest.approx(BY_CODE["missing_episode"].points)
    assert pts["c"] == pytest.approx(BY_CODE["missing_episode"].cap)  # five episodes, capped at three's worth


def test_an_indicator_dated_after_as_of_does_not_count_yet() -> None:
    ev = pl.DataFrame({"nominal_id": ["a"], "indicator": ["exclusion"], "occurred_at": [datetime(2026, 11, 5)], "detail": [""]})
    assert weigh(ev, RiskSettings(), datetime(2026, 10, 31)).height == 0


def test_reasons_are_plain_words_without_record_ids_or_intelligence(hand_ws: Workspace) -> None:
    from risk_fixtures import INTEL_TEXT

    risk = current(hand_ws, "risk")
    text = " ".join(risk["reasons"].to_list() + risk["partner_reasons"].to_list())
    assert INTEL_TEXT not in text
    assert "E0" not in text  # event record ids stay in risk_evidence
    row = risk.filter(pl.col("nominal_id") == "N-C21").to_dicts()[0]
    assert "police hold further information" in row["partner_reasons"]
    assert "intelligence" not in row["partner_reasons"]


def test_line_contact_is_not_assessed_without_the_lines_stage(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crossline.workspace import init_workspace
    from risk_fixtures import build_hand, hand_bundle

    ws = init_workspace(tmp_path / "ws")
    try:
        build_hand(ws, hand_bundle(tmp_path / "bundle"), with_lines=False)
        risk = current(ws, "risk")
        assert set(risk["line_contact"].unique()) == {"not assessed"}
        assert "line_contact" not in ";".join(risk["indicators"].to_list())
    finally:
        ws.close()


def test_line_contact_found_or_none_found_with_the_lines_stage(hand_ws: Workspace) -> None:
    risk = _risk(hand_ws)
    assert risk["N-C24"]["line_contact"] == "found"
    assert risk["N-C00"]["line_contact"] == "none found"
