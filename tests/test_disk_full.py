"""A full disk is one clear line and exit code 8, never a traceback, and never a half-written export that looks complete.

The disk is real: a tmpfs of a few hundred kilobytes mounted for the test (needs root; skipped otherwise, saying so).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_run import crossline
from crossline.errors import DiskFull, disk_full
from helpers import Sim


@pytest.fixture
def tiny_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={getattr(request, 'param', '400k')}", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _one_clear_line(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == DiskFull.exit_code, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) <= 2 and "disk is full" in done.stderr, done.stderr


@pytest.mark.parametrize("tiny_disk", ["3m"], indirect=True)
def test_importing_onto_a_full_disk_is_one_line_and_leaves_the_workspace_usable(tiny_disk: Path, sim: Sim) -> None:
    ws = tiny_disk / "ws"
    made = crossline("init", "-w", ws, cwd=tiny_disk.parent)
    assert made.returncode == 0, made.stderr
    allowed = crossline("agency", "allow-sender", "test-hub", "--for-bundle", sim.out / "bundle", "-w", ws, cwd=tiny_disk.parent)
    assert allowed.returncode == 0, allowed.stderr
    done = crossline("import", sim.out / "bundle", "--as-agency", "test-hub", "-w", ws, cwd=tiny_disk.parent)
    _one_clear_line(done)
    status = crossline("status", "-w", ws, cwd=tiny_disk.parent)
    if status.returncode == 0:
        assert "Bundles imported: 0" in status.stdout, "a failed import wrote nothing"
    else:
        _one_clear_line(status)


def test_an_export_onto_a_full_disk_leaves_no_file_that_looks_complete(tmp_path: Path, tiny_disk: Path, examples: Path) -> None:
    ws = tmp_path / "ws"
    assert crossline("init", "-w", ws, cwd=tmp_path).returncode == 0
    assert crossline("agency", "allow-sender", "test-hub", "--for-bundle", examples / "bad", "-w", ws, cwd=tmp_path).returncode == 0
    assert crossline("import", examples / "bad", "--as-agency", "test-hub", "-w", ws, cwd=tmp_path).returncode == 0
    out = tiny_disk / "exports"
    out.mkdir()
    fd = os.open(tiny_disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk to its last block
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    done = crossline("export", out, "-w", ws, cwd=tmp_path)
    _one_clear_line(done)
    left = [p.name for p in out.iterdir()] if out.exists() else []
    assert not [n for n in left if n.endswith((".csv", ".parquet"))], left


def test_every_store_s_way_of_saying_full_is_recognised() -> None:
    import sqlite3

    assert disk_full(OSError(28, "No space left on device", "/ws/lake/x.parquet")) is not None
    wrapped = RuntimeError("import failed")
    wrapped.__cause__ = sqlite3.OperationalError("database or disk is full")
    assert disk_full(wrapped) is not None
    assert disk_full(OSError(2, "No such file or directory")) is None
    assert disk_full(ValueError("a value")) is None


def test_a_workspace_that_does_not_fit_is_one_line_too(tiny_disk: Path) -> None:
    """400 kB is less than a new database needs: the migration's failure is reported as the full disk it is."""
    _one_clear_line(crossline("init", "-w", tiny_disk / "ws", cwd=tiny_disk.parent))
