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
    flock /tmp/crossline-bench.lock .venv/bin/python benchmarks/what_works_accuracy.py --seeds --independent-seeds 1 2 3 4 5 6
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.effects import EvaluationData, WhatWorks, evaluate, workspace_data
from crossline.evaluate.truth import build_risk_with, truth_nominals
from crossline.service.agencies import allow_sender_for_bundle
from crossline.service.imports import import_bundle
from crossline.sim import Scenario, simulate
from crossline.stages import registry
from crossline.workspace import Workspace, init_workspace, open_workspace

HUB = "benchmark-hub"  # the simulated bundle is one hub's, sent for every partner
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
    allow_sender_for_bundle(ws, LOCAL_ADMIN, HUB, out / "bundle")
    import_bundle(ws, LOCAL_ADMIN, out / "bundle", as_agency=HUB)
    stages = registry.stage_names()
    only = tuple(s for s in ("lines", "risk") if s in stages)
    build_risk_with(ws, LOCAL_ADMIN, {"nominals": truth_nominals(out / "truth")}, only=only)
    done.write_text("ok\n")
    return ws, out / "truth", time.monotonic() - started


def scored(results: WhatWorks, true: dict[str, float]) -> list[dict]:
    """One row per estimated programme and horizon (all harm indicators): the headline and the baselines against the truth."""
    rows = []
    for p in results.programmes:
        if p.status != "estimated":
            rows.append({"programme": p.programme, "horizon": "all", "status": "refused", "reason": p.reason})
            continue
        for h in HORIZONS:
            e = p.estimate("harm_indicators", h)
            if e is None or e.status != "estimated" or e.headline() is None:
                rows.append({"programme": p.programme, "horizon": h, "status": e.status if e else "missing", "reason": e.reason if e else ""})
                continue
            head = e.headline()
            assert head is not None
            t = true[p.programme]
            rows.append({
                "programme": p.programme, "horizon": h, "status": "estimated", "n": e.n_treated, "true": t, "method": head[0],
                "dr": (head[1], head[2], head[3]), "rom": (e.ratio, e.ratio_low, e.ratio_high), "adj": (e.adjusted_ratio, e.adjusted_low, e.adjusted_high),
            })
    return rows


def _inside(est: tuple, true: float) -> bool:
    return est[1] is not None and est[2] is not None and est[1] <= true <= est[2]


def _wrong_way(est: tuple, true: float) -> bool:
    """A helpful programme called harmful (interval wholly above 1), or a harmful one called helpful."""
    if est[1] is None or est[2] is None:
        return False
    return (true < 1 and est[1] > 1) or (true > 1 and est[2] < 1)


def _fmt(est: tuple) -> str:
    return "-" if est[0] is None else f"{est[0]:.2f} ({est[1]:.2f} to {est[2]:.2f})" if est[1] is not None else f"{est[0]:.2f} (no interval)"


def report(label: str, rows: list[dict]) -> dict:
    est = [r for r in rows if r["status"] == "estimated"]
    print(f"\n### {label}\n")
    print("| programme | horizon | n | true | doubly robust (95% interval) | inside | ratio of means (baseline) | inside | adjusted (baseline) | in |")
    print("| --- | --- | ---: | ---: | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r["status"] != "estimated":
            print(f"| {r['programme']} | {r['horizon']} | - | - | {r['status']}: {r['reason'][:90]} | | | | | |")
            continue
        marks = ["yes" if _inside(r[k], r["true"]) else "**no**" for k in ("dr", "rom", "adj")]
        print(f"| {r['programme']} | {r['horizon']} | {r['n']} | {r['true']} | {_fmt(r['dr'])} | {marks[0]} | {_fmt(r['rom'])} | {marks[1]} "
              f"| {_fmt(r['adj'])} | {marks[2]} |")
    out = {}
    for k, name in (("dr", "doubly robust"), ("rom", "ratio of means"), ("adj", "adjusted")):
        inside = sum(_inside(r[k], r["true"]) for r in est if r[k][0] is not None)
        n = sum(r[k][0] is not None for r in est)
        wrong = sum(_wrong_way(r[k], r["true"]) for r in est if r[k][0] is not None)
        out[k] = (inside, n, wrong)
        print(f"\n{label}, {name}: truth inside the 95% interval in {inside} of {n}; wrong way {wrong}", end="")
    print()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--months", type=int, default=14)
    ap.add_argument("--root", type=Path, default=Path("/tmp/crossline-what-works-bench"))
    ap.add_argument("--independent-seeds", type=int, nargs="*", default=[])
    ap.add_argument("--independent-n", type=int, default=5000)
    ap.add_argument("--bootstrap", type=int, default=0, help="Bootstrap resamples (0: the workspace's [risk] what_works_bootstrap).")
    args = ap.parse_args()
    totals: dict[str, list[int]] = {}

    def add(label: str, out: dict) -> None:
        for k, (inside, n, wrong) in out.items():
            t = totals.setdefault(f"{label} {k}", [0, 0, 0])
            t[0] += inside
            t[1] += n
            t[2] += wrong

    for seed in args.seeds:
        ws, truth, prep = prepare(seed, args.scale, args.months, args.root)
        try:
            started = time.monotonic()
            rs = ws.settings.risk if not args.bootstrap else ws.settings.risk.model_copy(update={"what_works_bootstrap": args.bootstrap})
            results = evaluate(workspace_data(ws), rs, ws.settings.evaluate)
            took = time.monotonic() - started
        finally:
            ws.close()
        true = dict(pl.read_csv(truth / "intervention_effects.csv").select("programme", "true_rate_ratio").iter_rows())
        add("simulator", report(f"simulator seed {seed} (scale {args.scale:g}, {args.months} months; prepared in {prep:.0f} s, "
                                f"evaluated in {took:.0f} s)", scored(results, true)))
    if args.independent_seeds:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from crossline.settings.risk import RiskSettings
        from independent_world import independent_world

        for seed in args.independent_seeds:
            data: EvaluationData
            data, true = independent_world(seed, n=args.independent_n)
            started = time.monotonic()
            results = evaluate(data, RiskSettings(what_works_bootstrap=args.bootstrap or 1000))
            took = time.monotonic() - started
            add("independent", report(f"independent scenario seed {seed} ({args.independent_n} young people, evaluated in {took:.0f} s)",
                                      scored(results, true)))
    print("\n## Totals (targets: inside in at least 90%, wrong way 0)\n")
    for key, (inside, n, wrong) in totals.items():
        print(f"- {key}: inside {inside} of {n} ({100 * inside / max(n, 1):.0f}%), wrong way {wrong}")
    return 0


def _prepare_only() -> None:
    root, scale, months = Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    for seed in sys.argv[5:]:
        ws, _, s = prepare(int(seed), scale, months, root)
        ws.close()
        print(f"seed {seed} prepared in {s:.0f} s", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare-only"]:
        _prepare_only()
    else:
        sys.exit(main())
