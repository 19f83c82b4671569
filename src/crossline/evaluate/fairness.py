"""Fairness report: false positive and false negative rates of the bands, by sex and by age group.

Sex is never an input to the score (:mod:`crossline.stages.risk.inputs` does
not read it); this report reads it only to check that the score's errors do
not fall harder on one group. A young person is *flagged* at a band when their
band is that band or above; the labels are known exploitation (the
simulator's truth, or, in a force, conclusive grounds decisions).

Rates differ between groups for two reasons: the score treating groups
differently, and groups differing in how often they are exploited and how
their exploitation shows in partners' records. The report cannot tell the two
apart; it shows where to look.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.errors import InvalidInput
from crossline.evaluate.accuracy import error_rates
from crossline.stages.risk.bands import BANDS, rank

AGE_GROUPS = ((10, 13, "10-13"), (14, 15, "14-15"), (16, 17, "16-17"), (18, 200, "18 and over"))


def age_group(age: pl.Expr) -> pl.Expr:
    out = pl.lit("unknown")
    for lo, hi, name in reversed(AGE_GROUPS):
        out = pl.when(age.is_between(lo, hi)).then(pl.lit(name)).otherwise(out)
    return out


def report(frame: pl.DataFrame, flag_band: str = "high") -> pl.DataFrame:
    """Rows per (attribute, group): n, exploited, flagged, false positive rate, false negative rate.

    ``frame`` has band, exploited (bool), sex and age, one row per young person.
    """
    if flag_band not in BANDS:
        raise InvalidInput(f"unknown band {flag_band!r}; the bands are {', '.join(BANDS)}")
    data = frame.with_columns(
        (rank(pl.col("band")) >= BANDS.index(flag_band)).alias("flagged"),
        pl.col("sex").fill_null("unknown").replace({"U": "unknown", "X": "unknown", "": "unknown"}).alias("sex"),
        age_group(pl.col("age")).alias("age_group"),
    )
    rows = []
    for attribute in ("all", "sex", "age_group"):
        groups = [("all", data)] if attribute == "all" else [(str(k[0]), g) for k, g in data.group_by([attribute], maintain_order=True)]
        for name, g in sorted(groups):
            flagged = g["flagged"].to_numpy()
            labels = g["exploited"].to_numpy().astype(bool)
            fpr, fnr = error_rates(flagged, labels)
            rows.append({
                "attribute": attribute, "group": name, "n": g.height, "exploited": int(labels.sum()), "flagged": int(flagged.sum()),
                "false_positive_rate": None if fpr is None else round(fpr, 4),
                "false_negative_rate": None if fnr is None else round(fnr, 4),
            })
    return pl.DataFrame(rows, schema={
        "attribute": pl.String, "group": pl.String, "n": pl.Int64, "exploited": pl.Int64, "flagged": pl.Int64,
        "false_positive_rate": pl.Float64, "false_negative_rate": pl.Float64,
    })


def to_markdown(table: pl.DataFrame, flag_band: str) -> str:
    lines = [
        f"Flagged: band {flag_band.replace('_', ' ')} or above.",
        "",
        "| attribute | group | young people | exploited | flagged | false positive rate | false negative rate |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in table.iter_rows(named=True):
        fpr = "-" if r["false_positive_rate"] is None else f"{100 * r['false_positive_rate']:.1f}%"
        fnr = "-" if r["false_negative_rate"] is None else f"{100 * r['false_negative_rate']:.1f}%"
        lines.append(f"| {r['attribute']} | {r['group']} | {r['n']:,} | {r['exploited']:,} | {r['flagged']:,} | {fpr} | {fnr} |")
    return "\n".join(lines)


def gap(table: pl.DataFrame, attribute: str, column: str) -> float | None:
    """Largest difference of a rate between groups of one attribute (groups with at least 20 people)."""
    vals = table.filter((pl.col("attribute") == attribute) & (pl.col("n") >= 20))[column].drop_nulls().to_numpy()
    return float(np.max(vals) - np.min(vals)) if len(vals) >= 2 else None
