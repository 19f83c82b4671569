"""The command line as a user runs it: real processes, real files, exit codes and messages."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl

from crossline.errors import ConfigurationError, IntegrityError, InvalidInput, NotFound
from helpers import TEST_HUB, declared_agencies, write_bundle


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossline.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def run_import(bundle: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Import as the test hub, first allowed (by the local administrator) to send for every agency the bundle declares."""
    fors = [arg for a in declared_agencies(bundle) for arg in ("--for", a)]
    assert run("agency", "allow-sender", TEST_HUB, *fors, *extra, cwd=cwd).returncode == 0
    return run("import", str(bundle), "--as-agency", TEST_HUB, *extra, cwd=cwd)


def test_init_import_status_export_verify(tmp_path: Path, examples: Path) -> None:
    assert run("init", cwd=tmp_path).returncode == 0
    ws = tmp_path / "crossline-workspace"
    assert {p.name for p in ws.iterdir()} >= {"crossline.toml", "crossline.db", "lake", "exports"}
    imported = run_import(examples / "bad", tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "\n persons " in imported.stdout and "11 row(s) quarantined" in imported.stdout
    status = run("status", cwd=tmp_path)
    assert "example-bad" in status.stdout and "11 rejected row(s), 5 warning(s)" in status.stdout
    exported = run("export", str(tmp_path / "out"), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / "quarantine.csv", encoding="utf-8")))
    assert len(rows) == 16 and set(rows[0]) == {"bundle", "file", "line", "column", "value", "reason", "severity"}
    assert pl.read_parquet(tmp_path / "out" / "quarantine.parquet").height == 16
    assert run("audit", "verify", cwd=tmp_path).returncode == 0


def test_workspace_from_the_environment(tmp_path: Path) -> None:
    env = {"CROSSLINE_WORKSPACE": str(tmp_path / "elsewhere")}
    assert run("init", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "elsewhere" / "crossline.toml").exists()
    assert run("status", cwd=tmp_path, env=env).returncode == 0


def test_audit_verify_fails_after_a_hand_edit(tmp_path: Path, examples: Path) -> None:
    run("init", cwd=tmp_path)
    run_import(examples / "good", tmp_path)
    run("person", "gwent-police", "P1", cwd=tmp_path)
    db = sqlite3.connect(tmp_path / "crossline-workspace" / "crossline.db")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET user = 'nobody' WHERE seq = 2")
    db.commit()
    db.close()
    verify = run("audit", "verify", cwd=tmp_path)
    assert verify.returncode == IntegrityError.exit_code
    assert "BROKEN" in verify.stderr and "entry 2 was edited" in verify.stderr


def test_errors_say_what_to_do_next(tmp_path: Path) -> None:
    missing = run("status", "--workspace", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == ConfigurationError.exit_code and "crossline init" in missing.stderr
    run("init", cwd=tmp_path)
    bundle = write_bundle(tmp_path / "b", {"e.csv": ("events", "gp", "record_id,occurred_at\nE1,2026-10-01\n")})
    failed = run_import(bundle, tmp_path)
    assert failed.returncode == InvalidInput.exit_code
    assert "nothing was written" in failed.stderr and "e.csv" in failed.stderr and "event_type" in failed.stderr
    assert "Traceback" not in failed.stderr
    unknown = run("person", "gp", "X1", cwd=tmp_path)
    assert unknown.returncode == NotFound.exit_code and "crossline status" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    demo = run("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Demo finished" in demo.stdout and "Audit log: intact" in demo.stdout
    assert "Quarantine: 0 rejected rows, 0 warnings." in demo.stdout
    assert (tmp_path / "demo" / "workspace" / "exports" / "quarantine.csv").exists()
    assert (tmp_path / "demo" / "scenario" / "truth").is_dir()
    assert "deal lines on" in demo.stdout and "nominals (people) resolved" in demo.stdout
    assert (tmp_path / "demo" / "workspace" / "exports" / "nominals.csv").exists()
    assert "How good was it?" in demo.stdout and "Deal lines found:" in demo.stdout and "pairwise F1" in demo.stdout
    assert "Exploited young people scored high or very high:" in demo.stdout and "Number changes followed:" in demo.stdout
    # the default scenario is large enough for what works to estimate a programme (issue 14 item 9)
    assert "4. What works" in demo.stdout and "harm rate ratio" in demo.stdout
    estimated = re.search(r"What works: (\d+) of (\d+) programme", demo.stdout)
    assert estimated is not None and int(estimated.group(1)) >= 1, demo.stdout[-3000:]
    assert (tmp_path / "demo" / "workspace" / "reports" / "what-works.html").exists()


def test_simulate_refuses_a_period_too_short_for_follow_up(tmp_path: Path) -> None:
    out = run("simulate", str(tmp_path / "sim"), "--months", "4", cwd=tmp_path)
    assert out.returncode == InvalidInput.exit_code
    assert "give --months from 5 to 36" in out.stderr and not (tmp_path / "sim").exists()
