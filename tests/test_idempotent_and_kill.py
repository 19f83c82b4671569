"""Re-importing changes nothing; a newer bundle updates; a killed import leaves no trace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from crossline.faults import IMPORT_POINTS
from crossline.workspace import Workspace, open_workspace
from helpers import TEST_HUB, import_as_hub, snapshot, write_bundle

COMMS = "a_number,b_number,kind,started_at,duration_s\n"


def _bundle(root: Path, given: str = "Ann", extra_call: bool = False) -> Path:
    comms = COMMS + "07711123456,07722123456,sms,2026-10-01T10:00:00Z,\n07722123456,07711123456,voice,2026-10-02T11:00:00Z,30\n"
    if extra_call:
        comms += "07711123456,07733123456,sms,2026-10-02T12:00:00Z,\n"
    return write_bundle(
        root,
        {
            "p.csv": ("persons", "gp", f"record_id,given_name,family_name\nP1,{given},Lee\nP2,Bob,Ray\n"),
            "c.csv": ("comms", "csp", comms),
        },
    )


def _data_tables(ws: Workspace) -> dict[str, object]:
    snap = snapshot(ws)
    skip = ("table:bundles", "table:import_log", "table:audit_log", "table:audit_head", "table:quarantine", "table:lake_files")
    return {k: v for k, v in snap.items() if not k.startswith(skip) and not k.startswith("file:")}


def test_reimport_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(tmp_path / "b")
    import_as_hub(workspace, bundle)
    before = _data_tables(workspace)
    again = import_as_hub(workspace, bundle)
    assert _data_tables(workspace) == before
    assert all(f.new == 0 and f.updated == 0 for f in again.feeds)
    assert again.feed("p.csv").unchanged == 2 and again.feed("c.csv").unchanged == 2


def test_newer_bundle_updates_changed_rows_only(workspace: Workspace, tmp_path: Path) -> None:
    import_as_hub(workspace, _bundle(tmp_path / "a"))
    newer = import_as_hub(workspace, _bundle(tmp_path / "b", given="Anne", extra_call=True))
    assert (newer.feed("p.csv").updated, newer.feed("p.csv").unchanged) == (1, 1)
    assert (newer.feed("c.csv").new, newer.feed("c.csv").unchanged) == (1, 2)
    with workspace.engine.connect() as conn:
        assert conn.execute(text("SELECT given_name FROM persons WHERE record_id='P1'")).scalar_one() == "Anne"
        assert conn.execute(text("SELECT SUM(rows) FROM lake_files")).scalar_one() == 3
    # The superseded day file is gone; one file per day remains.
    assert sorted(p.parent.name for p in workspace.lake.rglob("*.parquet")) == ["day=2026-10-01", "day=2026-10-02"]


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_a_killed_import_leaves_the_workspace_exactly_as_before(
    workspace: Workspace, tmp_path: Path, point: str
) -> None:
    import_as_hub(workspace, _bundle(tmp_path / "a"))
    before = snapshot(workspace)
    newer = _bundle(tmp_path / "b", given="Anne", extra_call=True)
    env = {**os.environ, "CROSSLINE_FAULT": point}
    proc = subprocess.run(
        [sys.executable, "-m", "crossline.cli", "import", str(newer), "--as-agency", TEST_HUB, "--workspace", str(workspace.path)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    reopened = open_workspace(workspace.path)  # sweeps what the killed import left
    try:
        assert snapshot(reopened) == before
        assert not (reopened.lake / ".staging").exists()
        # And the workspace still works: the same import now goes through.
        assert import_as_hub(reopened, newer).feed("p.csv").updated == 1
    finally:
        reopened.close()
