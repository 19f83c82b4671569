"""Person records from the store, prepared for Splink, made in a child process.

Why a child process: reading a million records (a Python object per row,
``bulk.read_rows``) and preparing them takes about 1.5 GB of working memory
for a 0.25 GB result, and neither Python nor Polars' allocator hands that
memory back to the system. Left in the build's own process it sat under DuckDB's scoring,
where the build's peak is. The child reads and prepares, writes Parquet, and
exits; the build reads back only the prepared table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Engine

from crossline.errors import CrosslineError
from crossline.stages.resolve.prepare import PERSON_SCHEMA, prepare
from crossline.store.bulk import read_rows


def read_persons(engine: Engine) -> pl.DataFrame:
    """Every stored person record (``PERSON_SCHEMA``), read as one JSON text a row (``bulk.read_rows``)."""
    with engine.connect() as conn:
        return read_rows(conn, "persons", PERSON_SCHEMA)


def _prepare_to_file(database_url: str, out: str) -> None:
    from crossline.store.db import make_engine

    engine = make_engine(database_url)
    try:
        prepare(read_persons(engine)).write_parquet(out, compression="lz4")
    finally:
        engine.dispose()


def prepared_records(engine: Engine, path: Path) -> pl.DataFrame:
    """The Splink input table for every stored person record (see ``prepare``), prepared in a child process.

    ``path``: where the child leaves the table for this process; removed after.
    A plain child interpreter rather than multiprocessing: spawning re-imports
    the caller's main module, which breaks scripts without a main guard. The
    database address goes on standard input, not the command line, where
    other users could read a password.
    """
    url = engine.url.render_as_string(hide_password=False)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "crossline.stages.resolve.records", str(path)],
            input=url, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise CrosslineError(
                "reading and preparing person records failed in its child process: "
                f"{done.stderr.strip()[-2000:] or 'no message'}"
            )
        return pl.read_parquet(path)
    finally:
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    _prepare_to_file(sys.stdin.read().strip(), sys.argv[1])
