"""Bulk loading Arrow data into the system of record, the fast way each database offers, and reading it back.

SQLite takes an ``executemany`` of whole batches (the loop runs in C);
PostgreSQL takes ``COPY ... FROM STDIN`` fed with CSV that Polars writes.
Neither loops in Python over rows. Reading a whole table back
(``read_rows``) has the database write each row's text as one JSON array,
which Polars decodes in Rust.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import polars as pl
from polars.datatypes import DataTypeClass
from sqlalchemy import Column, Connection, MetaData, Table

NULL = "\\N"
READ_BATCH = 50_000


def temp_table(conn: Connection, like: Table, name: str, extra: Sequence[Column] = ()) -> Table:
    """A session-local table with ``like``'s columns (no keys), dropped when the transaction's session ends."""
    md = MetaData()
    cols = [Column(c.name, c.type) for c in like.columns] + list(extra)
    table = Table(name, md, *cols, prefixes=["TEMPORARY"])
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    table.create(conn)
    return table


def insert_frames(conn: Connection, table: Table, frames: Iterable[pl.DataFrame]) -> int:
    """Append frames (columns named as the table's) to ``table``; returns rows written."""
    total = 0
    dialect = conn.dialect.name
    for frame in frames:
        if not frame.height:
            continue
        cols = [c for c in frame.columns if c in table.columns]
        frame = frame.select(cols)
        if dialect == "postgresql":
            _copy(conn, table.name, frame)
        else:
            placeholders = ", ".join("?" for _ in cols)
            sql = f'INSERT INTO {table.name} ({", ".join(_q(c) for c in cols)}) VALUES ({placeholders})'
            conn.exec_driver_sql(sql, frame.rows())
        total += frame.height
    return total


def _copy(conn: Connection, name: str, frame: pl.DataFrame) -> None:
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False, null_value=NULL)
    raw: Any = conn.connection.driver_connection  # psycopg's connection: COPY is its own API
    cols = ", ".join(_q(c) for c in frame.columns)
    with raw.cursor() as cur:
        with cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv, NULL '{NULL}')") as cp:
            cp.write(buf.getvalue())


def _q(name: str) -> str:
    return f'"{name}"'


def upsert_sql(target: Table, source_name: str, key: Sequence[str]) -> str:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE, changing a row only when its content hash differs.

    The same statement runs on SQLite (3.24+) and PostgreSQL.
    """
    cols = [c.name for c in target.columns]
    collist = ", ".join(_q(c) for c in cols)
    updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in cols if c not in key)
    return (
        f"INSERT INTO {target.name} ({collist}) SELECT {collist} FROM {source_name} WHERE true "
        f"ON CONFLICT ({', '.join(_q(k) for k in key)}) DO UPDATE SET {updates} "
        f"WHERE {target.name}.row_hash <> excluded.row_hash"
    )


def read_rows(conn: Connection, table: str, schema: Mapping[str, pl.DataType | DataTypeClass]) -> pl.DataFrame:
    """Every row of ``table``, the columns and types of ``schema``, in no particular order.

    Why JSON: the driver builds a Python object for every value it returns,
    and that was most of reading a million person records (18 values a row:
    8 s). The database writes the text columns of a row as one JSON array, one
    object a row, and Polars decodes them in Rust, a batch at a time in a
    second thread while the driver fetches the next (Polars lets go of
    Python's lock): about 2.5 s. JSON keeps every value exactly, quotes and
    control characters included, and null as null. Text columns must hold
    only text (SQLite's text affinity stores a number given to them as its
    text); the other columns (flags, numbers) come beside the array as they are.
    """
    texts = [c for c, t in schema.items() if t == pl.String]
    others = [c for c in schema if c not in texts]
    quoted = ", ".join(_q(c) for c in texts)
    array = f"json_build_array({quoted})::text" if conn.dialect.name == "postgresql" else f"json_array({quoted})"
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()  # the driver's own: no result-row objects
    batches: list[Future[pl.DataFrame]] = []
    try:
        cursor.execute(f"SELECT {array}{''.join(', ' + _q(c) for c in others)} FROM {table}")
        with ThreadPoolExecutor(max_workers=1) as decoder:
            while rows := cursor.fetchmany(READ_BATCH):
                values = list(zip(*rows, strict=True))
                beside = [pl.Series(name, column, dtype=schema[name], strict=False) for name, column in zip(others, values[1:], strict=True)]
                batches.append(decoder.submit(_decoded, pl.Series(values[0], dtype=pl.String), texts, beside))
    finally:
        cursor.close()
    if not batches:
        return pl.DataFrame(schema=dict(schema))
    return pl.concat([b.result() for b in batches]).select(list(schema))


def _decoded(arrays: pl.Series, names: list[str], beside: list[pl.Series]) -> pl.DataFrame:
    decoded = arrays.str.json_decode(pl.List(pl.String))
    return pl.DataFrame([*(decoded.list.get(i).alias(name) for i, name in enumerate(names)), *beside])
