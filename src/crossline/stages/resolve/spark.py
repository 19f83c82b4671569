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

import polars as pl
import pyarrow as pa
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.engine.spark import session
from crossline.settings.resolve import ResolveSettings
from crossline.stages.resolve import linkage
from crossline.stages.resolve.model import Params


def arrow(frame: SplinkDataFrame) -> pa.Table:
    table = frame.as_spark_dataframe().toArrow()
    assert isinstance(table, pa.Table)
    return table


def run(
    records: pl.DataFrame, s: ResolveSettings, loaded: Params | None, progress: linkage.Progress, scratch: Path
) -> tuple[linkage.LinkageResult, pa.Table]:
    from splink import SparkAPI

    spark = session(s.spark_master, memory=s.spark_memory, scratch=scratch, needed_by='[resolve] engine = "spark"')
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
