"""The first lake pass taken a few days' files at a time gives the rows it gives over the whole lake.

On DuckDB, ``lake_days`` is folded over chunks of the lake's UTC day folders (``sql.lake_days_fold``): each
chunk's counts with the groups carried from the chunk before. The tests take chunks of one day (every day
boundary a chunk boundary) and of about a week (boundaries inside and between chunks). A local (UK) day starts an hour before its UTC day in summer, so a
sender's texts between 00:00 and 01:00 local sit in the previous day's files: these tests put numbers whose
counts reach a threshold only with that hour, and numbers one short of it, across midnight in June, across the
night the clocks go back, and after a gap of months with no files, and compare every table with the whole-lake
pass. A lake whose day folder holds rows of an earlier day (not written by the importer) is taken whole.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines import features
from crossline.stages.lines.features import compute_features
from crossline.stages.lines.sql import day_chunks, lake_day_files
from lines_comms import CELLS, DAYS, Comms, at, deal_line, num, quiet_line, taxi_dispatch

TABLES = ("lake_days", "supers", "sender_days", "order_takers", "bursts", "spread_senders", "candidates",
          "number_day", "number_recipients", "number_parties", "number_imeis", "party_cells")


def _texts(c: Comms, a: str, to: list[str], t: datetime) -> None:
    for i, b in enumerate(to):
        c.text(a, b, t + timedelta(seconds=20 * i))


def _straddlers(c: Comms) -> dict[str, str]:
    """Numbers whose local day's counts are split between two UTC day files (or one short of a threshold)."""
    n = {k: num("7740", i) for i, k in enumerate(
        ("sender", "sender_short", "taker", "taker_short", "autumn", "winter"))}
    friends = [num("7741", i) for i in range(40)]
    d = 5  # Saturday 6 June: 00:00-01:00 local is 23:00-24:00 UTC on Friday 5 June
    _texts(c, n["sender"], friends[:7], at(d, 0, 10))  # in Friday's file
    _texts(c, n["sender"], friends[7:15], at(d, 1, 10))  # in Saturday's: 15 in the local day
    _texts(c, n["sender_short"], friends[:6], at(d, 0, 10))
    _texts(c, n["sender_short"], friends[6:14], at(d, 1, 10))  # 14: one short of min_burst
    for day in (3, 8, 13):  # five short contacts each local day, two of them before 01:00
        for i in range(5):
            c.text(friends[20 + i], n["taker"], at(day, 0 if i < 2 else 9, 5 * i))
        for i in range(4):
            c.text(friends[20 + i], n["taker_short"], at(day, 0 if i < 2 else 9, 5 * i))
    # Sunday 25 October 2026, the clocks go back at 01:00 UTC: 00:30 local is 23:30 UTC on the 24th (summer
    # time), 03:00 local is 03:00 UTC; months of no files lie between June and this
    _texts(c, n["autumn"], friends[:8], datetime(2026, 10, 24, 23, 30))
    _texts(c, n["autumn"], friends[8:15], datetime(2026, 10, 25, 3, 0))
    # winter: local is UTC, and the last minutes of a day are that day's
    _texts(c, n["winter"], friends[:15], datetime(2026, 12, 1, 23, 55))
    return n


@pytest.fixture(scope="module")
def comms() -> tuple[pl.DataFrame, dict[str, str]]:
    c = Comms()
    deal_line(c, num("7742", 1), [num("7743", i) for i in range(30)], range(0, 12), "350000000000042",
              [num("7744", 1), num("7744", 2)], check_ins=True)
    quiet_line(c, num("7742", 2), [num("7745", i) for i in range(25)], DAYS, None, [num("7744", 3)], check_ins=True)
    taxi_dispatch(c, num("7746", 1))
    straddlers = _straddlers(c)
    return c.frame(), straddlers


def _lake(frame: pl.DataFrame, root: Path, folder_of: pl.Expr | None = None) -> list[str]:
    """The rows in ``day=YYYY-MM-DD`` folders (by default their UTC day, as the importer writes them)."""
    day = folder_of if folder_of is not None else pl.col("started_at").dt.date()
    frame = frame.with_columns(day.cast(pl.String).alias("folder"))
    paths = []
    for (folder,), part in frame.partition_by("folder", as_dict=True, include_key=False).items():
        path = root / f"day={folder}" / "part.parquet"
        path.parent.mkdir(parents=True)
        part.write_parquet(path)
        paths.append(str(path))
    return sorted(paths)


