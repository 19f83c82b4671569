"""The build publishes a new picture version atomically; a failed or killed build leaves the last good one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.errors import CrosslineError
from crossline.service.build import build
from crossline.stages import registry
from crossline.stages.stage import BuildContext, Export, Stage
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, open_workspace


class Boom(Exception):
    pass


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Two small stages standing in for real ones: counts persons per source, then doubles them.

    Returns a switch: set ``["fail"]`` and the second stage raises.
    """
    calls: dict[str, bool] = {"fail": False}

    def count(ctx: BuildContext) -> None:
        # a column the store cannot type when no row comes back is declared (text is the default)
        ctx.write("counts", ctx.store("SELECT source, COUNT(*) AS n FROM persons GROUP BY source ORDER BY source", schema={"n": pl.Int64}))

    def double(ctx: BuildContext) -> None:
        if calls["fail"]:
            raise Boom("stage failed")
        path = ctx.table_path("counts")
        assert path is not None
        ctx.write("doubled", pl.read_parquet(path).with_columns(n2=pl.col("n") * 2))

    test_stages = [
        Stage("count", count, ("counts",), (Export("counts_export", "counts", ("source", "n")),)),
        Stage("double", double, ("doubled",)),
    ]
    monkeypatch.setattr(registry, "STAGES", tuple(test_stages))
    return calls


def _current(ws: Workspace, table: str) -> pl.DataFrame:
    path = picture_store.current_table(ws.engine, ws.path, table)
    assert path is not None
    return pl.read_parquet(path)


def test_build_publishes_versions_and_exports(workspace: Workspace, examples: Path, stages: dict[str, bool]) -> None:
    from helpers import import_as_hub

    import_as_hub(workspace, examples / "good")
    result, exported = build(workspace, LOCAL_ADMIN)
    assert result.version == 1 and result.tables == {"counts": 2, "doubled": 2}
    assert _current(workspace, "doubled")["n2"].to_list() == [8, 6]
    assert pl.read_csv(exported.directory / "counts_export.csv").height == 2
    again, _ = build(workspace, LOCAL_ADMIN, only=["double"])  # "count" carried over
    assert again.version == 2 and set(again.stages) == {"double"} and again.tables["counts"] == 2


def test_a_failed_build_leaves_the_last_good_picture(workspace: Workspace, stages: dict[str, bool]) -> None:
    build(workspace, LOCAL_ADMIN)
    stages["fail"] = True
    with pytest.raises(Boom):
        build(workspace, LOCAL_ADMIN)
    assert picture_store.current_version(workspace.engine) == 1
    assert [p.name for p in workspace.picture.iterdir()] == ["v000001"]


def test_leftovers_of_a_killed_build_are_swept(workspace: Workspace, stages: dict[str, bool]) -> None:
    build(workspace, LOCAL_ADMIN)
    (workspace.picture / ".building-dead").mkdir()
    (workspace.picture / "v000009").mkdir()  # renamed into place, never committed
    reopened = open_workspace(workspace.path)
    assert sorted(p.name for p in reopened.picture.iterdir()) == ["v000001"]
    reopened.close()


def test_only_three_versions_are_kept(workspace: Workspace, stages: dict[str, bool]) -> None:
    for _ in range(5):
        build(workspace, LOCAL_ADMIN)
    assert sorted(p.name for p in workspace.picture.iterdir()) == ["v000003", "v000004", "v000005"]


def test_unknown_stage_is_named(workspace: Workspace, stages: dict[str, bool]) -> None:
    with pytest.raises(CrosslineError, match="the stages are: count, double"):
        build(workspace, LOCAL_ADMIN, only=["nope"])
