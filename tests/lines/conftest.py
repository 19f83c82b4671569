"""One scale-1 scenario, imported and built once, shared by the lines tests that need realistic data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lines_comms import Built

from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from crossline.service.build import build
    from crossline.service.imports import import_bundle
    from crossline.sim import simulate

    root = tmp_path_factory.mktemp("lines-sim")
    simulate(root / "sim", seed=1, scale=1.0)
    ws = init_workspace(root / "ws")
    import_bundle(ws, LOCAL_ADMIN, root / "sim" / "bundle")
    _, exported = build(ws, LOCAL_ADMIN, only=["lines"])
    yield Built(ws=ws, sim=root / "sim", exports=exported.directory)
    ws.close()
