"""Graph expansion: the people, phones, handsets, addresses and lines around one person, a step or two out.

The network is police intelligence (who uses which phone, who runs which line),
so expansion needs the same standing as the network itself (``read_lines``:
police and national analysts, the administrator). The refusal comes before the
graph is read, so it says the same for a person who is in it and one who is
not; for those who may expand, a person not in the graph is "not found".
Every expansion is audited with the nodes it returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import InvalidInput, NotFound
from crossline.store import picture as picture_store
from crossline.workspace import Workspace

MAX_DEPTH = 2
MAX_NODES = 500


@dataclass(frozen=True)
class Expansion:
    centre: str
    depth: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool  # more nodes lay within ``depth`` than ``limit`` allowed


def expand(ws: Workspace, actor: Actor, nominal_id: str, depth: int = 1, limit: int = 200) -> Expansion:
    """The graph within ``depth`` steps of a person (nominal), at most ``limit`` nodes, nearest first."""
    require(viewer(ws.engine, actor), "read_lines")
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"expand one or {MAX_DEPTH} steps, not {depth}")
    limit = max(1, min(limit, MAX_NODES))
    nodes_path = picture_store.current_table(ws.engine, ws.path, "network_nodes")
    edges_path = picture_store.current_table(ws.engine, ws.path, "network_edges")
    centre = nominal_id if nominal_id.startswith("nominal:") else f"nominal:{nominal_id}"
    missing = NotFound(f"no person {nominal_id!r} in the current network", next_step="build")
    if nodes_path is None or edges_path is None:
        raise missing
    all_edges = pl.scan_parquet(edges_path).select("src", "dst", "kind", "weight", "first_seen", "last_seen", "provenance")
    reached, frontier, truncated = [centre], {centre}, False
    seen = {centre}
    kept: list[pl.DataFrame] = []
    for _ in range(depth):
        step = all_edges.filter(pl.col("src").is_in(list(frontier)) | pl.col("dst").is_in(list(frontier))).collect()
        new: list[str] = []
        for src, dst in step.select("src", "dst").iter_rows():
            for node in (src, dst):
                if node not in seen:
                    if len(reached) >= limit:
                        truncated = True
                        continue
                    seen.add(node)
                    reached.append(node)
                    new.append(node)
        kept.append(step.filter(pl.col("src").is_in(list(seen)) & pl.col("dst").is_in(list(seen))))
        frontier = set(new)
        if not frontier:
            break
    nodes = pl.scan_parquet(nodes_path).filter(pl.col("node_id").is_in(reached)).select("node_id", "kind", "label").collect()
    if centre not in set(nodes["node_id"].to_list()):
        with ws.engine.begin() as conn:
            audit.record(conn, actor, "expand_network", centre, {"found": False})
        raise missing
    edges = pl.concat(kept).unique(["src", "dst", "kind"]).sort(["src", "dst", "kind"]) if kept else pl.DataFrame()
    order = {n: i for i, n in enumerate(reached)}
    node_rows = sorted(nodes.to_dicts(), key=lambda r: order.get(r["node_id"], len(order)))
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "expand_network", centre, {"found": True, "depth": depth, "nodes": [r["node_id"] for r in node_rows]})
    return Expansion(centre, depth, node_rows, edges.to_dicts() if edges.height else [], truncated)
