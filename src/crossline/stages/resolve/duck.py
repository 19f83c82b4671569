"""The resolve stage on DuckDB (the default engine): one in-process connection with the workspace's memory limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
from splink import DuckDBAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.engine.duck import connect
from crossline.settings import Settings
from crossline.settings.resolve import ResolveSettings
from crossline.stages.resolve import linkage
from crossline.stages.resolve.model import Params


def arrow(frame: SplinkDataFrame) -> pa.Table:
    out = frame.as_duckdbpyrelation().arrow()
    return out.read_all() if isinstance(out, pa.RecordBatchReader) else out


def _arrow(frame: pl.DataFrame) -> pa.Table:
    """Polars' own string layout, which DuckDB reads as is: the default layout copies every string (0.5 GB at a
    million records, held through scoring)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def run(
    records: pl.DataFrame, settings: Settings, s: ResolveSettings, loaded: Params | None,
    progress: linkage.Progress, spill_dir: Path,
) -> tuple[linkage.LinkageResult, pa.Table]:
    con = connect(settings, spill_dir)
    try:
        api = DuckDBAPI(con)
        sdf = api.register(_arrow(records), table_name="resolve_records")
        sample = linkage.training_sample(records, s) if loaded is None else None
        training = api.register(_arrow(sample), table_name="resolve_training") if sample is not None else None
        return linkage.run(sdf, "duckdb", s, loaded, progress, arrow, training)
    finally:
        con.close()
        shutil.rmtree(spill_dir, ignore_errors=True)  # the spill folder sits inside the version being built
