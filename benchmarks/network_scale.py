"""A million-node, five-million-edge graph read, grouped and scored, beside igraph alone on the same edge list.

Generates a graph with group structure (groups of 20 to 200 people, most ties
inside the group, some across) as a CSV in a temporary folder, then times in
separate processes (so each peak memory is its own):

- crossline: ``network measures``' path: read and check the edge list (Polars),
  build the graph, Leiden groups, degree, PageRank, sampled betweenness,
  disruption for every node;
- igraph alone: read the same edge list (igraph's own reader) and partition it
  with the same Leiden.

Target (issue 15): crossline within 5 minutes and 8 GB on 2 cores.

    flock /tmp/crossline-bench.lock python benchmarks/network_scale.py --nodes 1000000 --edges 5000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl


def generate(path: Path, nodes: int, edges: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(20, 201, nodes // 20 + 1)
    group = np.repeat(np.arange(len(sizes)), sizes)[:nodes]
    starts = np.concatenate([[0], np.cumsum(sizes)])[:-1]
    inside = int(edges * 0.9)
    a = rng.integers(0, nodes, inside)
    g = group[a]
    b = starts[g] + (rng.integers(0, 1 << 30, inside) % sizes[g])
    b = np.minimum(b, nodes - 1)
    c = rng.integers(0, nodes, edges - inside)
    d = rng.integers(0, nodes, edges - inside)
    frame = pl.DataFrame({"source": np.concatenate([a, c]), "target": np.concatenate([b, d])})
    frame.write_csv(path)
    frame.write_csv(path.with_suffix(".ncol"), separator=" ", include_header=False)  # the same edges in igraph's own reader's format


def crossline_run(path: str, samples: int) -> dict[str, object]:
    from crossline.stages.network.edgelist import graph_of, measures_table, read_edges

    t0 = time.monotonic()
    got = read_edges(Path(path))
    g = graph_of(got.edges)
    t1 = time.monotonic()
    table, how = measures_table(g, 1.0, 7, 5000, samples)
    t2 = time.monotonic()
    return {"read_s": round(t1 - t0, 1), "measure_s": round(t2 - t1, 1), "seconds": round(t2 - t0, 1), "nodes": g.vcount(), "edges": g.ecount(),
            "groups": table["group"].n_unique(), "betweenness": how, "problems": got.problems}


def igraph_run(path: str) -> dict[str, object]:
    import random

    import igraph as ig

    t0 = time.monotonic()
    g = ig.Graph.Read_Ncol(str(Path(path).with_suffix(".ncol")), names=True, directed=False, weights=False)
    random.seed(7)
    ig.set_random_number_generator(random)
    cl = g.community_leiden(objective_function="modularity", resolution=1.0, n_iterations=2)
    return {"seconds": round(time.monotonic() - t0, 1), "groups": len(cl)}


def child(kind: str, path: str, samples: int) -> None:
    out = crossline_run(path, samples) if kind == "crossline" else igraph_run(path)
    out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=5_000_000)
    ap.add_argument("--samples", type=int, default=50, help="betweenness sources sampled")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.samples)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edges.csv"
        t = time.monotonic()
        generate(path, args.nodes, args.edges)
        print(f"generated {args.nodes:,} nodes, {args.edges:,} edges in {time.monotonic() - t:.0f} s", flush=True)
        res = {}
        for kind in ("igraph", "crossline"):
            p = subprocess.run([sys.executable, __file__, "--samples", str(args.samples), "--child", kind, str(path)],
                               capture_output=True, text=True, check=True)
            res[kind] = json.loads(p.stdout.strip().splitlines()[-1])
            print(f"{kind}: {res[kind]}", flush=True)
    print(json.dumps({"nodes": args.nodes, "edges": args.edges, **res, "targets": {"seconds": 300, "peak_rss_gb": 8}}))


if __name__ == "__main__":
    main()
