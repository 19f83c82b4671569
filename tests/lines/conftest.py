"""The shared scale-1 scenario, imported and built once, for the lines tests that need realistic data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace
from helpers import Sim
from lines_comms import Built


@pytest.fixture(scope="session")
def built(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from crossline.service.build import build
    from helpers import import_as_hub

    ws = init_workspace(tmp_path_factory.mktemp("lines") / "ws")
    import_as_hub(ws, sim.bundle)
    _, exported = build(ws, LOCAL_ADMIN, only=["lines"])
    yield Built(ws=ws, sim=sim.out, exports=exported.directory)
    ws.close()
