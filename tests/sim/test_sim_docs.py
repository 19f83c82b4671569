"""docs/simulator.md documents every parameter, noise kind and truth file the code has."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from crossline.sim import Scenario
from crossline.sim.noise import NOISE_KINDS
from crossline.sim.truth import TRUTH_FILES

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def test_every_parameter_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    sc = Scenario()
    missing = []
    for group in dataclasses.fields(sc):
        value = getattr(sc, group.name)
        if dataclasses.is_dataclass(value):
            assert type(value).__name__ in text
            missing += [f.name for f in dataclasses.fields(value) if f"`{f.name}`" not in text]
    assert not missing


def test_every_noise_kind_and_truth_file_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{k}`" in text for k in NOISE_KINDS)
    assert all(f"`{name}`" in text for name in TRUTH_FILES)
    assert "SCALE_TABLE" not in text  # the measured table is filled in
