"""Nominal ids that last: a cluster keeps the id of the previous nominal it overlaps most.

Each new cluster and each previous nominal are paired when each is the
other's best match by records in common (ties broken by id, so it is
deterministic). A cluster that gains a record keeps its id; when two nominals
merge, the larger keeps its id; when one splits, the larger part keeps it.
Every other cluster gets a new id, a hash of its member records (``N`` and
16 hex digits), so the same data always gives the same ids.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

PREFIX = "N"


def assign(records: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """``records``: ``source, record_id, cluster``; ``previous``: ``nominal_id, source, record_id`` or None.

    Returns ``cluster, nominal_id, kept`` (kept: the id came from the previous picture).
    """
    con = duckdb.connect()
    try:
        con.register("cur", records.select("source", "record_id", "cluster").to_arrow())
        # An order-free hash of the member records: XOR of each record's MD5 (its first 64 bits), so the same
        # members always give the same id, whatever order they arrive in, without sorting strings per cluster.
        fresh = f"""
            SELECT cluster,
                   '{PREFIX}' || upper(printf('%016x', bit_xor(md5_number_upper(source || chr(31) || record_id)))) AS nominal_id
            FROM cur GROUP BY cluster
        """
        if previous is None or previous.height == 0:
            out = con.sql(f"SELECT cluster, nominal_id, false AS kept FROM ({fresh})")
            return _frame(out.arrow())
        con.register("prev", previous.select("nominal_id", "source", "record_id").to_arrow())
        out = con.sql(f"""
            WITH overlap AS (
                SELECT c.cluster, p.nominal_id, COUNT(*) AS n
                FROM cur c JOIN prev p USING (source, record_id) GROUP BY c.cluster, p.nominal_id
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY cluster ORDER BY n DESC, nominal_id) AS by_cluster,
                          row_number() OVER (PARTITION BY nominal_id ORDER BY n DESC, cluster) AS by_nominal
                FROM overlap
            ), kept AS (SELECT cluster, nominal_id FROM ranked WHERE by_cluster = 1 AND by_nominal = 1)
            SELECT f.cluster, coalesce(k.nominal_id, f.nominal_id) AS nominal_id, k.nominal_id IS NOT NULL AS kept
            FROM ({fresh}) f LEFT JOIN kept k USING (cluster)
        """)
        return _frame(out.arrow())
    finally:
        con.close()


def _frame(arrow: Any) -> pl.DataFrame:
    """DuckDB hands back a table or a batch reader, by version."""
    frame = pl.from_arrow(arrow.read_all() if hasattr(arrow, "read_all") else arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame
