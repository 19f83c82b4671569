"""Files only their owner can read: the workspace, its database, lake, picture, exports and packs, whatever the umask.

The attack: with the usual umask of 022 any account on the machine could read crossline.db, the lake and the
exports (police intelligence, children's safeguarding records). Each test runs the CLI in a child process with a
loose umask and then looks at the mode of everything it wrote.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest

from cli_run import crossline, loose
from crossline.errors import ConfigurationError
from crossline.store import files
from crossline.workspace import open_workspace
from helpers import Sim


def test_a_built_workspace_with_exports_and_a_pack_is_owner_only_under_umask_022(tmp_path: Path, sim: Sim) -> None:
    """End to end under umask 022, in a folder whose path holds an apostrophe, spaces and double quotes.

    The path half (once tests/test_awkward_paths.py, folded in here so the suite builds the scenario once for both):
    paths reach SQL as parameters or quoted by the engine's own function (crossline.engine.duck.quote); before that,
    importing into ``/home/o'brien/crossline`` failed inside DuckDB with a syntax error, and a path is a place where
    an apostrophe can come from outside (a user's name, a mounted share).
    """
    ws = tmp_path / "o'brien's \"shared\" folder" / "county lines ws"
    handed = tmp_path / "it's handed over"
    for step in (("init", "-w", ws), ("agency", "allow-sender", "test-hub", "--for-bundle", sim.out / "bundle", "-w", ws),
                 ("import", sim.out / "bundle", "--as-agency", "test-hub", "-w", ws), ("build", "-w", ws),
                 ("export", "-w", ws), ("export", handed, "-w", ws), ("status", "-w", ws)):
        done = crossline(*step, cwd=tmp_path, umask=0o022)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-3000:])
    assert "comms" in done.stdout and "events over" in done.stdout
    lines = pl.read_csv(ws / "exports" / "lines.csv")
    assert lines.height > 0, "the lines stage read the comms lake through the quoted paths"
    assert pl.read_csv(handed / "risk.csv").height > 0
    pack = crossline("ddtro", lines["line_id"][0], "-w", ws, cwd=tmp_path, umask=0o022)
    assert pack.returncode == 0, pack.stderr
    assert list((ws / "packs").glob("*-ddtro.pdf"))
    verify = crossline("audit", "verify", "-w", ws, cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    written = {p.relative_to(ws).parts[0] for p in ws.rglob("*")}
    assert {"crossline.toml", "crossline.db", "lake", "picture", "exports", "packs"} <= written
    assert list((ws / "lake").rglob("*.parquet")) and list((ws / "picture").rglob("*.parquet"))
    assert loose(ws) == []
    assert loose(handed) == [] and list(handed.glob("*.csv"))


def test_init_import_export_owner_only_under_umask_002(tmp_path: Path, examples: Path) -> None:
    ws = tmp_path / "ws"
    for step in (("init", "-w", ws), ("agency", "allow-sender", "test-hub", "--for-bundle", examples / "good", "-w", ws),
                 ("import", examples / "good", "--as-agency", "test-hub", "-w", ws), ("export", "-w", ws), ("status", "-w", ws)):
        done = crossline(*step, cwd=tmp_path, umask=0o002)
        assert done.returncode == 0, (step, done.stderr[-3000:])
    assert (ws / "exports" / "quarantine.csv").exists()
    assert loose(ws) == []


def test_a_workspace_made_with_loose_modes_is_tightened_when_opened(tmp_path: Path, examples: Path) -> None:
    """A workspace from before this change (or copied with cp -r) stops being readable by others on the next open."""
    ws = tmp_path / "ws"
    assert crossline("init", "-w", ws, cwd=tmp_path).returncode == 0
    for path, mode in ((ws, 0o755), (ws / "crossline.toml", 0o644), (ws / "crossline.db", 0o664)):
        os.chmod(path, mode)
    assert crossline("status", "-w", ws, cwd=tmp_path).returncode == 0
    for path in (ws, ws / "crossline.toml", ws / "crossline.db"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_an_export_to_a_folder_the_user_named_keeps_that_folder_but_its_files_are_owner_only(tmp_path: Path, examples: Path) -> None:
    ws = tmp_path / "ws"
    shared = tmp_path / "team-share"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    assert crossline("init", "-w", ws, cwd=tmp_path).returncode == 0
    assert crossline("export", shared, "-w", ws, cwd=tmp_path, umask=0o022).returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755, "a folder Crossline did not make keeps its mode"
    assert [p.name for p in shared.iterdir() if p.stat().st_mode & 0o077] == []


def test_a_write_that_fails_leaves_neither_a_partial_file_nor_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "risk.csv"
    files.private_write(target, "old,complete\n")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("new,half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        files.write_with(target, half_then_fail)
    assert target.read_text() == "old,complete\n"
    assert [p.name for p in target.parent.iterdir()] == ["risk.csv"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("s3cret-not-real\n")
    os.chmod(secret, 0o640)
    with pytest.raises(ConfigurationError, match="mode 600"):
        files.require_owner_only(secret, "the database password file")
    os.chmod(secret, 0o600)
    files.require_owner_only(secret, "the database password file")


def test_opening_a_workspace_in_process_sets_the_umask(tmp_path: Path) -> None:
    from crossline.workspace import init_workspace

    old = os.umask(0o022)
    try:
        init_workspace(tmp_path / "ws").close()
        assert os.umask(0o022) == files.UMASK
        ws = open_workspace(tmp_path / "ws")
        ws.close()
        assert os.umask(0o022) == files.UMASK
    finally:
        os.umask(old)
