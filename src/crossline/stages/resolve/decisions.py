"""People's decisions on pairs of records ("same person", "not the same person"), as every build honours them.

A decision names two source records; the latest decision on a pair replaces
earlier ones (they are marked ``superseded`` when it is recorded). "Same"
becomes a link the model cannot break; "different" a pair that may never end
up in one nominal, not even through a chain of other links.
"""

from __future__ import annotations

import polars as pl

DECISIONS_SQL = (
    "SELECT source_a, record_a, source_b, record_b, decision FROM match_decisions "
    "WHERE superseded = :no ORDER BY id"
)


def as_indexes(decisions: pl.DataFrame, records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(same, different) as record-index pairs ``a, b``; decisions on records no longer held are dropped.

    ``records`` has ``unique_id, source, record_id``.
    """
    empty = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})
    if decisions.height == 0:
        return empty, empty
    keys = records.select("unique_id", "source", "record_id")
    joined = (
        decisions.join(keys.rename({"unique_id": "a", "source": "source_a", "record_id": "record_a"}),
                       on=["source_a", "record_a"])
        .join(keys.rename({"unique_id": "b", "source": "source_b", "record_id": "record_b"}), on=["source_b", "record_b"])
        .filter(pl.col("a") != pl.col("b"))
    )
    def pick(decision: str) -> pl.DataFrame:
        return joined.filter(pl.col("decision") == decision).select("a", "b").unique()

    return pick("same"), pick("different")


def pair_keys(pairs: pl.DataFrame, a: str = "a", b: str = "b") -> pl.Expr:
    """An order-free key of a record-index pair, to match decisions against scored pairs."""
    return pl.min_horizontal(a, b).cast(pl.String) + ":" + pl.max_horizontal(a, b).cast(pl.String)
