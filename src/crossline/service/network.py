"""Organised crime groups, priorities and the cross-border picture: the one API the CLI (and later the web pages) call.

Every function takes an Actor, checks policy in :func:`_allow` (one place, so
the need-to-know policy can replace the role check there) and audits each read,
as crossline.service.lines does: group membership is sensitive intelligence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import NotFound
from crossline.exchange.graph import Graph, assemble, for_group
from crossline.store import picture as picture_store
from crossline.workspace import Workspace

FORMATS = ("graphml", "i2", "neo4j")


def _allow(ws: Workspace, actor: Actor, what: str) -> None:
    """Groups and priorities are line intelligence: police standing, as for deal lines (``what`` names the use)."""
    require(viewer(ws.engine, actor), "read_lines")


def _table(ws: Workspace, name: str) -> pl.DataFrame:
    df = picture_store.read_table(ws.engine, ws.path, name, True, stage="network")
    assert df is not None
    return df


def _audit(ws: Workspace, actor: Actor, action: str, subject: str, details: dict[str, object]) -> None:
    with ws.engine.begin() as conn:
        audit.record(conn, actor, action, subject, details)


def list_groups(ws: Workspace, actor: Actor) -> pl.DataFrame:
    _allow(ws, actor, "groups")
    groups = _table(ws, "ocgs")
    _audit(ws, actor, "read_groups", "ocgs", {"rows": groups.height})
    return groups


@dataclass(frozen=True)
class GroupDetail:
    group: dict[str, object]
    members: pl.DataFrame  # role, reasons, evidence and key-player measures


def group_detail(ws: Workspace, actor: Actor, ocg_id: str) -> GroupDetail:
    _allow(ws, actor, "group")
    groups = _table(ws, "ocgs").filter(pl.col("ocg_id") == ocg_id)
    if groups.is_empty():
        raise NotFound(f"no group {ocg_id!r} in the current picture", next_step="list_groups")
    members = _table(ws, "ocg_members").filter(pl.col("ocg_id") == ocg_id).sort(["key_player", "disruption"], descending=True)
    _audit(ws, actor, "read_group", ocg_id, {"members": members.height})
    return GroupDetail(groups.row(0, named=True), members)


def person_groups(ws: Workspace, actor: Actor, nominal_id: str) -> pl.DataFrame:
    """The groups a person belongs to, with their role and why (empty when none or when no network is built)."""
    _allow(ws, actor, "person")
    members = picture_store.read_table(ws.engine, ws.path, "ocg_members", False)
    if members is None:
        return pl.DataFrame(schema={"ocg_id": pl.String, "role": pl.String, "reasons": pl.String})
    rows = members.filter(pl.col("nominal_id") == nominal_id).select("ocg_id", "role", "reasons", "key_player")
    _audit(ws, actor, "read_person_groups", nominal_id, {"groups": rows.height})
    return rows


def priorities(ws: Workspace, actor: Actor, subject_type: str | None = None) -> pl.DataFrame:
    _allow(ws, actor, "priorities")
    p = _table(ws, "priorities")
    if subject_type:
        p = p.filter(pl.col("subject_type") == subject_type)
    _audit(ws, actor, "read_priorities", "priorities", {"rows": p.height, "subject_type": subject_type})
    return p


def crossborder(ws: Workspace, actor: Actor) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The force-by-force matrix and, per force, the harm landing there from lines run from elsewhere."""
    _allow(ws, actor, "crossborder")
    m, h = _table(ws, "crossborder_matrix"), _table(ws, "crossborder_harm")
    _audit(ws, actor, "read_crossborder", "crossborder", {"pairs": m.height})
    return m, h


def _graph(ws: Workspace) -> tuple[Graph, pl.DataFrame]:
    members = _table(ws, "ocg_members")
    return assemble(_table(ws, "network_nodes"), _table(ws, "network_edges"), members), members


def export_graph(ws: Workspace, actor: Actor, fmt: str, folder: Path, ocg_id: str | None = None) -> list[Path]:
    """The graph (or one group's part of it) as GraphML, i2 Analyst's Notebook import files, or Neo4j CSVs and Cypher."""
    from crossline.errors import InvalidInput
    from crossline.exchange import graphml, i2, neo4j

    _allow(ws, actor, "export")
    require(actor, "export")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; the formats are: {', '.join(FORMATS)}")
    g, members = _graph(ws)
    if ocg_id is not None:
        if members.filter(pl.col("ocg_id") == ocg_id).is_empty():
            raise NotFound(f"no group {ocg_id!r} in the current picture", next_step="list_groups")
        g = for_group(g, members, ocg_id)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        out = [graphml.write_graphml(g, folder / f"{ocg_id or 'network'}.graphml")]
    elif fmt == "i2":
        out = i2.write_i2(g, folder)
    else:
        out = neo4j.write_neo4j(g, folder)
    _audit(ws, actor, "export_graph", ocg_id or "network", {"format": fmt, "nodes": g.nodes.height, "edges": g.edges.height})
    return out


def group_picture(ws: Workspace, actor: Actor, ocg_id: str, path: Path) -> Path:
    """One group as an interactive HTML file that opens offline."""
    from crossline.exchange.html import render_group

    detail = group_detail(ws, actor, ocg_id)
    g, members = _graph(ws)
    return render_group(for_group(g, members, ocg_id), detail.members, ocg_id, path)


def record_groups(ws: Workspace, actor: Actor, source: str, record_id: str) -> pl.DataFrame:
    """The groups and roles of the person a record resolves to (the person view shows them)."""
    nominals = picture_store.read_table(ws.engine, ws.path, "nominals", False)
    hit = nominals.filter((pl.col("source") == source) & (pl.col("record_id") == record_id)) if nominals is not None else None
    nominal = hit["nominal_id"][0] if hit is not None and hit.height else f"record:{source}:{record_id}"
    return person_groups(ws, actor, nominal)

