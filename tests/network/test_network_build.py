"""The network stage in a real build of the shared scenario: tables, exports, commands, a rebuild that keeps group ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.cli.app import app
from crossline.errors import NotAllowed, NotFound
from crossline.service import expand
from crossline.service import network as service
from crossline.service.build import build
from crossline.store import picture as picture_store
from crossline.store.models import AuditEntry
from crossline.workspace import Workspace, init_workspace
from helpers import Sim, import_as_hub

runner = CliRunner()


@pytest.fixture(scope="module")
def built(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path_factory.mktemp("network") / "ws")
    import_as_hub(ws, sim.bundle)
    build(ws, LOCAL_ADMIN)
    yield ws
    ws.close()


def test_build_writes_groups_priorities_and_exports(built: Workspace) -> None:
    members = picture_store.read_table(built.engine, built.path, "ocg_members")
    assert members is not None and members.height > 0
    assert set(members["role"].unique().to_list()) <= {"controller", "holder", "runner", "occupant", "associate", "unknown"}
    assert members["reasons"].is_not_null().all()
    exported = built.path / "exports"
    ocgs = pl.read_csv(exported / "ocgs.csv")
    assert ocgs.columns == ["ocg_id", "nominal_id", "role", "centrality"]
    prio = pl.read_csv(exported / "priorities.csv")
    assert prio.columns == ["rank", "subject_type", "subject_id", "score", "force_areas", "reasons"]
    assert set(prio["subject_type"].unique().to_list()) == {"line", "ocg"}
    edges = picture_store.read_table(built.engine, built.path, "network_edges")
    assert edges is not None and edges["provenance"].is_not_null().all()
    assert {"contact", "uses_phone", "line_number"} <= set(edges["kind"].unique().to_list())


def test_lines_name_the_group_behind_them(built: Workspace) -> None:
    lines = picture_store.read_table(built.engine, built.path, "lines")
    ocgs = picture_store.read_table(built.engine, built.path, "ocgs")
    assert lines is not None and ocgs is not None
    grouped = {ln: g for g, lns in ocgs.select("ocg_id", "lines").iter_rows() for ln in lns.split(";")}
    assert grouped and {ln: g for ln, g in lines.select("line_id", "ocg_id").iter_rows() if g is not None} == grouped
    exported = pl.read_csv(built.path / "exports" / "lines.csv")
    assert exported["ocg_id"].drop_nulls().n_unique() == ocgs.height


def test_a_rebuild_keeps_group_ids(built: Workspace) -> None:
    before = picture_store.read_table(built.engine, built.path, "ocgs")
    build(built, LOCAL_ADMIN, only=["network"])
    after = picture_store.read_table(built.engine, built.path, "ocgs")
    assert before is not None and after is not None
    assert sorted(after["ocg_id"].to_list()) == sorted(before["ocg_id"].to_list())


def test_commands_and_offline_picture(built: Workspace, tmp_path: Path) -> None:
    w = ["--workspace", str(built.path)]
    listed = runner.invoke(app, ["network", *w])
    assert listed.exit_code == 0, listed.output
    groups = service.list_groups(built, LOCAL_ADMIN)
    ocg = groups.sort("size")["ocg_id"][-1]
    out = tmp_path / "g.html"
    shown = runner.invoke(app, ["network", "show", ocg, "--out", str(out), *w])
    assert shown.exit_code == 0, shown.output
    page = out.read_text()
    assert "<svg" in page and "src=" not in page and "href=" not in page  # every asset inside the file
    for cmd in (["priorities"], ["crossborder"]):
        r = runner.invoke(app, [*cmd, *w])
        assert r.exit_code == 0, r.output
    missing = runner.invoke(app, ["network", "show", "OCG-nothere", *w])
    assert isinstance(missing.exception, NotFound) and missing.exception.next_step == "list_groups"
    files = service.export_graph(built, LOCAL_ADMIN, "graphml", tmp_path / "gml", ocg)
    g = nx.read_graphml(files[0])
    assert g.number_of_nodes() > 0


def test_partners_may_not_read_groups(built: Workspace) -> None:
    partner = Actor(user="p", agency="valleys-schools-trust", role="partner")
    with pytest.raises(NotAllowed):
        service.list_groups(built, partner)


def _last_expansion(ws: Workspace) -> tuple[str, dict[str, object]]:
    with ws.engine.connect() as conn:
        row = conn.execute(select(AuditEntry.subject, AuditEntry.details).where(AuditEntry.action == "expand_network")
                           .order_by(AuditEntry.seq.desc()).limit(1)).one()
    return row.subject, json.loads(row.details)


def test_one_expansion_from_any_node_with_filters_roles_a_limit_and_an_audit_of_what_it_returned(built: Workspace) -> None:
    analyst = Actor(user="ana", agency="gwent-police", role="analyst")
    members = picture_store.read_table(built.engine, built.path, "ocg_members")
    edges = picture_store.read_table(built.engine, built.path, "network_edges")
    assert members is not None and edges is not None
    key = members.filter(pl.col("key_player")).row(0, named=True)
    person = f"nominal:{key['nominal_id']}"
    one = expand.expand(built, analyst, person)
    centre = one.nodes[0]
    assert one.centre == person and centre["node_id"] == person and centre["key_player"] is True and centre["role"] == key["role"]
    assert all(person in (e["src"], e["dst"]) for e in one.edges) and not one.truncated
    subject, details = _last_expansion(built)
    assert subject == person and details["found"] is True and details["nodes"] == [n["node_id"] for n in one.nodes]
    two = expand.expand(built, analyst, person, depth=2)
    assert {n["node_id"] for n in one.nodes} < {n["node_id"] for n in two.nodes}
    small = expand.expand(built, analyst, person, depth=2, limit=3)
    assert len(small.nodes) == 3 and small.truncated and small.nodes[0]["node_id"] == person
    phone = edges.filter(pl.col("kind") == "line_number")["dst"][0]  # a line's number: a start that is not a person
    by_kind = expand.expand(built, analyst, phone, kinds=["line_number"])
    assert by_kind.edges and {e["kind"] for e in by_kind.edges} == {"line_number"}
    assert any(n["node_id"].startswith("line:") for n in by_kind.nodes) and by_kind.nodes[0]["role"] is None
    dated = edges.filter(pl.col("last_seen").is_not_null() & ((pl.col("src") == person) | (pl.col("dst") == person)))
    if dated.height:
        after = str(dated["last_seen"].max())
        recent = expand.expand(built, analyst, person, since=after)
        assert all(e["last_seen"] is None or str(e["last_seen"]) >= after for e in recent.edges)
        assert len(recent.edges) < len(one.edges) or dated["last_seen"].n_unique() == 1
    with pytest.raises(NotFound):
        expand.expand(built, analyst, "phone:+440000000000")
    assert _last_expansion(built)[1]["found"] is False
    with pytest.raises(NotAllowed):
        expand.expand(built, Actor(user="p", agency="valleys-schools-trust", role="partner"), person)
    edge_columns = set(edges.columns)
    assert all(set(e) == edge_columns for e in one.edges), "the web view's links and the API carry every column of the edge"
