"""How far sampled betweenness strays from the exact figure (issue 15 item 3: the sampling error, documented).

Above ``[network] exact_betweenness_max_nodes`` the key-player measures
estimate betweenness from a sample of source nodes (crossline.stages.network.measures).
This compares that estimate with the exact figure on the same graph, for
several sample sizes and sampling seeds, and prints per sample size:

- ``top1pct_rel_error``: median relative error over the top 1% of nodes by
  exact betweenness (the people an analyst would look at);
- ``top10_overlap``: how many of the exact top ten the estimate also ranks in
  its top ten (mean over seeds);
- ``spearman``: rank correlation over all nodes.

Graphs: preferential attachment (Barabasi-Albert, hubs as in phone networks) and
a ring of dense cliques joined by brokers (groups with go-betweens). Exact
betweenness is O(n m), so the graphs are kept to a few thousand nodes.

    flock /tmp/crossline-bench.lock python benchmarks/network_betweenness_error.py [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import igraph as ig
import numpy as np

from crossline.stages.network.measures import betweenness


def ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    return r


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def brokered_cliques(groups: int, size: int, seed: int) -> ig.Graph:
    """``groups`` cliques of ``size`` with sparse random ties inside, joined in a ring through one broker per pair."""
    rng = np.random.default_rng(seed)
    edges: list[tuple[int, int]] = []
    for k in range(groups):
        base = k * size
        for i in range(size):
            for j in range(i + 1, size):
                if rng.random() < 0.3:
                    edges.append((base + i, base + j))
        edges.append((base, ((k + 1) % groups) * size + 1))
    g = ig.Graph(n=groups * size, edges=edges)
    g.simplify()
    return g


def compare(g: ig.Graph, samples: list[int], seeds: int) -> dict[str, dict[str, float]]:
    t0 = time.monotonic()
    exact, _ = betweenness(g, g.vcount(), 0, 0)
    exact_s = time.monotonic() - t0
    top = np.argsort(-exact)[: max(1, g.vcount() // 100)]
    top10 = set(np.argsort(-exact)[:10].tolist())
    out: dict[str, dict[str, float]] = {"exact": {"seconds": round(exact_s, 2)}}
    for k in samples:
        errs, overlaps, rhos, secs = [], [], [], []
        for seed in range(seeds):
            t0 = time.monotonic()
            est, _ = betweenness(g, 0, k, seed)
            secs.append(time.monotonic() - t0)
            errs.append(float(np.median(np.abs(est[top] - exact[top]) / exact[top])))
            overlaps.append(len(top10 & set(np.argsort(-est)[:10].tolist())))
            rhos.append(spearman(exact, est))
        out[f"{k} sources"] = {"top1pct_rel_error": round(float(np.median(errs)), 3), "top10_overlap": round(float(np.mean(overlaps)), 1),
                               "spearman": round(float(np.mean(rhos)), 3), "seconds": round(float(np.mean(secs)), 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--samples", type=int, nargs="+", default=[50, 200, 800])
    ap.add_argument("--seeds", type=int, default=5, help="sampling seeds per sample size")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    graphs = {
        f"preferential attachment, {args.nodes} nodes": ig.Graph.Barabasi(args.nodes, 3, implementation="psumtree"),
        f"brokered cliques, {args.nodes} nodes": brokered_cliques(args.nodes // 25, 25, 1),
    }
    results = {}
    for name, g in graphs.items():
        results[name] = {"edges": g.ecount(), **compare(g, args.samples, args.seeds)}
        if not args.json:
            print(name, f"({g.ecount()} edges)")
            for k, v in results[name].items():
                if k != "edges":
                    print(f"  {k}: " + ", ".join(f"{a} {b}" for a, b in v.items()), flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
