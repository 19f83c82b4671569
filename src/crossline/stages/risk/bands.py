"""Bands (low, medium, high, very high) and how their thresholds are calibrated on simulated truth.

A band says how likely exploitation is at that score, not how many points a
child has: the thresholds are where the observed share of exploited young
people, among those scoring about the same, crosses

    medium     MEDIUM_TARGET (10%): worth a conversation between partners,
    high       HIGH_TARGET   (50%): more likely than not; a safeguarding alert,
    very high  VERY_HIGH_TARGET (80%): act now.

:func:`calibrate` fits P(exploited | score) with a one-variable logistic
regression (numpy, Newton's method) on scored young people from simulator runs
whose truth is known, and inverts it at those three probabilities. The
defaults in ``[risk]`` came from ``benchmarks/risk_accuracy.py --calibrate``
on seeds other than those the benchmark reports (docs/risk.md, "Bands"). The
share exploited depends on how common exploitation is where the scores come
from, so a force should recalibrate on its own outcomes (NRM conclusive
grounds decisions) once it has enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from crossline.settings.risk import RiskSettings

BANDS = ("low", "medium", "high", "very_high")
MEDIUM_TARGET = 0.10
HIGH_TARGET = 0.50
VERY_HIGH_TARGET = 0.80


def band(score: pl.Expr, rs: RiskSettings) -> pl.Expr:
    return (
        pl.when(score >= rs.band_very_high).then(pl.lit("very_high"))
        .when(score >= rs.band_high).then(pl.lit("high"))
        .when(score >= rs.band_medium).then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
    )


def rank(band_col: pl.Expr) -> pl.Expr:
    """0 for low up to 3 for very high, to compare bands."""
    return band_col.replace_strict({b: i for i, b in enumerate(BANDS)}, default=0, return_dtype=pl.Int8)


@dataclass(frozen=True)
class Calibration:
    medium: float
    high: float
    very_high: float
    intercept: float
    slope: float
    n: int
    positives: int

    def describe(self) -> str:
        return (
            f"P(exploited | score) = 1 / (1 + exp(-({self.intercept:.3f} + {self.slope:.4f} x score))) "
            f"from {self.n:,} young people ({self.positives:,} exploited): "
            f"band_medium = {self.medium:.1f}, band_high = {self.high:.1f}, band_very_high = {self.very_high:.1f}"
        )


def logistic_1d(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Intercept and slope of P(y=1|x), by Newton's method (small ridge for separable data)."""
    X = np.column_stack([np.ones_like(x, dtype=float), x.astype(float)])
    beta = np.zeros(2)
    ridge = 1e-6 * np.eye(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ beta)))
        w = p * (1 - p)
        grad = X.T @ (y - p)
        hess = X.T @ (X * w[:, None]) + ridge
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-9:
            break
    return float(beta[0]), float(beta[1])


def calibrate(scores: np.ndarray, exploited: np.ndarray) -> Calibration:
    """Thresholds where the fitted share exploited reaches the band targets (scores clipped to 0-100)."""
    a, b = logistic_1d(scores, exploited.astype(float))
    if b <= 0:
        raise ValueError("the score does not rise with exploitation in this sample; cannot calibrate bands")

    def at(p: float) -> float:
        return float(np.clip((np.log(p / (1 - p)) - a) / b, 0.0, 100.0))

    return Calibration(at(MEDIUM_TARGET), at(HIGH_TARGET), at(VERY_HIGH_TARGET), a, b, int(len(scores)), int(exploited.sum()))
