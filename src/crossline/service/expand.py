"""Graph expansion: the people, phones, handsets, addresses and lines around any node, a step or two out.

The one expansion the API (``GET /network/{nominal}``), the web network view and
the person profile's links all call, so each is checked and audited the same way.
The network is police intelligence (who uses which phone, who runs which line),
so expansion needs the same standing as the network itself (``read_lines``:
police and national analysts, the administrator). The refusal comes before the
graph is read, so it says the same for a node that is in it and one that is
not; for those who may expand, a node not in the graph is "not found". Every
expansion is audited as ``expand_network`` with the nodes it returned.
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
ACTION = "expand_network"


@dataclass(frozen=True)
class Expansion:
    centre: str
    depth: int
    nodes: list[dict[str, Any]]  # node_id, kind, label, role and key_player (None where the node is in no group)
    edges: list[dict[str, Any]]  # every column of network_edges (src, dst, kind, weight, seen dates, counts, provenance)
    truncated: bool  # more nodes lay within ``depth`` than ``limit`` allowed


def expand(ws: Workspace, actor: Actor, start: str, depth: int = 1, limit: int = 200, kinds: list[str] | None = None,
           since: str | None = None) -> Expansion:
    """The graph within ``depth`` steps of ``start`` (a node id: ``nominal:``, ``phone:``, ``line:``, ``address:`` ...).

    ``kinds`` keeps edges of those kinds and ``since`` edges last seen on or after that date (an edge with no date is
    kept: absence of a date is not evidence it is old). At most ``limit`` nodes, nearest first and, within a step, along
    the strongest edges first, so no expansion loads the whole graph onto a page; ``truncated`` says when some were left.
    """
    require(viewer(ws.engine, actor), "read_lines")
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"expand one or {MAX_DEPTH} steps, not {depth}")
    limit = max(1, min(limit, MAX_NODES))
    nodes_path = picture_store.current_table(ws.engine, ws.path, "network_nodes")
    edges_path = picture_store.current_table(ws.engine, ws.path, "network_edges")
    missing = NotFound(f"no node {start!r} in the current network", next_step="build")
    if nodes_path is None or edges_path is None:
        raise missing
    all_nodes = pl.scan_parquet(nodes_path).select("node_id", "kind", "label")
    if all_nodes.filter(pl.col("node_id") == start).select(pl.len()).collect().item() == 0:
        with ws.engine.begin() as conn:
            audit.record(conn, actor, ACTION, start, {"found": False})
        raise missing
    all_edges = _filtered(pl.scan_parquet(edges_path), kinds, since)
    reached, seen, frontier, truncated = [start], {start}, {start}, False
    kept: list[pl.DataFrame] = []
    for _ in range(depth):
        step = (all_edges.filter(pl.col("src").is_in(list(frontier)) | pl.col("dst").is_in(list(frontier)))
                .sort(["weight", "src", "dst", "kind"], descending=[True, False, False, False], nulls_last=True).collect())
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
    edges = (pl.concat(kept).unique(["src", "dst", "kind"])
             .sort(["weight", "src", "dst", "kind"], descending=[True, False, False, False], nulls_last=True))
    order = {n: i for i, n in enumerate(reached)}
    found = _with_roles(ws, all_nodes.filter(pl.col("node_id").is_in(reached)).collect())
    node_rows = sorted(found.to_dicts(), key=lambda r: order.get(r["node_id"], len(order)))
    with ws.engine.begin() as conn:
        audit.record(conn, actor, ACTION, start, {"found": True, "depth": depth, "kinds": kinds or None, "since": since or None,
                                                  "nodes": [r["node_id"] for r in node_rows], "edges": edges.height,
                                                  "truncated": truncated})
    return Expansion(start, depth, node_rows, edges.to_dicts(), truncated)


def _filtered(edges: pl.LazyFrame, kinds: list[str] | None, since: str | None) -> pl.LazyFrame:
    if kinds:
        edges = edges.filter(pl.col("kind").is_in(kinds))
    if since:
        edges = edges.filter(pl.col("last_seen").cast(pl.String).fill_null("9999") >= since)
    return edges


def _with_roles(ws: Workspace, nodes: pl.DataFrame) -> pl.DataFrame:
    """Each person's group role and whether they are a key player, where the network stage found groups."""
    members_path = picture_store.current_table(ws.engine, ws.path, "ocg_members")
    if members_path is not None:
        ids = [n.removeprefix("nominal:") for n in nodes["node_id"].to_list() if n.startswith("nominal:")]
        members = (pl.scan_parquet(members_path).filter(pl.col("nominal_id").is_in(ids))
                   .sort(["key_player", "disruption"], descending=True, nulls_last=True)
                   .select((pl.lit("nominal:") + pl.col("nominal_id")).alias("node_id"), "role", "key_player").collect())
        if members.height:
            return nodes.join(members.unique("node_id", keep="first", maintain_order=True), on="node_id", how="left")
    return nodes.with_columns(pl.lit(None, pl.String).alias("role"), pl.lit(None, pl.Boolean).alias("key_player"))
