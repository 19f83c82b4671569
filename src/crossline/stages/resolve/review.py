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
"""

from __future__ import annotations

import numpy as np
import polars as pl

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
