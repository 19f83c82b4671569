"""The resolve stage on Splink's Spark backend (``[resolve] engine = "spark"``): for what one machine cannot hold.

The same comparisons, blocking rules and training run as Spark SQL: the model
code asks Splink's dialect for the few function names that differ, and dates
of birth are compared as text parts, so Spark's date formats (``yyyyMMdd``
against DuckDB's ``%Y%m%d``, FIELD-NOTES) never come into it. Splink's
similarity functions (Jaro-Winkler, Damerau-Levenshtein) come from the jar
that ships with Splink (``spark.jars``). The scored pairs come back to the
driver as Arrow, and clustering, decisions and ids are the same code as on
DuckDB, so both engines give the same nominals for the same pairs.

FIELD-NOTES: on one machine Spark is far slower than DuckDB (FEBRL 4: 100 s
against 7.6 s); it is here for data that does not fit one machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.build.resolve import linkage
from crossline.build.resolve.model import Params
from crossline.build.resolve.settings import ResolveSettings
from crossline.errors import CrosslineError


def session(s: ResolveSettings, scratch: Path) -> Any:
    """A SparkSession with Splink's similarity jar; reuses a running one (tests start one per module)."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - pyspark is a dev dependency
        raise CrosslineError(
            "[resolve] engine = \"spark\" needs pyspark (pip install pyspark) and Java 17; "
            "or set engine = \"duckdb\" to resolve on this machine"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return _with_similarity_jar(active, similarity_jar_location())
    scratch.mkdir(parents=True, exist_ok=True)
    started = (
        SparkSession.builder.master(s.spark_master)
        .appName("crossline-resolve")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", s.spark_memory)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.local.dir", str(scratch))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    return _with_similarity_jar(started, similarity_jar_location())


def _with_similarity_jar(spark: Any, jar: str) -> Any:
    """Make sure Splink's similarity functions resolve in this session.

    ``spark.jars`` only counts when a JVM's first context starts; a session
    started earlier in the same process without it (another stage, a test)
    gets the jar added here instead.
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


def arrow(frame: SplinkDataFrame) -> pa.Table:
    table = frame.as_spark_dataframe().toArrow()
    assert isinstance(table, pa.Table)
    return table


def run(
    records: pl.DataFrame, s: ResolveSettings, loaded: Params | None, progress: linkage.Progress, scratch: Path
) -> tuple[linkage.LinkageResult, pa.Table]:
    from splink import SparkAPI

    spark = session(s, scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    source = scratch / "records.parquet"
    records.write_parquet(source)  # lists stay arrays; Spark reads Parquet natively
    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))  # Splink breaks lineage through Parquet here
    try:
        api = SparkAPI(spark_session=spark, break_lineage_method="parquet", num_partitions_on_repartition=8)
        frame = spark.read.parquet(str(source))
        sdf = api.register(frame, table_name="resolve_records")
        sample = linkage.training_sample(records, s) if loaded is None else None
        training = None
        if sample is not None:
            sample.write_parquet(scratch / "training.parquet")
            training = api.register(spark.read.parquet(str(scratch / "training.parquet")), table_name="resolve_training")
        return linkage.run(sdf, "spark", s, loaded, progress, arrow, training)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
