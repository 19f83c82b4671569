"""The same feature SQL on Spark (local mode, transpiled by SQLGlot) gives the same lines as on DuckDB.

One SparkSession for the module. The scenario is small on purpose (two flaring
lines, one with a rebrand in the same handset; a quiet line that never flares and
changes number twice, telling its customers one text at a time; lawful bulk
senders and a taxi dispatcher beside them): Spark
local mode pays seconds per query stage, whatever the data's size.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.engine.spark import SparkEngine, session, to_spark
from crossline.settings import Settings
from crossline.settings.lines import FEATURES, LinesSettings
from crossline.stages.lines.detect import Inputs, Result, detect_lines
from crossline.stages.lines.sql import KEEP, feature_steps, line_steps
from lines_comms import CELLS, DAYS, KINDS, Comms, deal_line, notify_one_by_one, num, quiet_line, taxi_dispatch, to_lake

QUIET_CHAIN = [num("7711", 11), num("7711", 12), num("7711", 13)]


def _spark_problem() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install pyspark; it needs Java 17)"
    if shutil.which("java") is None:
        return "no Java on PATH: Spark local mode needs Java 17"
    return None


pytestmark = pytest.mark.skipif(_spark_problem() is not None, reason=str(_spark_problem()))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    started = session("local[2]")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    c = Comms()
    customers = [num("7712", i) for i in range(40)]
    runners = [num("7713", 1), num("7713", 2)]
    deal_line(c, num("7711", 1), customers, range(0, 12), "350000000000011", runners, check_ins=True)
    deal_line(c, num("7711", 2), customers[:34], range(12, 21), "350000000000011", runners, check_ins=True)
    deal_line(c, num("7711", 3), [num("7720", i) for i in range(25)], DAYS, None, [num("7713", 3)], flare_times=(10, 15, 21))
    for i, make in enumerate(KINDS.values()):
        make(c, num("7714", i + 1))
    taxi_dispatch(c, num("7714", 9), [num("7713", 11), num("7713", 12)])
    buyers = customers[20:] + [num("7722", i) for i in range(20)]  # some also buy from the first line
    qa, qb, qc = QUIET_CHAIN
    quiet_line(c, qa, buyers, range(0, 8), "350000000000077", [num("7713", 7)], check_ins=True)
    notify_one_by_one(c, qb, buyers[:32], 8)
    quiet_line(c, qb, buyers[:32], range(8, 15), "350000000000078", [num("7713", 7)])
    notify_one_by_one(c, qc, buyers[:28], 15)
    quiet_line(c, qc, buyers[:28], range(15, 21), "350000000000078", [num("7713", 7)])
    return to_lake(c.frame(), tmp_path_factory.mktemp("spark") / "lake.parquet")


def _run(engine: Any, paths: list[str]) -> Result:
    try:
        return detect_lines(engine, Inputs(paths, CELLS, LinesSettings()))
    finally:
        engine.close()


@pytest.fixture(scope="module")
def both(spark: Any, lake: list[str]) -> tuple[Result, Result]:
    """The detector run once on each engine over the same lake."""
    return _run(DuckEngine(connect(Settings())), lake), _run(SparkEngine(spark, keep=KEEP), lake)


def test_every_step_transpiles() -> None:
    s = LinesSettings()
    for step in feature_steps(s, [2026]) + line_steps(s):
        sql = to_spark(step.sql)
        assert "SELECT" in sql.upper(), step.name


def test_spark_finds_the_same_lines_as_duckdb(both: tuple[Result, Result]) -> None:
    duck, on_spark = both
    for table, key in (("line_numbers", ["number"]), ("successions", ["old_number"]), ("lines", ["line_id"]),
                       ("runners", ["line_id", "number"]), ("line_customers", ["line_id", "number"]),
                       ("line_daily", ["line_id", "day"]), ("line_evidence", ["number", "feature"])):
        a, b = duck.tables[table].sort(key), on_spark.tables[table].sort(key)
        assert a.columns == b.columns, table
        assert a.height == b.height > 0, table
        for col in a.columns:
            if a[col].dtype.is_float():
                assert (a[col].fill_null(-1.0) - b[col].cast(pl.Float64).fill_null(-1.0)).abs().max() < 1e-6, (table, col)
            else:
                assert a[col].cast(pl.String).to_list() == b[col].cast(pl.String).to_list(), (table, col)
    assert sorted(duck.tables["line_numbers"]["number"]) == sorted([num("7711", 1), num("7711", 2), num("7711", 3), *QUIET_CHAIN])
    assert duck.tables["successions"].height == 3
    chain = duck.tables["line_numbers"].filter(pl.col("number").is_in(QUIET_CHAIN))
    assert chain["line_id"].n_unique() == 1


def test_spark_computes_the_same_daily_features(both: tuple[Result, Result]) -> None:
    duck, on_spark = (r.tables["line_features"].sort(["number", "day"]) for r in both)
    assert duck.height == on_spark.height > 0
    counts = ["outbound", "messages", "calls", "flares", "max_burst", "flare_recipients", "matched_days", "returning",
              "inbound_parties", "short_parties", "called_back", "relayed", "repeat_parties", "confirmed"]
    assert duck.select(counts).cast(pl.Int64).equals(on_spark.select(counts).cast(pl.Int64))
    for f in [f"f_{f}" for f in FEATURES] + ["median_km", "day_score"]:
        diff = (duck[f].fill_null(-1.0) - on_spark[f].cast(pl.Float64).fill_null(-1.0)).abs().max()
        assert diff is not None and diff < 1e-6, f
