"""A workspace its user cannot write still answers ``status`` and ``audit verify``.

A restored backup, an auditor's copy or a read-only mount must be checkable without write access: before, opening
one failed while migrating (SQLite wanted its -shm file and the writer lock). The commands run in a child process
after ``chmod -R a-w``, as the workspace's owner without the power to ignore file modes: as root the child drops
the DAC-override capabilities (setpriv), as anyone else it is an ordinary process that the modes already bind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_run import crossline
from crossline.errors import ConfigurationError

# Without these, root reads and writes whatever the modes say.
DROP = "-dac_override,-dac_read_search,-fowner"


def _modes_bind() -> list[str]:
    """The prefix that makes the child obey file modes."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): a child would ignore the read-only modes")
    return [setpriv, "--bounding-set", DROP, "--inh-caps", "-all", "--"]


@pytest.fixture
def frozen(tmp_path: Path, examples: Path) -> Iterator[Path]:
    """A workspace with an import and audited reads, made read-only (chmod -R a-w); writable again afterwards for clean-up."""
    ws = tmp_path / "ws"
    for step in (("init", "-w", ws), ("agency", "allow-sender", "test-hub", "--for-bundle", examples / "good", "-w", ws),
                 ("import", examples / "good", "--as-agency", "test-hub", "-w", ws), ("person", "gwent-police", "P1", "-w", ws)):
        done = crossline(*step, cwd=tmp_path)
        assert done.returncode == 0, (step, done.stderr)
    modes = {}
    for here, dirs, files in os.walk(ws):
        for name in [".", *dirs, *files]:
            p = Path(here) / name
            modes[p] = os.stat(p).st_mode
            os.chmod(p, modes[p] & ~0o222)
    yield ws
    for p, mode in modes.items():
        os.chmod(p, mode)


def _run(ws: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [*_modes_bind(), sys.executable, "-m", "crossline.cli", *args, "-w", str(ws)], cwd=ws.parent, capture_output=True,
        text=True, timeout=300, env={**os.environ, "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return done.returncode, done.stdout, done.stderr


def test_the_modes_really_bind_the_child(frozen: Path) -> None:
    """Without this, every other test here could pass for a process that simply ignores the modes."""
    probe = subprocess.run([*_modes_bind(), sys.executable, "-c", f"open({str(frozen / 'probe')!r}, 'w')"], capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr


def test_status_answers_on_a_read_only_workspace(frozen: Path) -> None:
    before = sorted(p.name for p in frozen.iterdir())
    code, out, err = _run(frozen, "status")
    assert code == 0, err
    assert "example-good" in out and "Audit log:" in out
    assert sorted(p.name for p in frozen.iterdir()) == before, "reading wrote nothing into the workspace"


def test_audit_verify_answers_on_a_read_only_workspace(frozen: Path) -> None:
    code, out, err = _run(frozen, "audit", "verify")
    assert code == 0, err
    assert "intact" in out and "Traceback" not in err


def test_an_import_into_a_read_only_workspace_is_one_clear_line(frozen: Path, examples: Path) -> None:
    code, _out, err = _run(frozen, "import", str(examples / "good"), "--as-agency", "gwent-police")
    assert code == ConfigurationError.exit_code, err
    assert "read-only" in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_audit_log_answers_on_a_read_only_workspace_and_says_the_read_was_not_recorded(frozen: Path) -> None:
    """Like verification, reading the log cannot be recorded there: the entries are shown, and one line says so."""
    code, out, err = _run(frozen, "audit", "log", "--format", "json")
    assert code == 0, err
    entries = json.loads(out)
    assert any(e["action"] == "read_person" for e in entries), "the entries written before the workspace was frozen"
    assert "could not be recorded in the audit log" in err and "read-only" in err and len(err.strip().splitlines()) == 1
    code, out, err = _run(frozen, "audit", "verify")
    assert len(entries) < 50, "every entry fits the default --limit"
    assert code == 0 and f"intact: {len(entries):,} entries" in out, "the read added nothing to the log"
