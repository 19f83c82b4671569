"""The command line as a user reads it: every read command as a process at 80 columns and piped, and two builds alike.

One workspace (the shared seed-1 scenario, imported and built once) serves the
whole module; the commands run as child processes, a few at a time, so the
module stays well under a minute on two cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace, open_workspace
from helpers import Sim, import_as_hub


@dataclass
class Built:
    ws: Path
    first: Path  # the exports of the first build, kept aside


@pytest.fixture(scope="module")
def built(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from crossline.service.build import build

    root = tmp_path_factory.mktemp("cliread")
    ws = init_workspace(root / "ws")
    try:
        import_as_hub(ws, sim.bundle)
        _, exported = build(ws, LOCAL_ADMIN)
        first = root / "first-exports"
        shutil.copytree(exported.directory, first)
    finally:
        ws.close()
    yield Built(ws=root / "ws", first=first)


def run(*args: str | Path, columns: int | None = 80) -> subprocess.CompletedProcess[str]:
    """One command as a user runs it, its output piped (and COLUMNS=80 unless None: a pipe's own default)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "crossline.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def test_two_builds_give_the_same_exports_byte_for_byte(built: Built) -> None:
    """A second build with another number of DuckDB threads (the order of parallel sums changes) writes identical files."""
    from crossline.service.build import build

    toml = built.ws / "crossline.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"(?m)^threads = \d+$", "threads = 7", text), encoding="utf-8")
    ws = open_workspace(built.ws)
    try:
        _, exported = build(ws, LOCAL_ADMIN)
    finally:
        ws.close()
        toml.write_text(text, encoding="utf-8")
    names = sorted(p.name for p in built.first.iterdir())
    assert names == sorted(p.name for p in exported.directory.iterdir())
    assert "nominals.csv" in names and "risk.csv" in names and "lines.csv" in names
    differ = [n for n in names if (built.first / n).read_bytes() != (exported.directory / n).read_bytes()]
    assert differ == [], f"exports differ between two builds of the same data: {differ}"
