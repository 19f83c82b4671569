"""UK postcodes: upper case with one space; anything else kept as given and marked not UK."""

from __future__ import annotations

import re

import polars as pl

# Outward code, then inward code: a digit and two letters that are never C, I, K, M, O or V.
UK_POSTCODE = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$"
_UK = re.compile(UK_POSTCODE)


def normalise_postcode(value: str | None) -> tuple[str | None, bool]:
    """(normalised value, is a UK postcode). Blank gives (None, False)."""
    if value is None or not value.strip():
        return None, False
    squeezed = re.sub(r"\s+", "", value).upper()
    m = _UK.match(squeezed)
    if m:
        return f"{m.group(1)} {m.group(2)}", True
    if squeezed == "GIR0AA":
        return "GIR 0AA", True
    return value.strip().upper(), False


def normalise_postcodes(values: pl.Series) -> pl.DataFrame:
    """Vectorised: columns ``postcode`` (normalised) and ``postcode_is_uk`` (null when blank)."""
    raw = values.cast(pl.String).str.strip_chars()
    frame = pl.DataFrame({"raw": raw}).with_columns(
        sq=pl.col("raw").str.replace_all(r"\s+", "").str.to_uppercase()
    )
    frame = frame.with_columns(
        out=pl.col("sq").str.extract(UK_POSTCODE, 1), inn=pl.col("sq").str.extract(UK_POSTCODE, 2)
    )
    blank = pl.col("raw").is_null() | (pl.col("raw") == "")
    is_uk = pl.col("out").is_not_null() | (pl.col("sq") == "GIR0AA")
    return frame.select(
        postcode=pl.when(blank)
        .then(None)
        .when(pl.col("out").is_not_null())
        .then(pl.concat_str([pl.col("out"), pl.col("inn")], separator=" "))
        .when(pl.col("sq") == "GIR0AA")
        .then(pl.lit("GIR 0AA"))
        .otherwise(pl.col("raw").str.to_uppercase()),
        postcode_is_uk=pl.when(blank).then(None).otherwise(is_uk),
    )
