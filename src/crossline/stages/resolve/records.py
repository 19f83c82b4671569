"""Person records from the store, prepared for Splink, made in a child process.

Why a child process: reading a million records touches Python objects per
value and preparing them takes about 1.5 GB of working memory for a 0.25 GB
result, and neither Python nor Polars' allocator hands that memory back to
the system. Left in the build's own process it sat under DuckDB's scoring,
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
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, prepare

READ_BATCH = 50_000
# Every text column travels in one JSON array per row; the flag (not text) travels beside it.
TEXT_COLUMNS = tuple(c for c in PERSON_COLUMNS if PERSON_SCHEMA[c] == pl.String)
FLAG_COLUMNS = tuple(c for c in PERSON_COLUMNS if c not in TEXT_COLUMNS)


def persons_json_sql(dialect: str) -> str:
    """One row per person record: its text columns as one JSON array (in ``TEXT_COLUMNS`` order), then the flags.

    Why JSON: the driver builds a Python object for every value it returns, and
    that, 18 values a row, was most of reading a million records (8 s). The
    database writes one JSON text a row and Polars decodes it in Rust: 3.5 s.
    JSON keeps every value exactly, quotes and control characters included,
    and null as null (the store's text columns hold only text: SQLite's text
    affinity stores a number given to them as its text).
    """
    texts = ", ".join(TEXT_COLUMNS)
    array = f"json_build_array({texts})::text" if dialect == "postgresql" else f"json_array({texts})"
    return f"SELECT {array}, {', '.join(FLAG_COLUMNS)} FROM persons"


def read_persons(engine: Engine) -> pl.DataFrame:
    """Every stored person record (``PERSON_SCHEMA``), read a batch at a time as JSON text (``persons_json_sql``)."""
    raw = engine.raw_connection()
    texts: list[pl.Series] = []
    flags: list[list[pl.Series]] = [[] for _ in FLAG_COLUMNS]
    try:
        cursor = raw.cursor()
        cursor.execute(persons_json_sql(engine.dialect.name))
        while rows := cursor.fetchmany(READ_BATCH):
            columns = list(zip(*rows, strict=True))
            texts.append(pl.Series("row", columns[0], dtype=pl.String))
            for i, name in enumerate(FLAG_COLUMNS, start=1):
                flags[i - 1].append(pl.Series(name, columns[i], dtype=PERSON_SCHEMA[name], strict=False))
        cursor.close()
    finally:
        raw.close()
    if not texts:
        return pl.DataFrame(schema=PERSON_SCHEMA)
    values = pl.concat(texts).str.json_decode(pl.List(pl.String))
    frame = pl.DataFrame({name: values.list.get(i) for i, name in enumerate(TEXT_COLUMNS)})
    frame = frame.with_columns(pl.concat(parts).alias(name) for name, parts in zip(FLAG_COLUMNS, flags, strict=True))
    return frame.select(PERSON_COLUMNS)


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
