"""The shared scale-1 scenario plus the hand-written cases, imported and resolved once for the resolve tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace
from helpers import Sim
from resolve_cases import write_cases
from resolve_support import Resolved, use_settings


@pytest.fixture(scope="session")
def resolved(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resolved]:
    from crossline.service.build import build
    from helpers import import_as_hub

    root = tmp_path_factory.mktemp("resolve")
    ws = init_workspace(root / "ws")
    import_as_hub(ws, sim.bundle)
    import_as_hub(ws, write_cases(root / "cases"))
    ws = use_settings(ws, save_model="model.json")
    _, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
    yield Resolved(ws=ws, sim=sim.out, model=ws.path / "model.json", exports=exported.directory)
    ws.close()
