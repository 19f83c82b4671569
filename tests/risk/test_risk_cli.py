"""The safeguarding commands as a user runs them: real processes on a real workspace."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from crossline.errors import NotFound
from crossline.workspace import init_workspace
from risk_fixtures import build_hand, hand_bundle


def run(*args: str, ws: Path) -> subprocess.CompletedProcess[str]:
    # as the `crossline` script runs it (``python -m crossline.cli`` builds a second app that command modules do not extend)
    entry = "import sys; from crossline.cli import main; sys.argv[0] = 'crossline'; main()"
    return subprocess.run([sys.executable, "-c", entry, *args, "--workspace", str(ws)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "250"})


def test_risk_refer_nrm_and_what_works_commands(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    build_hand(ws, hand_bundle(tmp_path / "bundle"))
    ws.close()
    listed = run("risk", "list", "--band", "high", ws=ws.path)
    assert listed.returncode == 0, listed.stderr
    assert "N-C40" in listed.stdout and "reported missing 3 times" in listed.stdout
    shown = run("risk", "show", "N-C40", ws=ws.path)
    assert shown.returncode == 0 and "SAFEGUARDING" in shown.stdout and "Records behind the reasons" in shown.stdout
    made = run("refer", "make", "N-C40", "--to", "gv-council", "--service", "mash", "--reason", "Missing three times.", ws=ws.path)
    assert made.returncode == 0, made.stderr
    ref = re.search(r"Referral (REF-[0-9a-f]+)", made.stdout).group(1)  # type: ignore[union-attr]
    assert run("refer", "accept", ref, "--reason", "MASH strategy meeting booked.", ws=ws.path).returncode == 0
    started = run("refer", "start", ref, "--date", "2026-10-01", "--programme", "family_support", ws=ws.path)
    assert started.returncode == 0 and "Intervention INT-" in started.stdout
    nrm = run("nrm", "record", "N-C40", "--summary", "Running drugs for a Merseyside line.", "--date", "2026-11-01", ws=ws.path)
    assert nrm.returncode == 0 and "NRM referral" in nrm.stdout and "flagged" in nrm.stdout
    bad = run("refer", "make", "N-C40", "--to", "nobody", "--service", "mash", "--reason", "x", ws=ws.path)
    assert bad.returncode == NotFound.exit_code and "unknown agency 'nobody'" in bad.stderr
    report = run("what-works", "--out", str(tmp_path / "ww.html"), ws=ws.path)
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "ww.html").read_text(encoding="utf-8")
    assert "No estimate." in html and "only 1 young person took part in family support" in html
