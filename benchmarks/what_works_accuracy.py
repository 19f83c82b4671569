"""What works against known effects: the simulator's long period over several seeds, and an independent scenario.

Issue 19's targets: the truth inside the 95% interval in at least 90% of
estimates, and no estimate that calls a helpful programme harmful (a
programme whose true rate ratio is below 1 with an interval wholly above 1).

Simulator: for each of ``--seeds``, simulate ``--months`` (14: 1 June 2026 to
31 July 2027, so 3, 6 and 12 months are assessable) at ``--scale`` (10:
programmes are too small at scale 1), import, run the lines and risk stages on
truth nominals (isolating the evaluation from resolution errors), then
evaluate. Prepared workspaces are kept under ``--root`` and reused, since
simulating and building takes most of the time. For every estimated
programme and horizon (all harm indicators) it prints the doubly robust
estimate with its interval (the headline, evaluate/robust.py) beside the
same run's baseline: the ratio of means on the matched sample and the older
regression adjustment, each with whether the truth is inside, and per seed
the coverage and the wrong-way count of each.

Independent scenario (``--independent``): ``tests/independent_world.py``, a
generator that shares no code with ``crossline.sim``: need rises and falls
over time, referral follows the recent trend of need, programmes of known
effect. The same targets, over ``--independent-seeds``.

Run it under the shared lock:

    flock /tmp/crossline-bench.lock .venv/bin/python benchmarks/what_works_accuracy.py --seeds 1 2 3
    flock /tmp/crossline-bench.lock .venv/bin/python benchmarks/what_works_accuracy.py --seeds --independent-seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.truth import build_risk_with, truth_lines_tables, truth_nominals
from crossline.service.imports import import_bundle
from crossline.sim import Scenario, simulate
from crossline.stages import registry
from crossline.workspace import Workspace, init_workspace, open_workspace

HORIZONS = ("3 months", "6 months", "12 months", "to the end of the data")


def prepare(seed: int, scale: float, months: int, root: Path) -> tuple[Workspace, Path, float]:
    """A workspace with the seed's records imported and the risk stage run on truth nominals (reused when already made)."""
    started = time.monotonic()
    out = root / f"seed{seed}-scale{scale:g}-months{months}"
    done = out / "prepared"
    if done.exists():
        return open_workspace(out / "ws"), out / "truth", 0.0
    if out.exists():
        import shutil

        shutil.rmtree(out)
    simulate(out, scenario=Scenario(seed=seed, scale=scale).with_months(months))
    ws = init_workspace(out / "ws")
    import_bundle(ws, LOCAL_ADMIN, out / "bundle")
    stages = registry.stage_names()
    only = tuple(s for s in ("lines", "risk") if s in stages)
    build_risk_with(ws, LOCAL_ADMIN, {"nominals": truth_nominals(out / "truth")}, only=only)
    done.write_text("ok\n")
    return ws, out / "truth", time.monotonic() - started


def _prepare_only() -> None:
    root, scale, months = Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    for seed in sys.argv[5:]:
        ws, _, s = prepare(int(seed), scale, months, root)
        ws.close()
        print(f"seed {seed} prepared in {s:.0f} s", flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--prepare-only"]:
    _prepare_only()
