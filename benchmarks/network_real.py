"""Key-player measures on published criminal networks: does removing the people they rank first break the network?

For each edge list under PATH (read where it is, never copied in): per measure
(degree, betweenness, PageRank, disruption) the top five people, and how much
removing the top 5 and the top 5% shrinks the largest connected part, beside
removing as many people at random (mean of 100 draws). ``--json`` prints one
JSON object.

    flock /tmp/crossline-bench.lock python benchmarks/network_real.py ../shared/data/criminal-networks/ --json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import igraph as ig
import numpy as np

from crossline.stages.network.edgelist import graph_of, measures_table, read_edges

MEASURES = ("degree", "betweenness", "pagerank", "disruption")


def lcc(g: ig.Graph) -> int:
    return max(g.connected_components().sizes()) if g.vcount() else 0


def shrink(g: ig.Graph, remove: list[int]) -> float:
    before = lcc(g)
    h = g.copy()
    h.delete_vertices(remove)
    return round(1 - lcc(h) / before, 3)


def run(path: Path) -> dict[str, object]:
    got = read_edges(path)
    g = graph_of(got.edges)
    table, how = measures_table(g, 1.0, 7, 5000, 200)
    index = {n: i for i, n in enumerate(g.vs["name"])}
    k5, kp = min(5, g.vcount()), max(1, math.ceil(0.05 * g.vcount()))
    rng = np.random.default_rng(7)
    rand = {str(k): round(float(np.mean([shrink(g, rng.choice(g.vcount(), k, replace=False).tolist()) for _ in range(100)])), 3) for k in (k5, kp)}
    out: dict[str, object] = {"file": path.name, "nodes": g.vcount(), "edges": g.ecount(), "largest_part": lcc(g), "problems": got.problems,
                              "betweenness": how, "removed": {"top5": k5, "top5pct": kp}, "random_mean_of_100": rand}
    for m in MEASURES:
        ranked = table.sort([m, "node"], descending=[True, False])["node"].to_list()
        out[m] = {"top5": ranked[:5], "shrink_top5": shrink(g, [index[n] for n in ranked[:k5]]),
                  "shrink_top5pct": shrink(g, [index[n] for n in ranked[:kp]])}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path, help="a folder of edge-list CSVs, or one CSV")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    files = sorted(args.path.glob("*.csv")) if args.path.is_dir() else [args.path]
    results = [run(f) for f in files]
    if args.json:
        print(json.dumps({"networks": results}))
        return
    for r in results:
        print(f"{r['file']}: {r['nodes']} nodes, {r['edges']} edges, largest part {r['largest_part']}; random removal shrinks it "
              f"{r['random_mean_of_100']} (mean of 100 draws, by number removed)")
        for m in MEASURES:
            x = r[m]
            assert isinstance(x, dict)
            print(f"  {m:12s} top5 {x['top5']}  shrink: top 5 {x['shrink_top5']:.3f}, top 5% {x['shrink_top5pct']:.3f}")


if __name__ == "__main__":
    main()
