"""Comparison groups: propensity scores, nearest-neighbour matching, and balance diagnostics.

Programmes are not given at random: young people are referred where need
shows (more incidents, more ACEs), so comparing participants with everyone
else makes a programme look harmful (confounding by indication). We compare
each participant with young people who looked the same *on the day the
programme started* and did not take part:

1. covariates are measured at an index date: a participant's start, and for
   comparison young people each participant's start (risk-set matching, so a
   comparison is never measured with hindsight);
2. a logistic regression (numpy, Newton's method with a small ridge) gives each
   row its propensity score, P(taking part | covariates);
3. a Poisson regression fitted on comparison rows only gives each row its
   prognostic score: the count of later harm expected without a programme;
4. each participant is matched to the ``k`` comparison rows with the same
   index date, within a caliper of ``caliper`` standard deviations of the
   logit of the propensity score, nearest on propensity and prognosis together
   (with replacement). Matching on the propensity score alone balanced every
   covariate's mean yet paired participants whose incidents were non-specific
   (absence, A&E) with comparisons whose incidents were missing episodes and
   searches, who went on to far more harm: balance on average is not
   comparability (docs/risk.md, "What works");
5. balance is checked: the standardised mean difference (SMD) of every
   covariate before and after matching; |SMD| < 0.1 is the usual mark of good
   balance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

MeanAndWeight = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # beta -> (mean, working weight)


def logistic_fit(X: np.ndarray, y: np.ndarray, ridge: float = 1e-2, iterations: int = 50) -> np.ndarray:
    """Coefficients (intercept first) of a logistic regression of ``y`` on standardised ``X``; returns them for raw X."""
    mu = X.mean(axis=0)
    Z, sd = _standardised(X, mu)
    beta = np.zeros(Z.shape[1])

    def mean_and_weight(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ beta, -30, 30)))
        return p, p * (1 - p)

    return _unstandardised(_newton(Z, y, beta, mean_and_weight, ridge, iterations), mu, sd)


def _standardised(X: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix with an intercept and standardised columns (Newton steps stay well conditioned)."""
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    return np.column_stack([np.ones(len(X)), (X - mu) / sd]), sd


