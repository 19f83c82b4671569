"""DuckDB connections configured for this workspace: bounded memory, spill to disk."""

from __future__ import annotations

from pathlib import Path

import duckdb

from crossline.settings import Settings


def connect(settings: Settings, spill_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    # Timestamps reach DuckDB as naive UTC: the time-zone extension (ICU) is not bundled offline.
    con = duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit})
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    if spill_dir is not None:
        spill_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{spill_dir.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    return con
