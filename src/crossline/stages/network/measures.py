"""Key-player measures on any graph: degree, betweenness, PageRank and disruption, plus Leiden groups.

Used by the build stage on each group and by ``network measures`` on an edge
list from elsewhere, so both say the same thing about the same graph.

Betweenness is exact (Brandes) up to ``exact_max`` nodes. Above it, it is
estimated from ``samples`` source nodes drawn at random (Brandes and Pich,
2007): the shortest paths from each sampled source are counted in full, and
the sum is scaled by n / samples. The estimate is unbiased; its relative error
for a node falls roughly as 1 / sqrt(samples) and is largest for nodes of low
betweenness, which are not key players anyway (docs/network.md, "Sampling
error", gives measured figures).

Disruption of a person is the share of the *other* members of the largest
connected part who are no longer in the largest connected part once the
person is removed: 0 for anyone whose removal leaves the rest connected, 1
for the hub of a star. It is computed for every node at once from the
block-cut tree (biconnected components), in time linear in the graph, not by
removing each node in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np


@dataclass(frozen=True)
class Measures:
    degree: np.ndarray
    betweenness: np.ndarray  # normalised to [0, 1] by the number of pairs
    pagerank: np.ndarray
    disruption: np.ndarray
    betweenness_method: str  # "exact" or "sampled from N sources"


def betweenness(g: ig.Graph, exact_max: int, samples: int, seed: int, weights: str | None = None) -> tuple[np.ndarray, str]:
    n = g.vcount()
    if n < 3:
        return np.zeros(n), "exact"
    pairs = (n - 1) * (n - 2) / 2
    if n <= exact_max:
        return np.asarray(g.betweenness(directed=False, weights=weights), dtype=float) / pairs, "exact"
    k = min(samples, n)
    sources = np.random.default_rng(seed).choice(n, size=k, replace=False)
    raw = np.asarray(g.betweenness(directed=False, weights=weights, sources=sources.tolist(), targets=None), dtype=float)
    # igraph's subset betweenness with every node as a source equals the exact figure, so n / k scales a sample to it
    return raw * (n / k) / pairs, f"sampled from {k} sources"


def disruption(g: ig.Graph) -> np.ndarray:
    """For each node, the share of the other members of the largest connected part cut off from it when the node is removed."""
    n = g.vcount()
    out = np.zeros(n)
    if n < 3:
        return out
    membership = np.asarray(g.connected_components().membership)
    sizes = np.bincount(membership)
    giant = int(np.argmax(sizes))
    big = int(sizes[giant])
    if big < 3:
        return out
    sub_ids = np.flatnonzero(membership == giant)
    sub = g.induced_subgraph(sub_ids.tolist())
    blocks, aps = sub.biconnected_components(return_articulation_points=True)
    if not aps:
        return out
    m = sub.vcount()
    ap_index = {v: i for i, v in enumerate(aps)}
    # block-cut tree: nodes 0..B-1 are blocks, B.. are articulation points; weight = vertices it owns
    nb = len(blocks)
    weight = np.zeros(nb + len(aps), dtype=np.int64)
    adj: list[list[int]] = [[] for _ in range(nb + len(aps))]
    for b, verts in enumerate(blocks):
        for v in verts:
            if v in ap_index:
                t = nb + ap_index[v]
                adj[b].append(t)
                adj[t].append(b)
            else:
                weight[b] += 1
    weight[nb:] = 1
    # iterative DFS from block 0: subtree weights
    parent = np.full(len(adj), -1)
    order: list[int] = []
    seen = np.zeros(len(adj), dtype=bool)
    stack = [0]
    seen[0] = True
    while stack:
        x = stack.pop()
        order.append(x)
        for y in adj[x]:
            if not seen[y]:
                seen[y] = True
                parent[y] = x
                stack.append(y)
    subtree = weight.copy()
    for x in reversed(order):
        if parent[x] >= 0:
            subtree[parent[x]] += subtree[x]
    for i, v in enumerate(aps):
        t = nb + i
        pieces = [int(subtree[y]) for y in adj[t] if parent[y] == t]
        pieces.append(m - 1 - sum(pieces))
        after = max(pieces)
        out[sub_ids[v]] = (m - 1 - after) / (m - 1)
    return out


def measure(g: ig.Graph, exact_max: int, samples: int, seed: int, weights: str | None = None) -> Measures:
    """All four measures for every node of an undirected graph (``weights``: an edge attribute, or None)."""
    if g.vcount() == 0:
        z = np.zeros(0)
        return Measures(z, z, z, z, "exact")
    deg = np.asarray(g.degree(), dtype=float)
    btw, how = betweenness(g, exact_max, samples, seed)
    pr = np.asarray(g.pagerank(directed=False, weights=weights), dtype=float)
    return Measures(deg, btw, pr, disruption(g), how)


def communities(g: ig.Graph, resolution: float, seed: int, weights: str | None = None) -> list[int]:
    """Leiden groups (modularity with a resolution parameter): leidenalg to convergence on graphs the build makes,
    igraph's own Leiden (two iterations; FIELD-NOTES: leidenalg is ten times slower at a million edges) on large edge lists."""
    if g.vcount() == 0:
        return []
    if g.ecount() <= 200_000:
        import leidenalg

        part = leidenalg.find_partition(
            g, leidenalg.RBConfigurationVertexPartition, weights=weights, resolution_parameter=resolution, seed=seed, n_iterations=-1
        )
        return list(part.membership)
    import random

    random.seed(seed)
    ig.set_random_number_generator(random)
    cl = g.community_leiden(objective_function="modularity", resolution=resolution, weights=weights, n_iterations=2)
    return list(cl.membership)
