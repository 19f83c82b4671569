"""What works: refuses small samples, recovers a known effect under confounding by indication, writes an offline report."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest
from sqlalchemy import text

from crossline.access.actor import Actor
from crossline.errors import NotAllowed
from crossline.evaluate.adjust import MatchedSample, adjusted_rate_ratio
from crossline.evaluate.effects import KINDS, EvaluationData, _covariates, evaluate
from crossline.evaluate.matching import logistic_fit, nearest_neighbours, smd
from crossline.evaluate.report import render
from crossline.settings.risk import RiskSettings
from risk_fixtures import SimWorkspace

START = datetime(2026, 6, 1)
DAYS = 150
# exploited young people's incidents are missing episodes and searches; others' absence and A&E (as in partners' data)
MIX = {True: [0.45, 0.2, 0.08, 0.12, 0.07, 0.08], False: [0.1, 0.05, 0.1, 0.4, 0.3, 0.05]}


def synthetic(n: int, rate_ratio: float, seed: int, treat_shift: float = 0.0, exploited_logit: float = 0.6,
              days: int = DAYS) -> tuple[EvaluationData, int]:
    """Young people with a known programme effect and referral driven by need (prior incidents, ACEs, exploitation).

    Incidents come at a constant daily rate (``DAYS`` days' worth per person is the rate below) and a programme
    divides the rate after its start by ``rate_ratio`` for good, so the true ratio is the same at every horizon;
    programmes start on days 25 to 70 whatever ``days`` is (as in the simulator).
    """
    rng = np.random.default_rng(seed)
    exploited = rng.random(n) < 0.06
    ace = rng.integers(0, 4, n) * (rng.random(n) < 0.4)
    lam = np.where(exploited, 5.0, 0.3 + 0.25 * ace)  # incidents per DAYS days
    s = rng.integers(25, 71, n)
    pre = rng.poisson(lam * s / DAYS)
    logit = -3.6 + treat_shift + 0.7 * np.minimum(pre, 4) + 0.35 * ace + exploited_logit * exploited
    treated = rng.random(n) < 1 / (1 + np.exp(-logit))
    post = rng.poisson(lam * (days - s) / DAYS * np.where(treated, rate_ratio, 1.0))
    ids = np.array([f"Y{i:05d}" for i in range(n)])
    rows = []
    for who, count, lo, hi in ((np.arange(n), pre, np.zeros(n, int), s), (np.arange(n), post, s, np.full(n, days))):
        rep = np.repeat(who, count)
        day = rng.uniform(np.repeat(lo, count), np.repeat(hi, count))
        kinds = np.array([rng.choice(KINDS, p=MIX[bool(exploited[i])]) for i in rep]) if len(rep) else np.array([], dtype=str)
        rows.append(pl.DataFrame({"nominal_id": ids[rep], "kind": kinds.astype(str),
                                  "occurred_at": [START + timedelta(days=float(d)) for d in day]},
                                 schema={"nominal_id": pl.String, "kind": pl.String, "occurred_at": pl.Datetime("us")}))
    concern = exploited & (rng.random(n) < 0.3)
    data = EvaluationData(
        people=pl.DataFrame({"nominal_id": ids, "age": rng.integers(12, 19, n), "male": (rng.random(n) < 0.5).astype(float),
                             "ace_count": ace, "in_care": np.zeros(n)}),
        treatments=pl.DataFrame({"nominal_id": ids[treated], "programme": "mentoring",
                                 "started_at": [START + timedelta(days=int(d)) for d in s[treated]]}),
        events=pl.concat(rows),
        concerns=pl.DataFrame({"nominal_id": ids[concern],
                               "occurred_at": [START + timedelta(days=int(rng.integers(0, DAYS))) for _ in range(int(concern.sum()))]},
                              schema={"nominal_id": pl.String, "occurred_at": pl.Datetime("us")}),
        data_start=START, data_end=START + timedelta(days=days),
    )
    return data, int(treated.sum())


FAST = RiskSettings(what_works_bootstrap=400)


def test_recovers_a_known_effect_that_a_naive_comparison_gets_wrong() -> None:
    data, n_treated = synthetic(6000, 0.6, seed=11)
    result = evaluate(data, FAST).programmes[0]
    assert result.status == "estimated" and result.participants == n_treated >= 100
    e = result.estimate("harm_indicators", "to the end of the data")
    assert e is not None and e.ratio_low is not None and e.ratio_high is not None
    assert e.ratio_low <= 0.6 <= e.ratio_high, (e.ratio, e.ratio_low, e.ratio_high)
    assert e.ratio_high < 1.0  # the benefit is found
    assert result.naive_ratio is not None and result.naive_ratio > 1.0  # the unmatched comparison calls it harmful
    # the regression-adjusted estimate on the matched sample finds it too
    assert e.adjusted_ratio is not None and e.adjusted_low is not None and e.adjusted_high is not None
    assert e.adjusted_low <= 0.6 <= e.adjusted_high < 1.0, (e.adjusted_ratio, e.adjusted_low, e.adjusted_high)
    assert result.balance is not None
    worst_after = result.balance["smd_after"].abs().max()
    assert worst_after < result.balance["smd_before"].abs().max() and worst_after < 0.25


def test_finds_no_effect_where_there_is_none() -> None:
    data, _ = synthetic(6000, 1.0, seed=12)
    e = evaluate(data, FAST).programmes[0].estimate("harm_indicators", "to the end of the data")
    assert e is not None and e.ratio_low is not None and e.ratio_low <= 1.0 <= e.ratio_high


def test_refuses_a_programme_too_small_to_judge() -> None:
    data, n_treated = synthetic(400, 0.6, seed=3)
    assert n_treated < 30
    result = evaluate(data, RiskSettings()).programmes[0]
    assert result.status == "refused" and not result.estimates
    assert f"only {n_treated} young people took part in one-to-one mentoring" in result.reason
    assert "what_works_min_treated" in result.reason


def test_says_which_horizons_the_period_allows() -> None:
    data, _ = synthetic(6000, 0.6, seed=13)
    out = evaluate(data, FAST)
    result = out.programmes[0]
    six = result.estimate("harm_indicators", "6 months")
    assert six is not None and six.status == "not assessable" and "before the data end" in six.reason
    # 150 days with programmes starting on days 25-70: everyone who started by day 59 has 3 months of follow-up,
    # about three quarters of the ~280 participants, well over the 30 needed
    three = result.estimate("harm_indicators", "3 months")
    assert three is not None and three.status == "estimated" and three.n_treated >= 30, three
    assert "3 months can be assessed" in out.notes[0]
    assert "6 months cannot be assessed" in out.notes[0] and "12 months cannot be assessed" in out.notes[0]


def test_a_long_period_makes_6_and_12_months_assessable() -> None:
    # programmes start on days 25-70: a year of follow-up for most; no unmeasured confounder, so the horizons, not bias, are tested.
    # The sample is sized for power at the shortest horizon. With 6,000 young people (about 260 take part) the 3-month
    # interval is about +-0.3 wide on the log scale (0.55-0.99 for this seed): the true ratio 0.6 (log -0.51) clears 1
    # only when the estimate lands within about 1.7 standard errors of it, so roughly one draw in ten or twenty missed
    # (0.56-1.02 once, after Polars 2.1 and NumPy 2.4 changed the draw). With 15,000 (about 680 take part) the interval is
    # about +-0.15 (0.56-0.76): the upper limit reaches 1 only if the estimate errs by over 4 standard errors, fewer than
    # one draw in 10,000. Seeds 1 to 8 pass too; a 95% interval still misses 0.6 now and then (seed 9 at 6 months).
    data, _ = synthetic(15_000, 0.6, seed=13, days=430, exploited_logit=0.0)
    out = evaluate(data, FAST)
    assert "6 months can be assessed" in out.notes[0] and "12 months can be assessed" in out.notes[0]
    result = out.programmes[0]
    for horizon in ("3 months", "6 months", "12 months"):
        e = result.estimate("harm_indicators", horizon)
        assert e is not None and e.status == "estimated" and e.n_treated >= 30, (horizon, e)
        assert e.ratio_low is not None and e.ratio_high is not None and e.ratio_low <= 0.6 <= e.ratio_high < 1.0, (horizon, e.ratio, e.ratio_low, e.ratio_high)
    twelve = result.estimate("harm_indicators", "12 months")
    everyone = result.estimate("harm_indicators", "to the end of the data")
    assert twelve is not None and everyone is not None and twelve.n_treated < everyone.n_treated  # late starters lack a year
    risk = result.estimate("missing_episodes", "12 months")
    assert risk is not None and risk.status == "estimated"


def test_regression_adjustment_removes_imbalance_matching_left() -> None:
    """Participants with more earlier incidents than their comparisons: the ratio of means is biased, the adjustment is not."""
    rng = np.random.default_rng(5)
    n_t, k = 400, 3
    x_t = rng.normal(0.5, 1.0, n_t)  # matching left participants half an SD worse off
    x_c = rng.normal(0.0, 1.0, n_t * k)
    days = rng.integers(60, 200, n_t).astype(float)
    y_t = rng.poisson(np.exp(-4.0 + 0.8 * x_t) * days * 0.6)
    y_c = rng.poisson(np.exp(-4.0 + 0.8 * x_c) * np.repeat(days, k))
    sample = MatchedSample(
        X=np.concatenate([x_t, x_c])[:, None], treated=np.concatenate([np.ones(n_t), np.zeros(n_t * k)]),
        y=np.concatenate([y_t, y_c]).astype(float), exposure=np.concatenate([days, np.repeat(days, k)]),
        weight=np.concatenate([np.ones(n_t), np.full(n_t * k, 1 / k)]), person=np.arange(n_t * (k + 1)),
    )
    naive = y_t.mean() / y_c.mean()
    ratio, low, high = adjusted_rate_ratio(sample, 200, np.random.default_rng(1))
    assert naive > 0.75  # about 0.6 x exp(0.8 x 0.5): the imbalance hides most of the effect
    assert low <= 0.6 <= high and abs(ratio - 0.6) < 0.08, (ratio, low, high)


def test_contact_with_a_deal_line_counts_only_before_the_start() -> None:
    data, _ = synthetic(3000, 0.6, seed=16)
    first = data.treatments.sort("nominal_id").row(0, named=True)
    start = first["started_at"]
    contacts = pl.DataFrame({"nominal_id": [first["nominal_id"]] * 3,
                             "occurred_at": [start - timedelta(days=5), start - timedelta(days=1), start + timedelta(days=1)]})
    data = dataclasses.replace(data, line_contacts=contacts)
    rows = pl.DataFrame({"row": [0], "nominal_id": [first["nominal_id"]], "index_day": [int((start - START).days)], "treated": [True]})
    events = data.events.with_columns(((pl.col("occurred_at") - pl.lit(START)).dt.total_seconds() // 86400).cast(pl.Int64).alias("day"))
    out, covariates = _covariates(rows, data, events, FAST)
    assert "prior_line_contact_days" in covariates
    assert out["prior_line_contact_days"][0] == pytest.approx(np.log1p(2))  # two days before the start; the day after is an outcome's time


def _as(data: EvaluationData, prefix: str, programme: str) -> EvaluationData:
    """The same young people under other ids, on another programme (to put two programmes in one evaluation)."""
    def ren(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns((prefix + pl.col("nominal_id")).alias("nominal_id"))

    return dataclasses.replace(data, people=ren(data.people), events=ren(data.events), concerns=ren(data.concerns),
                               treatments=ren(data.treatments).with_columns(pl.lit(programme).alias("programme")))


def test_the_report_is_one_offline_html_file_with_charts() -> None:
    data, _ = synthetic(6000, 0.6, seed=14)
    small = _as(synthetic(300, 0.6, seed=15)[0], "S", "sport")
    both = dataclasses.replace(data, people=pl.concat([data.people, small.people]), events=pl.concat([data.events, small.events]),
                               treatments=pl.concat([data.treatments, small.treatments]), concerns=pl.concat([data.concerns, small.concerns]))
    html = render(evaluate(both, FAST))
    assert "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "No estimate." in html and "young people took part in sport" in html
    assert "One-to-one mentoring" in html
    assert "rate ratio adjusted on the matched sample" in html


def test_matching_pairs_on_the_same_index_day_within_the_caliper() -> None:
    rows = pl.DataFrame({
        "row": [0, 1, 2, 3, 4, 5], "treated": [True, False, False, True, False, False],
        "index_day": [1, 1, 1, 2, 2, 1], "logit": [0.0, 0.05, 3.0, 5.0, 5.1, 5.0],
    })
    m = nearest_neighbours(rows, 1, 0.2)
    pairs = dict(zip(m.pairs["treated_row"].to_list(), m.pairs["control_row"].to_list(), strict=False))
    assert pairs == {0: 1, 3: 4}  # row 5 has the nearest logit to row 3 but another index day
    assert m.unmatched == 0


def test_logistic_fit_and_smd() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, 2))
    y = (rng.random(5000) < 1 / (1 + np.exp(-(0.5 + 1.5 * X[:, 0] - 1.0 * X[:, 1])))).astype(float)
    coef = logistic_fit(X, y, ridge=0.0)
    assert coef == pytest.approx([0.5, 1.5, -1.0], abs=0.15)
    assert smd(np.array([[1.0], [3.0]]), np.array([[1.0], [3.0]]))[0] == 0.0


def test_what_works_through_the_service_on_a_small_scenario(sim_ws: SimWorkspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crossline.service.safeguarding import what_works

    with pytest.raises(NotAllowed):
        what_works(sim_ws.ws, Actor("p", "valleys-mentoring-trust", "partner"), tmp_path / "r.html")
    path = what_works(sim_ws.ws, Actor("ana", "gwent-police", "analyst"), tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "What works" in html
    assert html.count("No estimate.") >= 3  # scale 1: every programme has fewer than 30 participants
    with sim_ws.ws.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = 'what_works'")).scalar() == 1


def test_doubly_robust_ratio_removes_imbalance_matching_left() -> None:
    """As for the regression adjustment, but with the propensity model too, and an interval that refits both."""
    from crossline.evaluate.robust import robust_rate_ratio

    rng = np.random.default_rng(6)
    n_t, k = 400, 3
    x_t = rng.normal(0.5, 1.0, n_t)
    x_c = rng.normal(0.0, 1.0, n_t * k)
    days = rng.integers(60, 200, n_t).astype(float)
    y_t = rng.poisson(np.exp(-4.0 + 0.8 * x_t) * days * 0.6)
    y_c = rng.poisson(np.exp(-4.0 + 0.8 * x_c) * np.repeat(days, k))
    sample = MatchedSample(
        X=np.concatenate([x_t, x_c])[:, None], treated=np.concatenate([np.ones(n_t), np.zeros(n_t * k)]),
        y=np.concatenate([y_t, y_c]).astype(float), exposure=np.concatenate([days, np.repeat(days, k)]),
        weight=np.concatenate([np.ones(n_t), np.full(n_t * k, 1 / k)]), person=np.arange(n_t * (k + 1)),
    )
    r = robust_rate_ratio(sample, 200, np.random.default_rng(1))
    assert r is not None and r.low is not None and r.high is not None and r.avoided_low is not None
    assert y_t.mean() / y_c.mean() > 0.75  # the ratio of means hides most of the effect
    assert r.low <= 0.6 <= r.high < 1.0 and abs(r.ratio - 0.6) < 0.08, (r.ratio, r.low, r.high)
    assert r.avoided > 0 and r.avoided_low > 0  # events avoided per participant, with an interval clear of 0
    assert r.untreated_mean == pytest.approx(r.treated_mean / r.ratio)


def test_the_headline_is_doubly_robust_and_rising_incidents_are_covariates() -> None:
    data, _ = synthetic(6000, 0.6, seed=11)
    result = evaluate(data, FAST).programmes[0]
    e = result.estimate("harm_indicators", "to the end of the data")
    assert e is not None and e.headline() is not None
    method, ratio, low, high = e.headline()  # type: ignore[misc]
    assert method == "doubly_robust" and low is not None and high is not None and low <= 0.6 <= high < 1.0, (ratio, low, high)
    assert result.balance is not None
    assert {"prior_last_30_days", "prior_last_90_days", "prior_trend_90_days", "prior_days_since_last", "prior_concern_90_days"} <= set(
        result.balance["covariate"].to_list())


def _recorded(data: EvaluationData, share: float, seed: int) -> EvaluationData:
    """Partners' records of missing episodes (one record per episode) for every participant and ``share`` of the others."""
    rng = np.random.default_rng(seed)
    treated = set(data.treatments["nominal_id"].to_list())
    ids = data.people["nominal_id"].to_list()
    keep = [i for i in ids if i in treated or rng.random() < share]
    rec = data.events.filter((pl.col("kind") == "missing_episode") & pl.col("nominal_id").is_in(keep)).select(
        "nominal_id", pl.lit("missing_episodes").alias("measure"), pl.lit(1.0).alias("value"), pl.col("occurred_at").alias("observed_at"))
    return dataclasses.replace(data, recorded=rec)


def test_outcomes_partners_record_are_estimated_apart_where_enough_exist() -> None:
    from crossline.evaluate.table import what_works_table
    from crossline.settings.evaluate import EvaluateSettings

    data, _ = synthetic(6000, 0.6, seed=17)
    out = evaluate(_recorded(data, 1.0, 1), FAST, EvaluateSettings(min_recorded_outcomes=20)).programmes[0]
    e = out.estimate("recorded_missing_episodes", "to the end of the data")
    assert e is not None and e.source == "partner_recorded" and e.status == "estimated", e
    head = e.headline()
    assert head is not None and head[2] is not None and head[3] is not None and head[2] <= 0.6 <= head[3], head
    # recorded for participants only: a comparison has a record only if they start a programme later (a comparison is
    # anyone not yet on one) and had an episode before that start: too few to compare with, and the row says so
    only = evaluate(_recorded(data, 0.0, 1), FAST).programmes[0].estimate("recorded_missing_episodes", "to the end of the data")
    assert only is not None and only.status == "not assessable" and only.n_controls < 30
    assert f"{only.n_controls} of their comparisons" in only.reason and "min_recorded_outcomes" in only.reason
    table = what_works_table(evaluate(_recorded(data, 0.0, 1), FAST))
    rec = table.filter(pl.col("outcome") == "recorded_missing_episodes")
    assert rec.height == 4 and set(rec["status"].to_list()) == {"not_assessable"} and set(rec["outcome_source"].to_list()) == {"partner_recorded"}
    assert table.filter((pl.col("outcome") == "all_harm") & (pl.col("programme") == "mentoring"))["outcome_source"].to_list() == ["events"] * 4


def test_the_table_gives_fragility_and_cost_for_every_estimate() -> None:
    from crossline.evaluate.table import CONTRACT_COLUMNS, what_works_table
    from crossline.settings.evaluate import EvaluateSettings

    data, _ = synthetic(6000, 0.6, seed=11)
    table = what_works_table(evaluate(data, FAST, EvaluateSettings(mentoring_cost=900.0)))
    assert tuple(table.columns[:10]) == CONTRACT_COLUMNS
    row = table.filter((pl.col("programme") == "mentoring") & (pl.col("outcome") == "all_harm") & pl.col("horizon_months").is_null()).row(0, named=True)
    assert row["status"] == "estimated" and row["method"] == "doubly_robust" and row["ci_high"] < 1.0
    assert row["e_value"] > row["e_value_ci"] > 1.0 and "times as likely" in row["fragility"]
    assert row["cost_low"] < row["cost_per_harm_avoided"] < row["cost_high"]
    assert row["cost_per_harm_avoided"] == pytest.approx(900.0 / row["harm_avoided_per_participant"])
    assert row["verdict"].startswith("fewer harm events")
    # other programmes nobody started are listed as refused, with the reason
    sport = table.filter(pl.col("programme") == "sport")
    assert set(sport["status"].to_list()) == {"refused"} and "no young person in the cohort started sport" in sport["reason"][0]