def _run(paths: list[str], *, fold: bool) -> dict[str, pl.DataFrame]:
    engine = DuckEngine(connect(Settings()))
    engine.folds_days = fold
    try:
        compute_features(engine, paths, CELLS, LinesSettings())
        got = {name: engine.fetch(name) for name in TABLES}
        got["steps"] = pl.DataFrame({"step": list(engine.seconds)})
    finally:
        engine.close()
    return {k: v.sort(v.columns, nulls_last=True) for k, v in got.items()}


@pytest.fixture(scope="module", params=[0, 40_000], ids=["a day a chunk", "about a week a chunk"])
def runs(request: pytest.FixtureRequest, comms: tuple[pl.DataFrame, dict[str, str]],
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, pl.DataFrame]]:
    paths = _lake(comms[0], tmp_path_factory.mktemp("fold") / "comms")
    assert lake_day_files(paths) is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(features, "FOLD_CHUNK_BYTES", request.param)
        return {"fold": _run(paths, fold=True), "whole": _run(paths, fold=False), "chunk_bytes": request.param}


def test_the_fold_runs_chunk_by_chunk(runs: dict) -> None:
    parts = [s for s in runs["fold"]["steps"]["step"] if s.startswith("lake_part_")]
    days = (datetime(2026, 12, 1) - datetime(2026, 6, 1)).days + 1
    if runs["chunk_bytes"] == 0:
        assert len(parts) == days  # every day from 1 June to 1 December, files or not: the carry crosses the months with none
    else:
        assert 3 <= len(parts) < days // 2
    assert not [s for s in runs["whole"]["steps"]["step"] if s.startswith("lake_part_")]


@pytest.mark.parametrize("table", TABLES)
def test_the_same_tables_as_the_whole_lake(runs: dict[str, dict[str, pl.DataFrame]], table: str) -> None:
    assert runs["fold"][table].height > 0
    assert_frame_equal(runs["fold"][table], runs["whole"][table], check_exact=True)


def test_counts_split_across_utc_midnight_reach_their_threshold(
    runs: dict[str, dict[str, pl.DataFrame]], comms: tuple[pl.DataFrame, dict[str, str]],
) -> None:
    n = {k: int(v.removeprefix("+")) for k, v in comms[1].items()}
    for variant in ("fold", "whole"):
        senders = set(runs[variant]["sender_days"]["a"])
        assert {n["sender"], n["autumn"], n["winter"]} <= senders
        assert n["sender_short"] not in senders
        takers = set(runs[variant]["order_takers"]["b"])
        assert n["taker"] in takers
        assert n["taker_short"] not in takers


def test_a_day_folder_holding_an_earlier_day_is_taken_whole(
    comms: tuple[pl.DataFrame, dict[str, str]], runs: dict[str, dict[str, pl.DataFrame]], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rows filed a day late would break the fold's argument: the pass is taken over the whole lake instead."""
    sender = comms[1]["sender"]
    late = pl.col("started_at").dt.date() + pl.when(pl.col("a_number") == sender).then(pl.duration(days=1)).otherwise(pl.duration(days=0))
    paths = _lake(comms[0], tmp_path / "comms", folder_of=late)
    with caplog.at_level(logging.WARNING, logger="crossline.stages.lines.features"), pytest.MonkeyPatch.context() as mp:
        mp.setattr(features, "FOLD_CHUNK_BYTES", 0)
        got = _run(paths, fold=True)
    assert "taken over the whole lake" in caplog.text
    for table in TABLES:
        assert_frame_equal(got[table], runs["whole"][table], check_exact=True)


def test_chunks_cover_every_day_and_close_at_their_size() -> None:
    assert day_chunks({10: 5, 11: 5, 14: 20, 15: 1}, 10) == [(10, 11), (12, 14), (15, 15)]
    assert day_chunks({10: 5, 11: 5, 14: 20, 15: 1}, 1_000) == [(10, 15)]  # a small lake: one query
    assert day_chunks({10: 50}, 10) == [(10, 10)]
    assert day_chunks({}, 10) == []


def test_paths_outside_day_folders_are_not_folded(tmp_path: Path) -> None:
    assert lake_day_files([str(tmp_path / "comms.parquet")]) is None
    assert lake_day_files([str(tmp_path / "day=2026-06-02" / "a.parquet"), str(tmp_path / "day=2026-06-01" / "b.parquet")]) == {
        20606: [str(tmp_path / "day=2026-06-02" / "a.parquet")], 20605: [str(tmp_path / "day=2026-06-01" / "b.parquet")]}
