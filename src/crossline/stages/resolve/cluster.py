"""Linked pairs -> clusters (one per person), honouring "not the same person" and the constraints even through a chain.

Connected components over the links are found with array operations (label
hooking and pointer jumping over numpy arrays: a handful of passes over the
edges, no row loop). Then every component is checked against the cannot-link
constraints (``constraints.py``: strong identifiers that differ, dates of
birth a generation apart). Only components that hold such a pair, or a pair a
person said are different people, are split, greedily: their edges are
replayed strongest first (people's "same person" decisions before any score),
and an edge that would put two such records into one cluster is skipped, so
the split falls on the weakest links. A "same person" decision may join
records a constraint keeps apart (a person checked it); a "different"
decision nothing joins. Those components are few and small, so that replay
is a loop over tens of edges, not millions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import Constraint

FORCED = 2.0  # probability given to a person's "same person" decision, above any score, so it is replayed first


@dataclass
class Clustering:
    labels: np.ndarray  # cluster label per record index (the smallest record index in the cluster)
    split_components: int  # components that had to be split to honour "different" decisions
    conflicts: int  # "same" decisions that could not be honoured because they contradict a "different" one
    splits: list[Split] = field(default_factory=list)  # links left out so that constrained records stay apart
    overridden: list[Constraint] = field(default_factory=list)  # constraints a person's "same" decision overrode


@dataclass(frozen=True)
class Split:
    """A link at or above the threshold left out: it would have joined the two records of ``constraint``."""

    a: int
    b: int
    p: float
    constraint: Constraint


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


def cluster(
    n: int, edges: pl.DataFrame, different: pl.DataFrame, constrain: Callable[[np.ndarray], list[Constraint]] | None = None
) -> Clustering:
    """Cluster n records.

    ``edges``: ``a, b, p`` (record indexes and probability; decisions "same" carry ``FORCED``).
    ``different``: ``a, b`` pairs that must never share a cluster.
    ``constrain``: given the components' labels, the conflicting pairs inside them (``constraints.within_clusters``).
    """
    labels = components(n, edges["a"].to_numpy(), edges["b"].to_numpy()) if edges.height else np.arange(n)
    constraints = constrain(labels) if constrain is not None else []
    a = np.concatenate([different["a"].to_numpy(), np.array([c.a for c in constraints], dtype=np.int64)]).astype(np.int64)
    b = np.concatenate([different["b"].to_numpy(), np.array([c.b for c in constraints], dtype=np.int64)]).astype(np.int64)
    if a.size == 0:
        return Clustering(labels, 0, 0)
    clashing = np.unique(labels[a][labels[a] == labels[b]])
    if clashing.size == 0:
        return Clustering(labels, 0, 0)
    in_clash = np.isin(labels, clashing)
    members = np.flatnonzero(in_clash)
    local = edges.filter(pl.Series(in_clash[edges["a"].to_numpy()])).sort(["p", "a", "b"], descending=[True, False, False])
    decided: dict[int, set[int]] = {}
    for x, y in zip(different["a"].to_list(), different["b"].to_list(), strict=True):
        if in_clash[x]:
            decided.setdefault(x, set()).add(y)
            decided.setdefault(y, set()).add(x)
    constrained: dict[int, dict[int, Constraint]] = {}
    for c in constraints:
        constrained.setdefault(c.a, {})[c.b] = c
        constrained.setdefault(c.b, {})[c.a] = c
    group = {int(m): {int(m)} for m in members}  # record -> the set of records in its current group
    conflicts, splits = 0, []
    for x, y, p in local.select("a", "b", "p").iter_rows():  # bounded: edges of the clashing components only
        gx, gy = group[x], group[y]
        if gx is gy:
            continue
        if any(decided.get(r, set()) & gy for r in gx):
            conflicts += p >= FORCED
            continue
        blocking = next((c for r in gx for s, c in constrained.get(r, {}).items() if s in gy), None)
        if blocking is not None and p < FORCED:
            splits.append(Split(int(x), int(y), float(p), blocking))
            continue
        merged = gx | gy
        for r in merged:
            group[r] = merged
    new = labels.copy()
    for m in members.tolist():
        new[m] = min(group[m])
    overridden = [c for c in constraints if new[c.a] == new[c.b]]
    return Clustering(new, int(clashing.size), conflicts, splits, overridden)


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
