"""Bursts found from run edges in SQL agree with runs cut by hand, on the awkward cases.

The ``bursts`` step finds each run of texts (each at most ``burst_gap_s`` after
the one before) from its first and last text, in one sort, and counts its
distinct recipients by an equi-join on sender and local day. These tests write
texts whose runs are known and compare the step's table with a reference
written in plain Python straight from the definition: texts sent in the same
second at a run's edge, a run across local midnight, a run over three days, a
run across the autumn clock change (the local time steps back an hour), runs
one text or one recipient short, and a sender whose every text is its own run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.sql import feature_steps, local_offset_sql, years_of
from lines_comms import CELLS, Comms, num, to_lake

S = LinesSettings()
GAP, MIN = int(S.burst_gap_s), int(S.min_burst)
PEOPLE = [num("7740", i) for i in range(200)]
EPOCH = datetime(1970, 1, 1)  # the lake's times are naive UTC


def _scenario() -> Comms:
    c = Comms()
    june = datetime(2026, 6, 10, 9, 0, 0)
    # 1. two runs, with texts sent in the same second as each run's first and last text
    s1 = num("7741", 1)
    for i in range(20):
        c.text(s1, PEOPLE[i], june + timedelta(seconds=5 * i))
    c.text(s1, PEOPLE[50], june)  # same second as the first
    c.text(s1, PEOPLE[51], june + timedelta(seconds=95))  # same second as the last
    for i in range(16):
        c.text(s1, PEOPLE[60 + i], june + timedelta(seconds=95 + GAP + 1 + 2 * i))  # one second too late: a new run
        c.text(s1, PEOPLE[60 + i], june + timedelta(seconds=95 + GAP + 1 + 2 * i))  # and each text twice
    # 2. a run across local midnight (BST): 23:57 to 00:03:30 local, enough texts on each side for both sender-days
    s2 = num("7741", 2)
    night = datetime(2026, 6, 11, 22, 57, 0)  # UTC, 23:57 BST
    for i in range(40):
        c.text(s2, PEOPLE[i], night + timedelta(seconds=10 * i))
    # 3. a run over three local days: a text every 50 s for 50 hours, to ten people in turn (only 10 recipients,
    # so no burst) and, from another sender, to sixty in turn (a burst)
    s3, s4 = num("7741", 3), num("7741", 4)
    long_start = datetime(2026, 6, 13, 20, 0, 0)
    for i in range(3600):
        c.text(s3, PEOPLE[i % 10], long_start + timedelta(seconds=50 * i))
        c.text(s4, PEOPLE[i % 60], long_start + timedelta(seconds=50 * i))
    # 4. a run across the autumn change: 25 October 2026, 00:59:30 to 01:01:00 UTC (01:59:30 BST, then 01:00 GMT)
    s5 = num("7741", 5)
    change = datetime(2026, 10, 25, 0, 59, 30)
    for i in range(20):
        c.text(s5, PEOPLE[i], change + timedelta(seconds=5 * i))
    # 5. one text short, one recipient short
    s6, s7 = num("7741", 6), num("7741", 7)
    for i in range(MIN - 1):
        c.text(s6, PEOPLE[i], june + timedelta(hours=2, seconds=3 * i))
    for i in range(MIN + 5):
        c.text(s7, PEOPLE[i % (MIN - 1)], june + timedelta(hours=3, seconds=3 * i))
    # 6. twenty texts a day, each more than the gap apart: every text its own run, none a burst
    s8 = num("7741", 8)
    for i in range(20):
        c.text(s8, PEOPLE[i], june + timedelta(hours=4, seconds=(GAP + 5) * i))
    return c


def _reference(frame: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Runs cut by hand from the definition, over the texts of sender-days with at least ``min_burst`` texts."""
    import duckdb

    texts = [(r["a_number"], r["b_number"], int((r["started_at"] - EPOCH).total_seconds()))
             for r in frame.iter_rows(named=True) if r["kind"] != "voice"]
    con = duckdb.connect()
    local = dict(con.execute(f"SELECT t, {local_offset_sql(years)} FROM (SELECT unnest(?) AS t)",
                             [sorted({t for _, _, t in texts})]).fetchall())
    con.close()
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    for a, _, t in texts:
        per_day[a, (t + local[t]) // 86400] += 1
    by_sender: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a, b, t in texts:
        if per_day[a, (t + local[t]) // 86400] >= MIN:
            by_sender[a].append((t, b))
    rows = []
    for a, items in by_sender.items():
        items.sort()
        runs: list[list[tuple[int, str]]] = []
        for t, b in items:
            if runs and t - runs[-1][-1][0] <= GAP:
                runs[-1].append((t, b))
            else:
                runs.append([(t, b)])
        for k, run in enumerate(runs, start=1):
            people = {b for _, b in run}
            if len(people) >= MIN:
                rows.append({"a": int(a[1:]), "burst": k, "start_t": run[0][0], "end_t": run[-1][0],
                             "start_lt": min(t + local[t] for t, _ in run), "recipients": len(people)})
    return pl.DataFrame(rows, schema={"a": pl.Int64, "burst": pl.Int64, "start_t": pl.Int64, "end_t": pl.Int64,
                                      "start_lt": pl.Int64, "recipients": pl.Int64})


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _scenario().frame()
    paths = to_lake(frame, tmp_path_factory.mktemp("bursts") / "comms.parquet")
    years = years_of(["day=2026-06-10"])
    engine = DuckEngine(connect(Settings()))
    try:
        engine.load_comms(paths)
        engine.register("cells", CELLS.select("cell_id", "lat", "lon"))
        steps = feature_steps(S, years)
        engine.run(steps[: [st.name for st in steps].index("bursts") + 1])
        got = engine.fetch("bursts")
    finally:
        engine.close()
    got = got.select([pl.col(c).cast(pl.Int64) for c in ("a", "burst", "start_t", "end_t", "start_lt", "recipients")])
    order = ["a", "burst"]
    return got.sort(order), _reference(frame, years).sort(order)


def test_bursts_match_runs_cut_by_hand(both: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    got, want = both
    assert got.to_dicts() == want.to_dicts()


def test_the_awkward_runs_are_there(both: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """The reference itself holds what the scenario was written for, so the comparison above is not vacuous."""
    _, want = both
    per = {int(k): g for (k,), g in want.group_by("a")}
    s1 = per[int(num("7741", 1)[1:])]
    assert s1["recipients"].to_list() == [22, 16]  # the same-second texts joined the first run; the late one split
    s2 = per[int(num("7741", 2)[1:])]
    assert s2["recipients"].to_list() == [40] and s2["end_t"][0] - s2["start_t"][0] == 390  # over midnight
    assert int(num("7741", 3)[1:]) not in per  # 3,600 texts over three days to ten people: no burst
    s4 = per[int(num("7741", 4)[1:])]
    assert s4.height == 1 and s4["end_t"][0] - s4["start_t"][0] == 50 * 3599  # one run, three local days
    s5 = per[int(num("7741", 5)[1:])]
    assert s5["start_lt"][0] < s5["start_t"][0] + 3600  # the clock went back during the run
    for short in ("7741", 6), ("7741", 7), ("7741", 8):
        assert int(num(*short)[1:]) not in per