def _newton(Z: np.ndarray, y: np.ndarray, beta: np.ndarray, mean_and_weight: MeanAndWeight, ridge: float, iterations: int,
            case_weights: np.ndarray | None = None) -> np.ndarray:
    """Ridge-penalised Newton-Raphson for a GLM whose mean and working weight come from ``mean_and_weight``
    (each row counted ``case_weights`` times when given)."""
    penalty = ridge * np.eye(Z.shape[1])
    penalty[0, 0] = 0.0
    counted = 1.0 if case_weights is None else case_weights
    for _ in range(iterations):
        mean, weight = mean_and_weight(beta)
        grad = Z.T @ (counted * (y - mean)) - penalty @ beta
        hess = Z.T @ (Z * (counted * weight)[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.abs(step).max() < 1e-7:
            break
    return beta


def _unstandardised(beta: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    raw = np.empty_like(beta)
    raw[1:] = beta[1:] / sd
    raw[0] = beta[0] - (beta[1:] * mu / sd).sum()
    return raw


def logit_scores(X: np.ndarray, coef: np.ndarray) -> np.ndarray:
    return coef[0] + X @ coef[1:]


@dataclass
class Matched:
    pairs: pl.DataFrame  # treated_row, control_row, weight (1/k_i per treated row)
    unmatched: int  # participants with no comparison within the caliper
    caliper: float  # in logit units


def poisson_fit(X: np.ndarray, y: np.ndarray, offset: np.ndarray, ridge: float = 1e-2, iterations: int = 50) -> np.ndarray:
    """Coefficients (intercept first) of a Poisson regression of counts ``y`` on ``X`` with ``offset`` (log exposure)."""
    mu_x = X.mean(axis=0)
    Z, sd = _standardised(X, mu_x)
    beta = np.zeros(Z.shape[1])
    beta[0] = np.log(max(y.mean(), 1e-6)) - offset.mean()
    return _unstandardised(_newton(Z, y, beta, poisson_mean(Z, offset), ridge, iterations), mu_x, sd)


def poisson_mean(Z: np.ndarray, offset: np.ndarray) -> MeanAndWeight:
    """Mean and working weight of a Poisson model with log link and ``offset``, for ``_newton``."""
    def mean_and_weight(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.exp(np.clip(Z @ beta + offset, -30, 30))
        return mean, mean

    return mean_and_weight


def nearest_neighbours(rows: pl.DataFrame, k: int, caliper_sd: float) -> Matched:
    """Match each treated row to k control rows with the same ``index_day``.

    ``rows`` has row (int), treated (bool), index_day (int), logit (float) and,
    optionally, prognosis (float: the expected outcome without the programme).
    Candidates must lie within the caliper on the logit of the propensity
    score; among them the nearest win, by the logit alone or, when a
    prognosis is given, by the distance over both (each scaled by its standard
    deviation): propensity and prognostic score matching (Hansen 2008), so that
    a participant is compared with young people both as likely to have been
    referred *and* as likely to have come to harm. Loops run over index days
    (tens), never over rows; within a day the distances are one numpy array.
    """
    caliper = caliper_sd * _std(rows["logit"], 0.0) or np.inf
    use_prog = "prognosis" in rows.columns
    sd_logit = _std(rows["logit"], 1.0) or 1.0
    sd_prog = (_std(rows["prognosis"], 1.0) or 1.0) if use_prog else 1.0
    out_t: list[np.ndarray] = []
    out_c: list[np.ndarray] = []
    unmatched = 0
    for (_day,), part in sorted(rows.group_by(["index_day"]), key=lambda g: g[0]):
        part = part.sort("row")  # ties in distance go to the same comparison on every run
        t = part.filter(pl.col("treated"))
        c = part.filter(~pl.col("treated"))
        if t.height == 0:
            continue
        if c.height == 0:
            unmatched += t.height
            continue
        kk = min(k, c.height)
        c_logit, t_logit = c["logit"].to_numpy(), t["logit"].to_numpy()
        c_row = c["row"].to_numpy()
        for lo in range(0, t.height, 256):  # bounds memory: 256 participants x the day's comparison pool at a time
            tl = t_logit[lo:lo + 256]
            gap = np.abs(c_logit[None, :] - tl[:, None])
            dist = gap / sd_logit
            if use_prog:
                dp = (c["prognosis"].to_numpy()[None, :] - t["prognosis"].to_numpy()[lo:lo + 256][:, None]) / sd_prog
                dist = np.sqrt(dist ** 2 + dp ** 2)
            dist = np.where(gap <= caliper, dist, np.inf)
            best = np.argpartition(dist, kk - 1, axis=1)[:, :kk] if kk < dist.shape[1] else np.tile(np.arange(dist.shape[1]), (len(tl), 1))
            best_d = np.take_along_axis(dist, best, axis=1)
            ok = np.isfinite(best_d)
            unmatched += int((~ok.any(axis=1)).sum())
            t_rows = np.repeat(t["row"].to_numpy()[lo:lo + 256], kk).reshape(-1, kk)
            out_t.append(t_rows[ok])
            out_c.append(c_row[best[ok]])
    if not out_t:
        empty = pl.DataFrame(schema={"treated_row": pl.Int64, "control_row": pl.Int64, "weight": pl.Float64})
        return Matched(empty, unmatched, caliper)
    pairs = pl.DataFrame({"treated_row": np.concatenate(out_t).astype(np.int64), "control_row": np.concatenate(out_c).astype(np.int64)})
    pairs = pairs.with_columns((1.0 / pl.len().over("treated_row")).alias("weight"))
    return Matched(pairs, unmatched, caliper)


def smd(treated: np.ndarray, control: np.ndarray, control_weights: np.ndarray | None = None,
        pooled_sd: np.ndarray | None = None) -> np.ndarray:
    """Standardised mean difference per column: (mean treated - weighted mean control) / pooled SD (before matching)."""
    w = np.ones(len(control)) if control_weights is None else control_weights
    mt = treated.mean(axis=0)
    mc = (control * w[:, None]).sum(axis=0) / w.sum()
    if pooled_sd is None:
        pooled_sd = np.sqrt((treated.var(axis=0) + control.var(axis=0)) / 2.0)
    sd = np.where(pooled_sd > 0, pooled_sd, 1.0)
    return (mt - mc) / sd


def balance(rows: pl.DataFrame, covariates: list[str], matched: Matched) -> pl.DataFrame:
    """SMD of each covariate before matching (participants vs every comparison row) and after (vs their matches)."""
    t = rows.filter(pl.col("treated"))
    c = rows.filter(~pl.col("treated"))
    Xt = t.select(covariates).to_numpy().astype(float)
    Xc = c.select(covariates).to_numpy().astype(float)
    pooled = np.sqrt((Xt.var(axis=0) + Xc.var(axis=0)) / 2.0)
    before = smd(Xt, Xc, pooled_sd=pooled)
    if matched.pairs.height:
        used_t = rows.join(matched.pairs.select(pl.col("treated_row").alias("row")).unique(), on="row", how="semi")
        ctrl = matched.pairs.group_by("control_row").agg(pl.col("weight").sum()).join(rows, left_on="control_row", right_on="row")
        after = smd(used_t.select(covariates).to_numpy().astype(float), ctrl.select(covariates).to_numpy().astype(float),
                    ctrl["weight"].to_numpy(), pooled_sd=pooled)
    else:
        after = np.full(len(covariates), np.nan)
    return pl.DataFrame({"covariate": covariates, "smd_before": before.round(3), "smd_after": after.round(3)})


def _std(column: pl.Series, otherwise: float) -> float:
    """A numeric column's standard deviation, ``otherwise`` when it has none (one value, or none)."""
    sd = column.std()
    return float(cast(float, sd)) if sd else otherwise
