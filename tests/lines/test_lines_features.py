"""Each feature on hand-made comms, where every count is known; duplicate events are counted once (by the importer)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.features import NEIGHBOURHOOD_PRIOR, FeatureTables, compute_features, known_customers, number_summary
from crossline.stages.lines.sql import local_offset_sql
from crossline.store import lake as lake_store
from crossline.workspace import init_workspace
from helpers import import_as_hub
from lines_comms import CELLS, HUB, MARKET, Comms, at, deal_line, num, to_bundle, to_lake

LINE = num("7711", 1)
CUSTOMERS = [num("7712", i) for i in range(30)]
RUNNERS = [num("7713", 1), num("7713", 2)]


def features(c: Comms, tmp_path: Path, s: LinesSettings | None = None) -> FeatureTables:
    paths = to_lake(c.frame(), tmp_path / "lake" / "comms.parquet")
    engine = DuckEngine(connect(Settings()))
    try:
        return compute_features(engine, paths, CELLS, s or LinesSettings())
    finally:
        engine.close()


def day_row(ft: FeatureTables, number: str, day: int) -> dict:
    first = int(ft.number_day["day"].min())
    return ft.number_day.filter((pl.col("number") == number) & (pl.col("day") == first + day)).row(0, named=True)


def test_a_bulk_burst_is_a_flare_and_a_slow_sender_is_a_candidate_without_one(tmp_path: Path) -> None:
    """Twenty people texted one by one in a day is how a quiet line announces a new number: looked at, never a flare."""
    c = Comms()
    c.flare(LINE, CUSTOMERS[:20], at(0, 18), gap_s=5)  # 20 recipients in 95 s
    slow = num("7714", 1)
    for i, b in enumerate(CUSTOMERS[:20]):  # the same 20 texts, 30 minutes apart
        c.text(slow, b, at(0, 8) + timedelta(minutes=30 * i))
    ft = features(c, tmp_path)
    assert set(ft.number_day["number"]) == {LINE, slow}
    row = day_row(ft, LINE, 0)
    assert (row["flares"], row["max_burst"], row["flare_recipients"]) == (1, 20, 20)
    assert day_row(ft, slow, 0)["flares"] == 0


def test_a_burst_below_min_burst_is_not_a_flare(tmp_path: Path) -> None:
    c = Comms()
    c.flare(LINE, CUSTOMERS[:14], at(0, 18))
    assert features(c, tmp_path).number_day.is_empty()


def test_regular_flare_times_against_weekly_promotions(tmp_path: Path) -> None:
    c = Comms()
    weekly = num("7714", 2)
    for d in range(15):
        c.flare(LINE, CUSTOMERS[:20], at(d, 18, (d * 7) % 20))  # daily, within 20 minutes of 18:00
        if d % 7 == 4:
            c.flare(weekly, CUSTOMERS[10:30], at(d, 17))  # Fridays only
    ft = features(c, tmp_path)
    line, promo = (number_summary(ft.number_day).filter(pl.col("number") == n).row(0, named=True) for n in (LINE, weekly))
    assert day_row(ft, LINE, 0)["f_flare_regularity"] is None  # the first day has nothing to compare with
    assert day_row(ft, LINE, 3)["f_flare_regularity"] == pytest.approx(1.0)
    assert line["flare_regularity"] == pytest.approx(1.0)
    assert promo["flare_regularity"] == pytest.approx(0.0)


def test_a_flare_at_another_time_of_day_is_not_regular(tmp_path: Path) -> None:
    c = Comms()
    for d in range(8):
        c.flare(LINE, CUSTOMERS[:20], at(d, 10 if d % 2 else 19))  # alternating morning and evening
    ft = features(c, tmp_path)
    row = day_row(ft, LINE, 7)  # matched: days 5, 3, 1 (mornings) of the previous six
    assert row["matched_days"] == 3
    assert row["f_flare_regularity"] == pytest.approx(3 / 6)


def test_short_inbound_contacts_callbacks_and_relays(tmp_path: Path) -> None:
    c = Comms()
    for d in range(4):
        c.flare(LINE, CUSTOMERS[:20], at(d, 11))
        for k in range(6):  # six orders: texts, and calls of 30 s; one long call that is no order
            t = at(d, 14, 10 * k)
            if k < 4:
                c.text(CUSTOMERS[k], LINE, t)
            else:
                c.call(CUSTOMERS[k], LINE, t, 30)
            if k < 3:
                c.call(LINE, CUSTOMERS[k], t + timedelta(minutes=5), 40)  # called back, later the same day
            if k < 2:
                c.text(LINE, RUNNERS[0], t + timedelta(minutes=2))  # relayed to the runner within minutes
        c.call(CUSTOMERS[25], LINE, at(d, 20), 600)  # a ten-minute call: not a short contact
        c.call(LINE, CUSTOMERS[26], at(d, 9), 20)  # contacted *before* their order: not a call-back
        c.text(CUSTOMERS[26], LINE, at(d, 9, 30))
    row = day_row(features(c, tmp_path), LINE, 3)
    assert row["inbound_parties"] == 8 and row["short_parties"] == 7
    assert row["called_back"] == 3
    assert row["relayed"] == 2  # the runner took texts on 4 days (>= relay_min_days) and never a flare
    assert row["f_callback"] == pytest.approx(3 / 8) and row["f_relay"] == pytest.approx(2 / 8)
    assert row["f_inbound"] == pytest.approx(1.0)


def test_a_text_to_an_occasional_third_number_is_no_relay(tmp_path: Path) -> None:
    c = Comms()
    for d in range(4):
        c.flare(LINE, CUSTOMERS[:20], at(d, 11))
        c.text(CUSTOMERS[0], LINE, at(d, 14))
        c.text(LINE, num("7715", d), at(d, 14, 2))  # a different number each day
    assert day_row(features(c, tmp_path), LINE, 3)["relayed"] == 0


def test_customer_churn(tmp_path: Path) -> None:
    stable, churning = LINE, num("7714", 3)
    c = Comms()
    for d in range(4):
        c.flare(stable, CUSTOMERS[:20], at(d, 11))
        c.flare(churning, [num("7716", 20 * d + i) for i in range(20)], at(d, 12))  # new people every day
    ft = features(c, tmp_path)
    assert day_row(ft, stable, 2)["f_stability"] == pytest.approx(1.0)
    assert day_row(ft, churning, 2)["f_stability"] == pytest.approx(0.0)
    assert day_row(ft, stable, 0)["f_stability"] is None


def test_distance_between_the_number_and_its_contacts(tmp_path: Path) -> None:
    far, near = LINE, num("7714", 4)
    c = Comms()
    c.flare(far, CUSTOMERS[:20], at(0, 11), cell=HUB[0][0], b_cell=MARKET[0][0])  # London -> Newport
    c.flare(near, CUSTOMERS[:20], at(0, 12), cell=MARKET[1][0], b_cell=MARKET[0][0])  # Newport -> Newport
    ft = features(c, tmp_path)
    assert day_row(ft, far, 0)["median_km"] == pytest.approx(203, abs=5)
    assert day_row(ft, far, 0)["f_distance"] == pytest.approx(1.0)
    assert day_row(ft, near, 0)["median_km"] < 2 and day_row(ft, near, 0)["f_distance"] == 0.0


def _imported_features(c: Comms, root: Path) -> FeatureTables:
    """The features of ``c`` as a partner would send it: a bundle, imported into a workspace, its lake read."""
    ws = init_workspace(root / "ws")
    try:
        import_as_hub(ws, to_bundle(c.frame(), root / "bundle"))
        paths = lake_store.dataset_paths(ws.engine, ws.lake, "comms")
        engine = DuckEngine(connect(Settings()))
        try:
            return compute_features(engine, paths, CELLS, LinesSettings())
        finally:
            engine.close()
    finally:
        ws.close()


def test_duplicate_events_are_counted_once(tmp_path: Path) -> None:
    """The same events returned twice (two overlapping requests, or both parties' records) change no count.

    The importer keeps each event once in the lake (ingest.comms_lake), which is what lets the detector read the
    lake without de-duplicating it again; this checks the whole way, bundle to features.
    """
    c = Comms()
    deal_line(c, LINE, CUSTOMERS, range(6), "350000000000011", RUNNERS)
    once = _imported_features(c, tmp_path / "once")
    twice = Comms(rows=c.rows + c.rows[::3])  # a third of the events returned twice, in the same bundle
    again = _imported_features(twice, tmp_path / "twice")
    assert again.number_day.height > 0
    for name in ("number_day", "number_recipients", "number_parties", "number_imeis"):
        assert getattr(again, name).equals(getattr(once, name)), name
    # and the rows written directly, duplicates and all, do count twice: the de-duplication is the importer's
    assert not features(twice, tmp_path / "direct").number_day.equals(once.number_day)


def test_the_local_day_follows_british_summer_time() -> None:
    # 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC
    import duckdb

    expr = local_offset_sql([2026])
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {expr} FROM (VALUES (1774745999), (1774746000), (1792889999), (1792890000)) v(t)"
    ).fetchall()
    assert [r[0] for r in got] == [0, 3600, 3600, 0]


def test_known_customers_is_taken_above_the_neighbourhood_s_rate() -> None:
    """A town where half the people buy drugs: a taxi firm there has half buyers among its callers because they are the town.

    Town A (cell A1): 100 buyers, who use two flagged lines, and 100 others; town B (cell B1): 200 others. A surgery
    in A and a shop in B are called by their towns. The taxi firm in A, called by 50 buyers and 50 others, is at its
    town's own rate, so its value is near 0; measured against everyone's callers (no homes) it would saturate at 1.
    The lines' callers are all buyers: 1 either way.
    """
    line, other, taxi, surgery, shop = (f"+4477009000{i:02d}" for i in range(1, 6))
    buyers = [f"+447700910{i:03d}" for i in range(100)]
    town_a = [f"+447700920{i:03d}" for i in range(100)]
    town_b = [f"+447700930{i:03d}" for i in range(200)]
    callers = pl.DataFrame(
        [(line, b) for b in buyers] + [(other, b) for b in buyers] + [(taxi, p) for p in buyers[:50] + town_a[:50]]
        + [(surgery, p) for p in buyers + town_a] + [(shop, p) for p in town_b],
        schema=["number", "party"], orient="row",
    )
    homes = pl.DataFrame({"party": buyers + town_a + town_b, "cell": ["A1"] * 200 + ["B1"] * 200})
    local = dict(known_customers(callers, [line, other], 0.3, homes).select("number", "known_customers").iter_rows())
    overall = dict(known_customers(callers, [line, other], 0.3).select("number", "known_customers").iter_rows())
    assert local[line] == local[other] == overall[line] == 1.0
    base = 100 / 400  # buyers among the distinct callers of the numbers that are not flagged lines
    rate_a = (100 + base * NEIGHBOURHOOD_PRIOR) / (200 + NEIGHBOURHOOD_PRIOR)
    assert local[taxi] == pytest.approx((0.5 - rate_a) / ((1 - rate_a) * 0.3))
    assert local[taxi] < 0.1 and local[surgery] < 0.1 and local[shop] == 0.0
    assert overall[taxi] == 1.0  # (0.5 - 0.25) / (0.75 * 0.3) > 1: the town alone would make it look like a market
