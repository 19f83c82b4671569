"""The real importer takes simulated bundles whole: nothing quarantined, no warnings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crossline.sim import Scenario, simulate
from crossline.workspace import init_workspace
from helpers import import_as_hub


def test_scale_one_bundle_imports_with_zero_quarantine(sim, tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    result = import_as_hub(ws, sim.bundle)
    assert result.quarantined == 0 and result.warnings == 0
    accepted = {f.file: f.rows_read for f in result.feeds}
    assert accepted == sim.summary.rows


@pytest.mark.slow
def test_parquet_comms_import_too(tmp_path: Path) -> None:
    base = Scenario(seed=5, scale=0.2)
    sc = dataclasses.replace(base, comms=dataclasses.replace(base.comms, parquet_from_scale=0.0))
    summary = simulate(tmp_path / "out", scenario=sc)
    assert any(k.endswith(".parquet") for k in summary.rows)
    ws = init_workspace(tmp_path / "ws")
    result = import_as_hub(ws, summary.bundle)
    assert result.quarantined == 0 and result.warnings == 0
