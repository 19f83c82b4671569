"""Linked pairs -> clusters (one per person), honouring "not the same person" even through a chain.

Connected components over the links are found with array operations (label
hooking and pointer jumping over numpy arrays: a handful of passes over the
edges, no row loop). Only components that hold a pair a person said are
different people are then split, greedily: their edges are replayed strongest
first (people's "same person" decisions before any score), and an edge that
would put two records declared different into one cluster is skipped. Those
components are few and small, so that replay is a loop over tens of edges,
not millions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

FORCED = 2.0  # probability given to a person's "same person" decision, above any score, so it is replayed first


@dataclass
class Clustering:
    labels: np.ndarray  # cluster label per record index (the smallest record index in the cluster)
    split_components: int  # components that had to be split to honour "different" decisions
    conflicts: int  # "same" decisions that could not be honoured because they contradict a "different" one


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected components of n nodes: each node's label is the smallest node index in its component."""
    parent = np.arange(n, dtype=np.int64)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    while True:
        ps, pd = parent[src], parent[dst]
        lo, hi = np.minimum(ps, pd), np.maximum(ps, pd)
        differ = lo != hi
        if not differ.any():
            return parent
        np.minimum.at(parent, hi[differ], lo[differ])
        while True:  # pointer jumping: every node points at its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def cluster(n: int, edges: pl.DataFrame, different: pl.DataFrame) -> Clustering:
    """Cluster n records.

    ``edges``: ``a, b, p`` (record indexes and probability; decisions "same" carry ``FORCED``).
    ``different``: ``a, b`` pairs that must never share a cluster.
    """
    labels = components(n, edges["a"].to_numpy(), edges["b"].to_numpy()) if edges.height else np.arange(n)
    if different.height == 0:
        return Clustering(labels, 0, 0)
    a = different["a"].to_numpy()
    b = different["b"].to_numpy()
    clashing = np.unique(labels[a][labels[a] == labels[b]])
    if clashing.size == 0:
        return Clustering(labels, 0, 0)
    in_clash = np.isin(labels, clashing)
    members = np.flatnonzero(in_clash)
    local = edges.filter(pl.Series(in_clash[edges["a"].to_numpy()])).sort(["p", "a", "b"], descending=[True, False, False])
    forbidden: dict[int, set[int]] = {}
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        if in_clash[x]:
            forbidden.setdefault(x, set()).add(y)
            forbidden.setdefault(y, set()).add(x)
    group = {int(m): {int(m)} for m in members}  # record -> the set of records in its current group
    conflicts = 0
    for x, y, p in local.select("a", "b", "p").iter_rows():  # bounded: edges of the clashing components only
        gx, gy = group[x], group[y]
        if gx is gy:
            continue
        if any(forbidden.get(r, set()) & gy for r in gx):
            conflicts += p >= FORCED
            continue
        merged = gx | gy
        for r in merged:
            group[r] = merged
    new = labels.copy()
    for m in members.tolist():
        new[m] = min(group[m])
    return Clustering(new, int(clashing.size), conflicts)


def record_probability(labels: np.ndarray, edges: pl.DataFrame, n: int) -> np.ndarray:
    """Each record's strongest link inside its own cluster (1.0 for a person's decision); NaN when alone."""
    best = np.full(n, np.nan)
    if edges.height == 0:
        return best
    a = edges["a"].to_numpy()
    b = edges["b"].to_numpy()
    p = np.minimum(edges["p"].to_numpy().astype(float), 1.0)
    inside = labels[a] == labels[b]
    a, b, p = a[inside], b[inside], p[inside]
    frame = pl.DataFrame({"r": np.concatenate([a, b]), "p": np.concatenate([p, p])}).group_by("r").agg(pl.col("p").max())
    best[frame["r"].to_numpy()] = frame["p"].to_numpy()
    return best
