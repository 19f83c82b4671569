"""A workspace whose path has an apostrophe, spaces and double quotes works end to end.

Paths reach SQL as parameters or quoted by the engine's own function (crossline.engine.duck.quote): before that,
importing into ``/home/o'brien/crossline`` failed inside DuckDB with a syntax error, and a path is a place where
an apostrophe can come from outside (a user's name, a mounted share).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cli_run import crossline
from helpers import Sim


def test_init_import_build_export_and_pack_in_a_folder_with_an_apostrophe(tmp_path: Path, sim: Sim) -> None:
    ws = tmp_path / "o'brien's \"shared\" folder" / "county lines ws"
    steps = [
        ("init", "-w", ws),
        ("agency", "allow-sender", "test-hub", "--for-bundle", sim.out / "bundle", "-w", ws),
        ("import", sim.out / "bundle", "--as-agency", "test-hub", "-w", ws),
        ("build", "-w", ws),
        ("export", "-w", ws),
        ("export", tmp_path / "it's exported", "-w", ws),
        ("status", "-w", ws),
    ]
    for step in steps:
        done = crossline(*step, cwd=tmp_path)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-4000:])
    assert "comms" in done.stdout and "events over" in done.stdout
    lines = pl.read_csv(ws / "exports" / "lines.csv")
    assert lines.height > 0, "the lines stage read the comms lake through the quoted paths"
    assert pl.read_csv(tmp_path / "it's exported" / "risk.csv").height > 0
    pack = crossline("ddtro", lines["line_id"][0], "-w", ws, cwd=tmp_path)
    assert pack.returncode == 0, pack.stderr
    assert list((ws / "packs").glob("*-ddtro.pdf"))
    verify = crossline("audit", "verify", "-w", ws, cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
