"""The network stage's comms-edge SQL gives the same edges on Spark (local mode, transpiled) as on DuckDB."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.engine.spark import SparkEngine, session
from crossline.settings import Settings
from crossline.stages.network.load import comms_edges
from crossline.stages.network.sql import KEEP

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None, reason="Spark local mode needs pyspark and Java 17")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    started = session("local[2]")
    yield started
    started.stop()


def _lake(tmp: Path) -> list[str]:
    rows = []
    t = 1_780_000_000
    for i in range(30):  # the line texts customers, a runner replies, a customer calls a friend, the friend calls someone far out
        rows.append(("+447700900001", f"+4477009002{i % 10:02d}", "sms", t + i * 60, 0, "350000000000011"))
    rows += [("+447700900011", "+447700900001", "voice", t + 5000, 40, "350000000000022"),
             ("+447700900200", "+447700900300", "voice", t + 6000, 30, None),
             ("+447700900300", "+447700900400", "voice", t + 7000, 30, None)]
    frame = pl.DataFrame(rows, schema=["a_number", "b_number", "kind", "t", "duration_s", "a_imei"], orient="row").with_columns(
        pl.from_epoch("t", time_unit="s").alias("started_at"), pl.lit(None, pl.String).alias("a_cell"), pl.lit(None, pl.String).alias("b_cell"))
    path = tmp / "comms.parquet"
    frame.drop("t").write_parquet(path)
    return [str(path)]


def test_spark_gives_the_same_edges_as_duckdb(spark: Any, tmp_path: Path) -> None:
    paths = _lake(tmp_path)
    seeds = pl.DataFrame({"number": ["+447700900001"]})
    duck_edges, duck_sets = comms_edges(DuckEngine(connect(Settings())), paths, seeds)
    spark_edges, spark_sets = comms_edges(SparkEngine(spark, keep=KEEP), paths, seeds)
    key = ["u", "v"]
    assert duck_edges.sort(key).to_dicts() == spark_edges.select(duck_edges.columns).cast(dict(duck_edges.schema)).sort(key).to_dicts()
    assert duck_sets.sort("number", "imei").to_dicts() == spark_sets.select(duck_sets.columns).cast(
        dict(duck_sets.schema)).sort("number", "imei").to_dicts()
    pairs = set(zip(duck_edges["u"], duck_edges["v"], strict=True))
    assert ("+447700900200", "+447700900300") in pairs  # two hops out: a customer's friend
    assert ("+447700900300", "+447700900400") not in pairs  # three hops out: left out
