"""The what_works export and `crossline what-works --format csv|json`, on the shared simulated scenario (its own workspace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import InvalidInput, NotAllowed
from crossline.evaluate.table import CONTRACT_COLUMNS, KNOWN_PROGRAMMES
from crossline.evaluate.truth import build_risk_with, truth_lines_tables, truth_nominals
from crossline.service.exports import export
from crossline.service.what_works import what_works
from crossline.workspace import Workspace, init_workspace
from helpers import Sim, import_as_hub


@pytest.fixture(scope="module")
def ws(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = init_workspace(tmp_path_factory.mktemp("ww") / "ws")
    import_as_hub(workspace, sim.bundle)
    build_risk_with(workspace, LOCAL_ADMIN, {"nominals": truth_nominals(sim.truth_dir), **truth_lines_tables(sim.truth_dir)})
    yield workspace
    workspace.close()


def test_export_writes_what_works_with_reasons_when_nothing_can_be_estimated(ws: Workspace, tmp_path: Path) -> None:
    result = export(ws, LOCAL_ADMIN, tmp_path / "out")
    assert "what_works.csv" in result.files
    table = pl.read_csv(tmp_path / "out" / "what_works.csv")
    assert tuple(table.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert pl.read_parquet(tmp_path / "out" / "what_works.parquet").height == table.height == result.files["what_works.csv"]
    # the shared scenario is scale 1: every programme is too small, so every row is refused, each with its reason
    assert set(table["status"].to_list()) <= {"refused", "not_assessable"}
    assert table["reason"].null_count() == 0 and (table["reason"].str.len_chars() > 10).all()
    assert set(KNOWN_PROGRAMMES) <= set(table["programme"].to_list())
    assert "all_harm" in table["outcome"].to_list() and "harm_indicators" not in table["outcome"].to_list()
    assert sorted(table["horizon_months"].unique().to_list(), key=lambda v: (v is None, v)) == [3, 6, 12, None]
    one = table.filter(pl.col("outcome") == "all_harm").group_by("programme").len()
    assert (one["len"] == 4).all()  # one row per programme, outcome and horizon


def test_what_works_table_as_csv_and_json(ws: Workspace, tmp_path: Path) -> None:
    path, text = what_works(ws, Actor("ana", "gwent-police", "analyst"), "csv")
    assert path is None and text.splitlines()[0].startswith(",".join(CONTRACT_COLUMNS))
    path, text = what_works(ws, Actor("ana", "gwent-police", "analyst"), "json", tmp_path / "ww.json")
    assert path == tmp_path / "ww.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert rows and set(CONTRACT_COLUMNS) <= set(rows[0])
    with pytest.raises(InvalidInput):
        what_works(ws, LOCAL_ADMIN, "xlsx")
    with pytest.raises(NotAllowed):
        what_works(ws, Actor("p", "valleys-mentoring-trust", "partner"), "csv")


def test_the_command_prints_csv_and_json(ws: Workspace) -> None:
    entry = "import sys; from crossline.cli import main; sys.argv[0] = 'crossline'; main()"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", entry, "what-works", *args, "--workspace", str(ws.path)], capture_output=True, text=True,
                              timeout=600, env={**os.environ, "COLUMNS": "250"})

    out = run("--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith(",".join(CONTRACT_COLUMNS))
    out = run("--format", "json")
    assert out.returncode == 0, out.stderr
    assert {r["status"] for r in json.loads(out.stdout)} <= {"refused", "not_assessable"}
    bad = run("--format", "xlsx")
    assert bad.returncode != 0 and "unknown format" in (bad.stdout + bad.stderr)
