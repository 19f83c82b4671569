"""engine = "spark": the same stage on Splink's Spark backend (local mode) gives the same nominals as DuckDB.

One SparkSession for the module. Both engines score with the model the
scenario build trained, so the comparison isolates the engines: blocking,
comparison SQL and scoring. (Training on Spark runs the same code; on one
machine it takes minutes even for a thousand records, so it is left to
docs/resolve.md's measured run rather than the test suite.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.service.build import build
from crossline.store import picture as picture_store
from crossline.workspace import init_workspace
from helpers import import_as_hub
from resolve_cases import write_cases
from resolve_support import Resolved, use_settings

JAVA = shutil.which("java")
pytestmark = pytest.mark.skipif(JAVA is None, reason="Spark local mode needs Java 17 (`java` is not on PATH)")


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from crossline.engine.spark import session

    scratch = Path(__import__("tempfile").mkdtemp(prefix="resolve-spark-"))
    started = session("local[2]", memory="2g", scratch=scratch)
    yield started
    started.stop()
    shutil.rmtree(scratch, ignore_errors=True)


def test_resolve_spark_gives_the_same_nominals(spark: object, resolved: Resolved, tmp_path: Path) -> None:
    results = {}
    for engine in ("duckdb", "spark"):
        ws = init_workspace(tmp_path / engine)
        import_as_hub(ws, write_cases(tmp_path / f"cases-{engine}"))
        # a slice of the scenario too, so there is more than the hand-written cases to block and score
        import_as_hub(ws, _persons_slice(resolved, tmp_path / f"slice-{engine}"))
        ws = use_settings(ws, model=str(resolved.model), engine=engine)
        build(ws, LOCAL_ADMIN, only=["resolve"])
        path = picture_store.current_table(ws.engine, ws.path, "nominals")
        assert path is not None
        results[engine] = pl.read_parquet(path).sort("source", "record_id")
        ws.close()
    duck, spark_nominals = results["duckdb"], results["spark"]
    assert duck.height == spark_nominals.height > 100
    assert duck["nominal_id"].to_list() == spark_nominals["nominal_id"].to_list()
    both = duck["match_probability"].fill_null(-1).to_numpy(), spark_nominals["match_probability"].fill_null(-1).to_numpy()
    assert both[0] == pytest.approx(both[1], abs=1e-9)
    assert duck["nominal_id"].n_unique() < duck.height  # something was linked


def _persons_slice(resolved: Resolved, root: Path) -> Path:
    """The health board's persons from the scenario (a few hundred records) as a bundle of their own."""
    source = resolved.sim / "bundle" / "health" / "persons.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    root.mkdir(parents=True)
    (root / "persons.csv").write_text("\n".join(lines[:401]) + "\n", encoding="utf-8")
    (root / "manifest.toml").write_text(
        'contract_version = 1\nbundle = "slice"\nproduced_at = "2026-11-21T09:00:00Z"\n'
        '[[agency]]\nid = "gwent-health-board"\nname = "Gwent Health Board"\ntype = "health"\n'
        '[[feed]]\nfile = "persons.csv"\nkind = "persons"\nsource = "gwent-health-board"\n',
        encoding="utf-8",
    )
    return root
