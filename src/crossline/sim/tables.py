"""Small helpers for building columns: nullable strings and timestamp text."""

from __future__ import annotations

import numpy as np
import polars as pl


def masked(values: np.ndarray | pl.Series | list[str], keep: np.ndarray, name: str = "") -> pl.Series:
    """A string Series of ``values`` that is null where ``keep`` is false."""
    s = pl.Series(name, np.asarray(values).astype(str) if not isinstance(values, pl.Series) else values.cast(pl.String))
    return s.zip_with(pl.Series(np.asarray(keep, dtype=bool)), pl.Series(name, [None] * len(s), dtype=pl.String))


def iso_utc(ts: np.ndarray | pl.Series) -> pl.Series:
    """Unix seconds -> ``2026-10-05T17:00:01Z`` text."""
    s = pl.Series(ts).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(ts: np.ndarray | pl.Series) -> pl.Series:
    """Unix seconds -> ``2026-10-05`` text."""
    s = pl.Series(ts).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s").dt.strftime("%Y-%m-%d")
