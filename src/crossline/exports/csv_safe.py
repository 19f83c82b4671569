"""The one CSV writer: every CSV Crossline writes for people goes through here.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula, so a partner's value such as ``=HYPERLINK(...)``
in a quarantine export would run on an analyst's machine. Such a cell is
written with a single quote in front (the OWASP rule), which spreadsheets show
as text. A cell that is a number (``-3``, ``-0.5``, ``1e3``) or an E.164 phone
number (``+447700900123``) is a value, not a formula, and is written as it is,
so the contract's exports keep their form. The Parquet twin of an export keeps
the raw value; this module only shapes the CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
E164 = r"^\+[1-9]\d{6,14}$"


def neutralise(column: pl.Expr) -> pl.Expr:
    """A text column with every formula-like cell prefixed by a single quote; numbers and E.164 phones unchanged."""
    text = column.cast(pl.String)
    starts = pl.any_horizontal([text.str.starts_with(c) for c in FORMULA_STARTS])
    value = text.str.contains(NUMBER) | text.str.contains(E164)
    return pl.when(starts & ~value).then(pl.lit("'") + text).otherwise(text)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as it should appear in a CSV: text columns neutralised, other columns as they are."""
    text_cols = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)]
    if not text_cols:
        return frame
    return frame.with_columns([neutralise(pl.col(name)).alias(name) for name in text_cols])


def write_csv(frame: pl.DataFrame, target: Path | IO[bytes] | IO[str]) -> None:
    """Write ``frame`` as CSV with a header, safe to open in a spreadsheet."""
    safe_frame(frame).write_csv(target)

