"""The "this is a deal line" score, with every feature's value and weight kept as evidence.

**Weighted (default).** ``score = sum(w_f * v_f) / sum(w_f)`` over the features
whose value could be read (a null drops out with its weight). Values and
weights are in docs/lines.md with the reason for each weight. A number whose
flares never recur (``flare_regularity`` null: a single day of flares) scores
0: one day of flares is not enough to judge. A number that never flared is
judged on the rest (issue 18: quiet lines take orders without advertising).

**Supervised (optional).** When analysts have confirmed and rejected enough
numbers (``line_reviews``), ``scoring = "supervised"`` fits a logistic
regression in numpy (L2-penalised, Newton steps) on the same feature values,
and uses its probability as the score; the weighted score is still kept beside
it, and the evidence shows each coefficient times its value. With too few
labels, or labels of one kind only, the weighted score is used and the
evidence says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from crossline.settings.lines import FEATURES


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over FEATURES (missing values imputed with ``fill``)."""

    coef: tuple[float, ...]
    intercept: float
    fill: tuple[float, ...]
    labels: int

    def logits(self, frame: pl.DataFrame) -> np.ndarray:
        x = _matrix(frame, self.fill)
        return x @ np.array(self.coef) + self.intercept


QUIET_MIN_RELAY = 0.2
"""A number that never flared is judged only if it passed at least this share of its callers' contacts on to a regular
third number: relaying orders to runners is what a quiet line has and a busy person's phone does not."""


def weighted(weights: dict[str, float], prefix: str = "", flare_days: str = "flare_days") -> pl.Expr:
    """The weighted score over columns ``{prefix}{feature}``; 0 for a number that flared but never again.

    A number that never flared (``flare_days`` 0) is judged without the flare features (a quiet line), and
    only if it relays (QUIET_MIN_RELAY); else it scores 0.
    """
    num = pl.sum_horizontal([pl.col(f"{prefix}{f}").fill_null(0.0) * weights[f] for f in FEATURES])
    den = pl.sum_horizontal([pl.col(f"{prefix}{f}").is_not_null().cast(pl.Float64) * weights[f] for f in FEATURES])
    return (
        pl.when((pl.col(f"{prefix}flare_regularity").is_null() & (pl.col(flare_days) > 0)) | (den <= 0)
                | ((pl.col(flare_days) == 0) & (pl.col(f"{prefix}relay").fill_null(0.0) < QUIET_MIN_RELAY)))
        .then(0.0)
        .otherwise(num / den)
    )


def score_numbers(numbers: pl.DataFrame, weights: dict[str, float], model: Model | None = None) -> pl.DataFrame:
    """Add ``weighted_score``, ``score`` (the one that decides) and ``method`` to the per number summary."""
    out = numbers.with_columns(weighted(weights).alias("weighted_score"))
    if model is None:
        return out.with_columns(pl.col("weighted_score").alias("score"), pl.lit("weighted").alias("method"))
    p = 1.0 / (1.0 + np.exp(-model.logits(out)))
    return out.with_columns(pl.Series("score", p, dtype=pl.Float64), pl.lit("supervised").alias("method"))


def score_days(number_day: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    """The same weighted score for each number-day (for the evidence and the day a line was first seen)."""
    return number_day.with_columns(weighted(weights, prefix="f_", flare_days="flare_days_total").alias("day_score"))


def evidence(numbers: pl.DataFrame, weights: dict[str, float], model: Model | None = None) -> pl.DataFrame:
    """One row per number per feature: value, weight and what it added to the score (long form).

    Weighted: ``contribution = weight * value / (sum of the weights of the features read)``, so a
    number's contributions add up to its weighted score. Supervised: ``coefficient * value``.
    """
    read = numbers.select(
        "number",
        pl.sum_horizontal([pl.col(g).is_not_null().cast(pl.Float64) * weights[g] for g in FEATURES]).alias("_den"),
    )
    rows = []
    for k, f in enumerate(FEATURES):
        part = numbers.select("number", pl.lit(f).alias("feature"), pl.col(f).cast(pl.Float64).alias("value")).join(
            read, on="number"
        ).with_columns(pl.lit(weights[f]).alias("weight"))
        if model is None:
            part = part.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("coefficient"),
                (pl.col("value") * weights[f] / pl.when(pl.col("_den") > 0).then(pl.col("_den"))).alias("contribution"),
            )
        else:
            part = part.with_columns(
                pl.lit(model.coef[k]).alias("coefficient"),
                (pl.col("value").fill_null(model.fill[k]) * model.coef[k]).alias("contribution"),
            )
        rows.append(part.drop("_den"))
    return pl.concat(rows).sort(["number", "feature"])


def _matrix(frame: pl.DataFrame, fill: tuple[float, ...]) -> np.ndarray:
    cols = [frame[f].cast(pl.Float64).fill_null(fill[i]).to_numpy() for i, f in enumerate(FEATURES)]
    return np.column_stack(cols) if cols else np.zeros((frame.height, 0))


def fit(numbers: pl.DataFrame, labels: pl.DataFrame, min_labels: int, l2: float = 1.0) -> tuple[Model | None, str]:
    """Fit on reviewed numbers (``labels``: number, label 1 confirmed / 0 rejected); None with the reason when it can't."""
    data = numbers.join(labels, on="number", how="inner")
    n = data.height
    positives = int(data["label"].sum()) if n else 0
    if n < min_labels or positives == 0 or positives == n:
        return None, (
            f"supervised scoring needs at least {min_labels} reviewed numbers with both confirmed and rejected "
            f"among them; there are {n} ({positives} confirmed): the weighted score is used"
        )
    fill = tuple(float(cast(float, data[f].mean())) if data[f].null_count() < n else 0.0 for f in FEATURES)
    x = _matrix(data, fill)
    y = data["label"].cast(pl.Float64).to_numpy()
    xb = np.column_stack([np.ones(n), x])
    beta = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(50):  # Newton-Raphson: converges in a handful of steps on a few features
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        grad = xb.T @ (p - y) + penalty @ beta
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    model = Model(coef=tuple(float(b) for b in beta[1:]), intercept=float(beta[0]), fill=fill, labels=n)
    return model, f"supervised: logistic regression on {n} reviewed numbers ({positives} confirmed)"
