"""Bulk loading Arrow data into the system of record, the fast way each database offers.

SQLite takes an ``executemany`` of whole batches (the loop runs in C);
PostgreSQL takes ``COPY ... FROM STDIN`` fed with CSV that Polars writes.
Neither loops in Python over rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Column, Connection, MetaData, Table

NULL = "\\N"


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
