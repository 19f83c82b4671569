"""GraphML for Gephi and yEd, written with networkx (its reader is the test's check)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from crossline.exchange.graph import Graph


def write_graphml(g: Graph, path: Path) -> Path:
    nxg = nx.MultiGraph()
    for row in g.nodes.iter_rows(named=True):
        nxg.add_node(row["node_id"], **{k: v for k, v in row.items() if k != "node_id"})
    for row in g.edges.iter_rows(named=True):
        nxg.add_edge(row["src"], row["dst"], key=row["kind"], **{k: (float(v) if k == "weight" else v) for k, v in row.items()
                                                                  if k not in ("src", "dst")})
    nx.write_graphml(nxg, path)
    return path
