"""The risk tests' fixtures; the hand bundle and the helpers that build it are in risk_fixtures.py (a unique module name:
several folders have a conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.truth import build_risk_with, truth_lines_tables, truth_nominals
from crossline.workspace import Workspace, init_workspace
from helpers import Sim, import_as_hub
from risk_fixtures import SimWorkspace, build_hand, hand_bundle


@pytest.fixture(scope="module")
def hand_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The hand bundle imported into a SQLite workspace, risk built with the lines fixture."""
    root = tmp_path_factory.mktemp("hand")
    ws = init_workspace(root / "ws")
    build_hand(ws, hand_bundle(root / "bundle"))
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def sim_ws(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimWorkspace]:
    """The shared scenario imported, with truth nominals and truth lines, risk built (SQLite).

    Nominals and lines come from the truth, not the resolve and lines stages, so risk is tested apart from their errors.
    """
    ws = init_workspace(tmp_path_factory.mktemp("risk") / "ws")
    import_as_hub(ws, sim.bundle)
    build_risk_with(ws, LOCAL_ADMIN, {"nominals": truth_nominals(sim.truth_dir), **truth_lines_tables(sim.truth_dir)})
    yield SimWorkspace(ws, sim.truth_dir)
    ws.close()
