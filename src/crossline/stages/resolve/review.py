"""The review queue: borderline pairs, the ones whose decision would change the picture most first.

A pair is borderline when its match probability lies in
[``review_low``, ``review_high``). Its impact is the expected number of
record pairs whose "same person" status a person's decision would flip:

- not linked now (two nominals of sizes a and b): deciding "same" merges
  them, flipping a x b record pairs; expected impact p x a x b;
- linked now (one nominal of size n): deciding "different" takes at least
  one record out, flipping at least n - 1 pairs; expected impact
  (1 - p) x (n - 1).

Pairs a person has already decided never come back to the queue.

Links left out to keep constrained records apart (``cluster.Split``: the
nominal would have joined two people whose strong identifiers or dates of
birth say they are two) come first, whatever their probability, each with a
note saying which records and which constraint; the note is part of the
explanation, so every reader of the queue shows it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl

from crossline.stages.resolve.cluster import Split
from crossline.stages.resolve.constraints import Constraint
from crossline.stages.resolve.decisions import pair_keys


def select(
    pairs: pl.DataFrame, labels: np.ndarray, decided: pl.DataFrame, low: float, high: float, limit: int
) -> pl.DataFrame:
    """``pairs``: ``a, b, match_probability, match_weight``; ``decided``: ``a, b`` pairs with a decision.

    Returns the queue: ``a, b, match_probability, match_weight, linked, impact``, highest impact first.
    """
    sizes = np.bincount(labels, minlength=labels.size)
    p = pl.col("match_probability")
    band = pairs.filter((p >= low) & (p < high)).select("a", "b", "match_probability", "match_weight")
    if decided.height:
        done = decided.select(pair_keys(decided).alias("key"))
        band = band.with_columns(pair_keys(band).alias("key")).join(done, on="key", how="anti").drop("key")
    a, b = band["a"].to_numpy(), band["b"].to_numpy()
    la, lb = labels[a], labels[b]
    band = band.with_columns(
        pl.Series("linked", la == lb),
        pl.Series("size_a", sizes[la]),
        pl.Series("size_b", sizes[lb]),
    )
    impact = (
        pl.when(pl.col("linked"))
        .then((1 - p) * (pl.col("size_a") - 1))
        .otherwise(p * pl.col("size_a") * pl.col("size_b"))
    )
    return (
        band.with_columns(impact.alias("impact"), (p - 0.5).abs().alias("closeness"))
        .sort(["impact", "closeness", "a", "b"], descending=[True, False, False, False])
        .head(limit)
        .drop("closeness", "size_a", "size_b")
    )


def _label(keys: pl.DataFrame, index: int) -> str:
    row = keys.row(index, named=True)
    return f"{row['source']} {row['record_id']}"


def splits(found: list[Split], pairs: pl.DataFrame, labels: np.ndarray, keys: pl.DataFrame) -> pl.DataFrame:
    """The links left out by the constraints as queue rows: ``a, b, match_probability, match_weight, linked, impact, note``."""
    schema = {"a": pl.Int64, "b": pl.Int64, "note": pl.String}
    if not found:
        return pl.DataFrame(schema={**schema, "match_probability": pl.Float64, "match_weight": pl.Float64,
                                    "linked": pl.Boolean, "impact": pl.Float64})
    notes = pl.DataFrame({
        "a": [min(s.a, s.b) for s in found],
        "b": [max(s.a, s.b) for s in found],
        "note": [
            f"Kept apart: this link would put {_label(keys, s.constraint.a)} and {_label(keys, s.constraint.b)} in one "
            f"nominal, but {s.constraint.reason}. The nominal was split on its weakest links; only a recorded "
            "\"same person\" decision can join them."
            for s in found
        ],
    }, schema=schema).unique(["a", "b"], keep="first", maintain_order=True)
    sizes = np.bincount(labels, minlength=labels.size)
    rows = notes.join(pairs.select("a", "b", "match_probability", "match_weight"), on=["a", "b"], how="left")
    la, lb = labels[rows["a"].to_numpy()], labels[rows["b"].to_numpy()]
    return rows.with_columns(
        pl.Series("linked", la == lb),
        (pl.col("match_probability") * pl.Series(sizes[la] * sizes[lb])).alias("impact"),
    ).sort("match_probability", descending=True).select(
        "a", "b", "match_probability", "match_weight", "linked", "impact", "note"
    )


def with_splits(queue: pl.DataFrame, split: pl.DataFrame) -> pl.DataFrame:
    """The split links first, then the borderline pairs (without the split ones again)."""
    rest = queue.join(split.select("a", "b"), on=["a", "b"], how="anti").with_columns(pl.lit(None, dtype=pl.String).alias("note"))
    return pl.concat([split, rest], how="diagonal_relaxed").select(*rest.columns)


def noted(queue: pl.DataFrame) -> pl.DataFrame:
    """Fold each row's note into its explanation (key ``constraint``), so every reader shows it."""
    def fold(row: dict[str, Any]) -> str | None:
        if row["note"] is None or row["explanation"] is None:
            return row["explanation"]
        data = json.loads(row["explanation"])
        data["constraint"] = row["note"]
        return json.dumps(data)

    explanation = [fold(r) for r in queue.select("note", "explanation").iter_rows(named=True)]
    return queue.with_columns(pl.Series("explanation", explanation, dtype=pl.String)).drop("note")


def listed(found: list[Constraint], keys: pl.DataFrame) -> list[dict[str, str]]:
    """Pairs of records with the reason that concerns them, named as their agencies name them, for the build's notes and details.

    Constraints a person's "same person" decision overrode (shown with a
    warning), and dates a generation apart that an identifier says are an
    error (``constraints.dates_taken_as_errors``).
    """
    return [{"records": f"{_label(keys, c.a)} and {_label(keys, c.b)}", "reason": c.reason} for c in found]
