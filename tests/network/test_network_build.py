"""The network stage in a real build of the shared scenario: tables, exports, commands, a rebuild that keeps group ids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import polars as pl
import pytest
from typer.testing import CliRunner

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.cli.app import app
from crossline.errors import NotAllowed, NotFound
from crossline.service import network as service
from crossline.service.build import build
from crossline.store import picture as picture_store
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
