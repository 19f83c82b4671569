"""Dates and datetimes, vectorised.

Dates of birth may be partial (``YYYY`` or ``YYYY-MM``) and stay as text with a
precision, because "born 2008" is evidence and "2008-01-01" would be a lie.
Datetimes are stored as UTC instants; a naive value is read as Europe/London,
the clock partners' systems keep.
"""

from __future__ import annotations

import polars as pl

LOCAL_TZ = "Europe/London"
_ISO_DT_AWARE = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
_ISO_DT_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")


def _clean(values: pl.Series) -> pl.Expr:
    return (
        pl.lit(values.cast(pl.String))
        .str.strip_chars()
        .replace("", None)
    )


def parse_partial_dates(values: pl.Series, fmt: str | None = None) -> pl.DataFrame:
    """Columns ``value`` (ISO text: YYYY-MM-DD, YYYY-MM or YYYY) and ``precision`` (day, month, year).

    A non-blank value that is no date (``2009-02-30``) comes back null; the
    caller reports it.
    """
    frame = pl.DataFrame({"raw": values.cast(pl.String).str.strip_chars().replace("", None)})
    full = [pl.col("raw").str.to_date("%Y-%m-%d", strict=False)]
    if fmt:
        full.insert(0, pl.col("raw").str.to_date(fmt, strict=False))
    month_ok = pl.col("raw").str.contains(r"^\d{4}-(0[1-9]|1[0-2])$")
    year_ok = pl.col("raw").str.contains(r"^(1[89]|2[01])\d{2}$")
    frame = frame.with_columns(full=pl.coalesce(full))
    return frame.select(
        value=pl.when(pl.col("full").is_not_null())
        .then(pl.col("full").dt.strftime("%Y-%m-%d"))
        .when(month_ok | year_ok)
        .then(pl.col("raw")),
        precision=pl.when(pl.col("full").is_not_null())
        .then(pl.lit("day"))
        .when(month_ok)
        .then(pl.lit("month"))
        .when(year_ok)
        .then(pl.lit("year")),
    )


def parse_datetimes(values: pl.Series, fmt: str | None = None, allow_date: bool = False) -> pl.DataFrame:
    """Columns ``value`` (datetime in UTC, to the second) and ``date_only`` (bool).

    Bulk data is nearly all ``YYYY-MM-DDTHH:MM:SSZ``: that form is parsed in
    one pass, and only the rest go through the full cascade of forms.
    """
    if fmt is None:
        fast = values.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%SZ", strict=False)
        rest = fast.is_null() & values.is_not_null()
        if not rest.any():
            return pl.DataFrame({"value": fast, "date_only": pl.Series([False] * values.len())})
        if rest.sum() < values.len():
            idx = rest.arg_true()
            slow = _parse_datetimes(values.gather(idx), fmt, allow_date)
            return pl.DataFrame(
                {
                    "value": fast.scatter(idx, slow["value"]),
                    "date_only": pl.Series([False] * values.len()).scatter(idx, slow["date_only"]),
                }
            )
    return _parse_datetimes(values, fmt, allow_date)


def _parse_datetimes(values: pl.Series, fmt: str | None = None, allow_date: bool = False) -> pl.DataFrame:
    """The full cascade.

    Accepts ISO 8601 with an offset or ``Z``, naive ISO (Europe/London), a
    space instead of ``T``, the feed's own format when the manifest maps one,
    and a plain date where ``allow_date`` (read as local midnight, flagged).
    """
    raw = values.cast(pl.String).str.strip_chars().replace("", None)
    iso = (
        raw.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]", "${1}T")
        .str.replace(r"\s*(Z|UTC)$", "+00:00")
        .str.replace(r"\s+([+-]\d{2}:?\d{2})$", "$1")
    )
    frame = pl.DataFrame({"raw": raw, "iso": iso})
    aware = [pl.col("iso").str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us") for f in _ISO_DT_AWARE]
    naive = [pl.col("iso").str.to_datetime(f, strict=False, time_unit="us") for f in _ISO_DT_NAIVE]
    if fmt:
        if "%z" in fmt or "%:z" in fmt:
            aware.insert(0, pl.col("raw").str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us"))
        else:
            naive.insert(0, pl.col("raw").str.to_datetime(fmt, strict=False, time_unit="us"))
    date_only = pl.lit(False)
    if allow_date:
        date_only = pl.col("aware").is_null() & pl.col("naive").is_null() & pl.col("date").is_not_null()
    frame = frame.with_columns(
        aware=pl.coalesce(aware),
        naive=pl.coalesce(naive),
        date=pl.col("raw").str.to_date("%Y-%m-%d", strict=False) if allow_date else pl.lit(None, pl.Date),
    )
    local = pl.coalesce(
        pl.col("naive"), pl.col("date").cast(pl.Datetime("us")) if allow_date else pl.lit(None, pl.Datetime("us"))
    )
    local_utc = local.dt.replace_time_zone(LOCAL_TZ, ambiguous="earliest", non_existent="null").dt.convert_time_zone(
        "UTC"
    )
    return frame.select(
        value=pl.coalesce(pl.col("aware"), local_utc).dt.truncate("1s"),
        date_only=date_only,
    )


def iso_utc(col: pl.Expr) -> pl.Expr:
    """The text form the store keeps: ``2026-10-03T11:30:00Z``."""
    return col.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
