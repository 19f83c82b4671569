"""Spark (local mode or a cluster): the one session builder, and the step engine that runs DuckDB-dialect steps.

One JVM serves a Python process, and the first session fixes its classpath,
so every session carries Splink's similarity jar (the resolve stage's
Jaro-Winkler and Damerau-Levenshtein); a session started without it gets it
added. FIELD-NOTES: on one machine Spark is far slower than DuckDB; it is here
for data that does not fit one machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from crossline.engine.duck import EMPTY_EV, EV_COLUMNS
from crossline.engine.steps import Step, StepError, read_by_several
from crossline.errors import ConfigurationError


def session(master: str = "local[2]", *, memory: str | None = None, scratch: Path | None = None,
            needed_by: str = "engine = \"spark\"") -> Any:
    """The running SparkSession, or a new one in UTC (the lake is naive UTC) with Splink's similarity jar."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - pyspark is a development dependency
        raise ConfigurationError(
            f"{needed_by} needs pyspark (pip install pyspark) and Java 17; or set engine = \"duckdb\" to run on this machine"
        ) from exc
    jar = similarity_jar_location()
    active = SparkSession.getActiveSession()
    if active is None:
        builder = (
            SparkSession.builder.master(master).appName("crossline")
            .config("spark.jars", jar)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.default.parallelism", "8")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        if memory:
            builder = builder.config("spark.driver.memory", memory)
        if scratch is not None:
            scratch.mkdir(parents=True, exist_ok=True)
            builder = builder.config("spark.local.dir", str(scratch))
        active = builder.getOrCreate()
        active.sparkContext.setLogLevel("ERROR")
    return _with_similarity_jar(active, jar)


def _with_similarity_jar(spark: Any, jar: str) -> Any:
    """Make sure Splink's similarity functions resolve in this session.

    ``spark.jars`` only counts when a JVM's first context starts; a session
    started earlier in the same process without it gets the jar added here.
    """
    from pyspark.errors import AnalysisException
    from pyspark.sql.types import DoubleType

    probe = ("jaro_winkler", "uk.gov.moj.dash.linkage.JaroWinklerSimilarity", DoubleType())
    try:
        spark.udf.registerJavaFunction(*probe)
    except AnalysisException:
        spark.sql(f"ADD JAR '{jar}'")
        spark.udf.registerJavaFunction(*probe)
    return spark


def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL (SQLGlot); the one place the dialects meet.

    One difference SQLGlot leaves alone: DuckDB's ``hash(x)`` is 64 bits, Spark's
    ``hash(x)`` 32 (Murmur3). The steps only use a hash to name a superset (numbers
    sharing one add their counts, and the exact counts are taken again), so either
    is correct, but 32 bits over millions of numbers would let more through:
    Spark gets ``xxhash64(x)``, its 64-bit hash.
    """
    import sqlglot
    from sqlglot import exp

    def hash64(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
            return exp.Anonymous(this="XXHASH64", expressions=node.expressions)
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(hash64).sql(dialect="spark")


class SparkEngine:
    """The same steps on Spark, transpiled.

    ``keep`` names steps to compute once whatever reads them (the ones fetched,
    and those a later phase reads); a step that two or more later steps read is
    kept too. Each kept step is a Spark job; a step read once stays a view.
    """

    name = "spark"
    folds_days = False

    def __init__(self, spark: Any, keep: Iterable[str] = ()) -> None:
        self.spark = spark
        self.keep = set(keep)
        self.cached: list[Any] = []

    def load_comms(self, paths: Sequence[str], name: str = "ev") -> None:
        if not paths:
            self.register(name, EMPTY_EV)
            return
        self.spark.read.parquet(*paths).createOrReplaceTempView(f"{name}_raw")
        cols = EV_COLUMNS.format(t="CAST(unix_seconds(CAST(started_at AS TIMESTAMP)) AS BIGINT)")
        self.spark.sql(f"SELECT {cols} FROM {name}_raw").createOrReplaceTempView(name)

    def register(self, name: str, frame: pl.DataFrame) -> None:
        df = self.spark.createDataFrame(frame.to_pandas()) if frame.height else self.spark.createDataFrame([], _schema(frame))
        df.createOrReplaceTempView(name)

    def run(self, steps: Sequence[Step]) -> None:
        kept = self.keep | read_by_several(steps)
        for st in steps:
            sql = to_spark(st.sql)
            try:
                df = self.spark.sql(sql)
                if st.keep and st.name in kept:
                    # computed now and cut from its lineage: chained views would otherwise grow one
                    # query plan over every earlier step, and Spark re-plans it at each step
                    df = df.localCheckpoint(eager=True)
                    self.cached.append(df)
                df.createOrReplaceTempView(st.name)
            except Exception as exc:  # py4j and pyspark raise several unrelated types; each is wrapped with the step
                raise StepError(f"step {st.name!r} failed on Spark: {exc}\n{sql}") from exc

    def fetch(self, name: str) -> pl.DataFrame:
        try:
            out = pl.from_arrow(self.spark.table(name).toArrow())
        except Exception as exc:  # as in run
            raise StepError(f"step {name!r} failed on Spark when fetched: {exc}") from exc
        assert isinstance(out, pl.DataFrame)
        return out

    def close(self) -> None:
        for df in self.cached:
            df.unpersist()
        self.cached.clear()


def _schema(frame: pl.DataFrame) -> Any:
    from pyspark.sql import types as T

    kinds: dict[Any, Any] = {pl.String: T.StringType(), pl.Int64: T.LongType(), pl.Float64: T.DoubleType(), pl.Int32: T.IntegerType()}
    return T.StructType([T.StructField(n, kinds.get(d, T.StringType()), True) for n, d in frame.schema.items()])
