"""DuckDB in process: connections configured for the workspace (bounded memory, spill to disk), and the step engine."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from crossline.engine.steps import Step, StepError
from crossline.settings import Settings

# One comms row as the steps see it: ``t`` in Unix seconds (naive UTC).
EV_COLUMNS = "a_number AS a, b_number AS b, kind, {t} AS t, duration_s AS dur, a_imei AS imei, a_cell, b_cell"
EMPTY_EV = pl.DataFrame(schema={
    "a": pl.String, "b": pl.String, "kind": pl.String, "t": pl.Int64, "dur": pl.Int64,
    "imei": pl.String, "a_cell": pl.String, "b_cell": pl.String,
})


def connect(settings: Settings, spill_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with the workspace's memory limit and threads, spilling to ``spill_dir``."""
    # Timestamps reach DuckDB as naive UTC: the time-zone extension (ICU) is not bundled offline.
    con = duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit})
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    if spill_dir is not None:
        spill_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {quote(spill_dir.as_posix())}")
    con.execute("SET preserve_insertion_order = false")
    return con


def quote(text: str) -> str:
    """A SQL string literal for DuckDB (settings such as temp_directory take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


class DuckEngine:
    """The steps on DuckDB: the default, and fast on one machine (FIELD-NOTES: DuckDB 2.0)."""

    name = "duckdb"
    folds_days = True

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.seconds: dict[str, float] = {}  # step -> wall time, for the docs and the benchmarks

    def load_comms(self, paths: Sequence[str], name: str = "ev") -> None:
        if not paths:
            self.register(name, EMPTY_EV)
            return
        # whole seconds by integer division: the lake holds timestamps to the second (contract.dates), and
        # epoch() would go through a double and a rounding cast for every row (a third of the first pass's
        # time on 100 M rows); flooring is also what Spark's unix_seconds does
        cols = EV_COLUMNS.format(t="epoch_us(started_at) // 1000000")
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} FROM read_parquet({quote_list(paths)}, hive_partitioning = false)")

    def register(self, name: str, frame: pl.DataFrame) -> None:
        self.con.register(f"_{name}_arrow", frame.to_arrow())
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}_arrow")
        self.con.unregister(f"_{name}_arrow")

    def run(self, steps: Sequence[Step]) -> None:
        for st in steps:
            kind = "TEMP TABLE" if st.keep else "VIEW"
            started = time.monotonic()
            try:
                self.con.execute(f"CREATE OR REPLACE {kind} {st.name} AS {st.sql}")
            except duckdb.Error as exc:
                raise StepError(f"step {st.name!r} failed on DuckDB: {exc}\n{st.sql}") from exc
            self.seconds[st.name] = round(time.monotonic() - started, 2)

    def fetch(self, name: str) -> pl.DataFrame:
        return _frame(self.con.sql(f"SELECT * FROM {name}").to_arrow_table())

    def close(self) -> None:
        self.con.close()


def engine(settings: Settings, spill_dir: Path | None) -> DuckEngine:
    return DuckEngine(connect(settings, spill_dir))


def quote_list(paths: Sequence[str]) -> str:
    """A DuckDB list literal of file paths (a view cannot take parameters): any character in a path, an apostrophe too, is safe."""
    return "[" + ", ".join(quote(p) for p in paths) + "]"


def _frame(table: Any) -> pl.DataFrame:
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out
