"""Shared fixtures: real workspaces on a real SQLite file and, when it answers, a real PostgreSQL."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from crossline.sim import simulate
from crossline.workspace import Workspace, init_workspace
from helpers import Sim, fingerprint

EXAMPLES = Path(__file__).resolve().parent / "contract-examples"
# Tests never assert on wall time (benchmarks/ measures speed): Hypothesis's 200 ms per example failed a property
# test once on a loaded 2-core machine (453 ms for its first call, 2 ms for the same input again).
settings.register_profile("crossline", deadline=None)
settings.load_profile("crossline")

PG_ADMIN_URL = os.environ.get("CROSSLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer ({type(exc).__name__}: {str(exc).strip()[:120]})"


PG_PROBLEM = _pg_problem()


def pytest_report_header(config: pytest.Config) -> str:
    return "PostgreSQL: " + ("available, store tests run on SQLite and PostgreSQL" if PG_PROBLEM is None else f"SKIPPED: {PG_PROBLEM}")


@pytest.fixture(scope="session")
def examples() -> Path:
    """The contract's conformance bundles, from the project's own copy so that a plain clone runs every test.

    tests/test_contract_examples.py checks the copy against shared/contract-examples when that sits beside the checkout.
    """
    return EXAMPLES


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """The seed-1, scale-1 scenario, simulated once for the whole session (the sim, lines, resolve and risk tests read it).

    Its folder is read-only by convention: a fixture that needs a workspace makes its own and imports the
    bundle from here. A test that wrote into it would change what every later test reads, so the session
    ends in an error if any file in it changed.
    """
    out = tmp_path_factory.mktemp("sim-seed1")
    summary = simulate(out, seed=1, scale=1.0)
    manifest = tomllib.loads((out / "bundle" / "manifest.toml").read_text(encoding="utf-8"))
    before = fingerprint(out)
    yield Sim(out=out, summary=summary, manifest=manifest)
    assert fingerprint(out) == before, f"a test wrote into the shared scenario at {out}: copy what you change elsewhere"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if PG_PROBLEM:
        pytest.skip(PG_PROBLEM)
    import psycopg

    name = f"crossline_t_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("pg_url")


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path / "ws", database_url)
    yield ws
    ws.close()
