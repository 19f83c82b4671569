"""Nicknames and other forms of given names (Bill for William, Dai for David or Dafydd, Huw for Hugh).

The list in ``data/nicknames.csv`` was written for Crossline from common
English and Welsh usage; it is small on purpose and easy to extend. A name's
*forms* are the formal names it can stand for, and itself when it is a formal
name: two given names are compatible when their forms overlap (Bill and Will
both stand for William; Dai for David and for Dafydd). Set-based: a join, no
row loop.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

DATA = Path(__file__).parent / "data" / "nicknames.csv"
# Common given names of Wales and England, and of other origins common there (written for Crossline): a name in
# this list or the nickname list is a *known* name. Two known names are two names (twins, siblings); a given name
# that is no known name may be a bad typo of one (Nrad for Bradley), which ``model.MISTYPED`` lets through when
# everything else agrees exactly.
NAMES = Path(__file__).parent / "data" / "given_names.csv"


@lru_cache(maxsize=1)
def forms_table() -> pl.DataFrame:
    """One row per known name: ``name`` and ``forms`` (sorted list of the formal names it may stand for)."""
    pairs = pl.read_csv(DATA).select(pl.col("name").str.to_lowercase(), pl.col("variant").str.to_lowercase())
    formal = pairs.select(pl.col("name").alias("key"), pl.col("name").alias("form"))
    informal = pairs.select(pl.col("variant").alias("key"), pl.col("name").alias("form"))
    return (
        pl.concat([formal, informal])
        .unique()
        .group_by("key")
        .agg(pl.col("form").sort().alias("forms"))
        .rename({"key": "name"})
        .sort("name")
    )


def with_forms(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    """Add ``out`` (list of forms) for the cleaned name in ``column``: its known forms, else the name itself."""
    table = forms_table().rename({"name": column, "forms": out})
    joined = frame.join(table, on=column, how="left")
    return joined.with_columns(
        pl.when(pl.col(out).is_null() & pl.col(column).is_not_null())
        .then(pl.concat_list(pl.col(column)))
        .otherwise(pl.col(out))
        .alias(out)
    )


@lru_cache(maxsize=1)
def known_names() -> pl.Series:
    """Every given name Crossline knows: the name list and every name and form in the nickname list."""
    listed = pl.read_csv(NAMES)["name"].str.to_lowercase()
    return pl.concat([listed, forms_table()["name"]]).unique().sort()


def with_known(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    """Add ``out``: whether the cleaned name in ``column`` is a known given name (null when the name is)."""
    return frame.with_columns(
        pl.when(pl.col(column).is_not_null()).then(pl.col(column).is_in(known_names().implode())).alias(out)
    )
