"""Accuracy measures for a score against known labels: ROC AUC, precision at k, error rates."""

from __future__ import annotations

import numpy as np


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative (ties count half).

    Computed from mid-ranks (Mann-Whitney U), so it is exact with ties.
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positives and negatives")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=float)
    # mid-ranks for ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    mid = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(mid, counts)
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def precision_at_k(scores: np.ndarray, labels: np.ndarray, k: int | None = None) -> float:
    """Share of positives among the k highest scores (k = number of positives by default).

    Ties at the k-th score are shared out by expectation, so the figure does not
    depend on the order of tied rows.
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    k = int(labels.sum()) if k is None else int(k)
    if k <= 0:
        raise ValueError("precision at k needs k > 0")
    kth = np.sort(scores)[::-1][k - 1]
    above = scores > kth
    tied = scores == kth
    slots = k - int(above.sum())
    expected = labels[above].sum() + (labels[tied].mean() * slots if tied.any() else 0.0)
    return float(expected / k)


def error_rates(flagged: np.ndarray, labels: np.ndarray) -> tuple[float | None, float | None]:
    """(false positive rate, false negative rate); None where the group has no negatives or no positives."""
    flagged = np.asarray(flagged, dtype=bool)
    labels = np.asarray(labels, dtype=bool)
    neg, pos = ~labels, labels
    fpr = float((flagged & neg).sum() / neg.sum()) if neg.any() else None
    fnr = float((~flagged & pos).sum() / pos.sum()) if pos.any() else None
    return fpr, fnr
