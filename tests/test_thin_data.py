"""A build on thin data never crashes: every stage runs, or says in one line why it has nothing to do.

Each case is a workspace holding one feed kind, each pair of kinds, or nothing
at all, cut from the good contract example.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.service.build import build
from crossline.stages import registry
from crossline.store import picture as picture_store
from crossline.workspace import init_workspace
from helpers import TEST_HUB, declared_agencies, import_as_hub

KINDS = ("persons", "events", "event_people", "links", "comms", "cell_sites")
CASES = [(), *((k,) for k in KINDS), *itertools.combinations(KINDS, 2)]


def _cut(examples: Path, kinds: tuple[str, ...], out: Path) -> Path:
    """The good example with only the feeds of ``kinds`` (and every agency, so sources stay known)."""
    good = examples / "good"
    manifest = (good / "manifest.toml").read_text(encoding="utf-8")
    head, *feeds = re.split(r"(?m)^(?=\[\[feed\]\])", manifest)
    kept = [f for f in feeds if tomllib.loads(f)["feed"][0]["kind"] in kinds]
    out.mkdir(parents=True)
    (out / "manifest.toml").write_text(head + "".join(kept), encoding="utf-8")
    for f in kept:
        file = tomllib.loads(f)["feed"][0]["file"]
        (out / file).parent.mkdir(parents=True, exist_ok=True)
        (out / file).write_bytes((good / file).read_bytes())
    return out


@pytest.mark.parametrize("kinds", CASES, ids=["empty" if not c else "+".join(c) for c in CASES])
def test_every_stage_runs_or_says_why_not(kinds: tuple[str, ...], examples: Path, tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    try:
        if kinds:
            import_as_hub(ws, _cut(examples, kinds, tmp_path / "bundle"))
        result, exported = build(ws, LOCAL_ADMIN)
        assert set(result.stages) == set(registry.stage_names())  # every stage ran
        for note in result.notes:
            assert "\n" not in note and len(note) < 200, note  # one line each
        folder = picture_store.version_dir(ws.path, result.version)
        for stage in registry.STAGES:
            for table in stage.outputs:
                assert (folder / f"{table}.parquet").exists(), (stage.name, table)  # an empty table, not a missing one
        for export in registry.exports():
            frame = pl.read_parquet(exported.directory / f"{export.file}.parquet")
            assert tuple(frame.columns) == export.columns
        said = " ".join(result.notes)
        if "persons" not in kinds:
            assert "no person records" in said
        if "comms" not in kinds:
            assert "no communications data" in said
    finally:
        ws.close()


def test_the_build_command_says_why_on_a_workspace_of_person_records_only(examples: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    bundle = _cut(examples, ("persons",), tmp_path / "bundle")
    cli = [sys.executable, "-m", "crossline.cli"]
    ws = ["--workspace", str(tmp_path / "ws")]
    fors = [arg for a in declared_agencies(bundle) for arg in ("--for", a)]
    for args in (["init", *ws], ["agency", "allow-sender", TEST_HUB, *fors, *ws], ["import", str(bundle), "--as-agency", TEST_HUB, *ws]):
        assert subprocess.run([*cli, *args], capture_output=True, text=True, timeout=300).returncode == 0
    built = subprocess.run([*cli, "build", *ws], capture_output=True, text=True, timeout=300, env={"COLUMNS": "200", **__import__("os").environ})
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    assert "lines: no communications data in the lake" in built.stdout
