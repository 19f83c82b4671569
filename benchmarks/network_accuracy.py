"""How well the network stage finds the simulator's organised crime groups and their roles, over several seeds.

For each seed: simulate, import, publish the truth's nominals and lines (so the
network stage is measured apart from resolve's and lines' errors; ``--pipeline``
runs resolve and lines instead), run risk and network, and compare
``ocg_members`` with ``truth/ocg_members.csv``:

- completeness: for each true group, the largest share of its members placed
  together in one predicted group;
- purity: the share of that predicted group's members who belong to the true group;
- controllers: true controllers labelled controller in a group; runners: true
  runners labelled runner; occupants: cuckooed residents labelled occupant;
  false_runners: the share of people labelled runner who are not true runners;
- with ``--pipeline``, the lines stage's ``runners`` table against the numbers
  the truth's runners work from: runner_numbers_found (share of those numbers
  in the table) and runner_numbers_false (share of the table that is none).

A true group is its members in ``truth/ocg_members.csv`` and the residents of
the addresses its lines cuckooed (``truth/cuckooed.csv``): the issue counts a
cuckooed address's occupant as one of the group's roles, so a predicted
occupant is no impurity. The scores against ``ocg_members.csv`` alone (how the
first version of this benchmark scored) are printed beside them as "old".

Targets (issue 15): completeness and purity at least 0.9, controllers and runners at least 0.8.

    flock /tmp/crossline-bench.lock python benchmarks/network_accuracy.py --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.truth import build_risk_with, truth_lines_tables, truth_nominals
from crossline.service.agencies import allow_sender_for_bundle
from crossline.service.imports import import_bundle
from crossline.sim import simulate
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace

HUB = "benchmark-hub"  # the simulated bundle is one hub's, sent for every partner it declares


OLD_KEYS = ("completeness", "purity", "controllers", "runners")


def truth_members(truth_dir: Path) -> pl.DataFrame:
    """The true groups: ocg_members.csv, plus each cuckooed resident as an occupant of the group whose line took the address over."""
    members = pl.read_csv(truth_dir / "ocg_members.csv", infer_schema_length=0)
    lines = pl.read_csv(truth_dir / "lines.csv", infer_schema_length=0).select("line_id", "ocg_id")
    cuckooed = pl.read_csv(truth_dir / "cuckooed.csv", infer_schema_length=0)
    occupants = cuckooed.join(lines, on="line_id").select(
        "ocg_id", pl.col("resident_person_id").alias("person_id"), pl.lit("occupant").alias("role"), "line_id")
    return pl.concat([members.select("ocg_id", "person_id", "role", "line_id"), occupants]).unique(["ocg_id", "person_id"], keep="first")


def score(members: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    pred = members.with_columns(pl.col("nominal_id").str.strip_prefix("T-").alias("person_id"))
    comp, pur = [], []
    for _, grp in truth.group_by("ocg_id"):
        people = set(grp["person_id"].to_list())
        best = (0, None)
        for (pid,), pg in pred.group_by("ocg_id"):
            hit = len(people & set(pg["person_id"].to_list()))
            if hit > best[0]:
                best = (hit, pid)
        comp.append(best[0] / len(people))
        if best[1] is not None:
            pg = set(pred.filter(pl.col("ocg_id") == best[1])["person_id"].to_list())
            pur.append(len(pg & people) / len(pg))
        else:
            pur.append(0.0)
    def share(role: str) -> float:
        want = set(truth.filter(pl.col("role") == role)["person_id"].to_list())
        got = set(pred.filter(pl.col("role") == role)["person_id"].to_list())
        return len(want & got) / len(want) if want else 1.0
    true_runners = set(truth.filter(pl.col("role") == "runner")["person_id"].to_list())
    called_runner = set(pred.filter(pl.col("role") == "runner")["person_id"].to_list())
    false_runners = len(called_runner - true_runners) / len(called_runner) if called_runner else 0.0
    return {"completeness": sum(comp) / len(comp), "purity": sum(pur) / len(pur), "controllers": share("controller"),
            "runners": share("runner"), "false_runners": false_runners,
            "holders": share("holder"), "occupants": share("occupant"), "groups_true": truth["ocg_id"].n_unique(),
            "groups_found": pred["ocg_id"].n_unique()}


def runner_numbers(ws: Workspace, truth_dir: Path) -> dict[str, float]:
    """The lines stage's runners table against the numbers the truth's runners work from (a burner if they have one)."""
    phones = pl.read_csv(truth_dir / "phones.csv", infer_schema_length=0)
    members = pl.read_csv(truth_dir / "ocg_members.csv", infer_schema_length=0).filter(pl.col("role") == "runner")
    work = (members.join(phones, on="person_id").with_columns((pl.col("kind") != "burner").alias("own"))
            .sort("own").unique(["person_id", "line_id"], keep="first"))
    runners = picture_store.read_table(ws.engine, ws.path, "runners")
    assert runners is not None
    want, got = set(work["number"].to_list()), set(runners["number"].to_list())
    return {"runner_numbers_found": len(want & got) / len(want) if want else 1.0,
            "runner_numbers_false": len(got - want) / len(got) if got else 0.0}


def run_seed(seed: int, scale: float, root: Path, pipeline: bool) -> dict[str, float]:
    out = root / f"s{seed}"
    simulate(out, seed=seed, scale=scale)
    ws = init_workspace(out / "ws")
    try:
        allow_sender_for_bundle(ws, LOCAL_ADMIN, HUB, out / "bundle")
        import_bundle(ws, LOCAL_ADMIN, out / "bundle", as_agency=HUB)
        truth_dir = out / "truth"
        if pipeline:
            from crossline.service.build import build
            build(ws, LOCAL_ADMIN)
        else:
            build_risk_with(ws, LOCAL_ADMIN, {"nominals": truth_nominals(truth_dir), **truth_lines_tables(truth_dir)}, only=("risk", "network"))
        members = picture_store.read_table(ws.engine, ws.path, "ocg_members")
        assert members is not None
        truth = truth_members(truth_dir)
        old_truth = pl.read_csv(truth_dir / "ocg_members.csv", infer_schema_length=0)
        if pipeline:  # map nominals to true people through their records
            pr = pl.read_csv(truth_dir / "person_records.csv", infer_schema_length=0).select("source", "record_id", "person_id")
            nominals = picture_store.read_table(ws.engine, ws.path, "nominals")
            assert nominals is not None
            who = nominals.join(pr, on=["source", "record_id"]).group_by("nominal_id").agg(pl.col("person_id").mode().first())
            members = members.join(who, on="nominal_id", how="left").with_columns(pl.coalesce("person_id", "nominal_id").alias("nominal_id"))
        extra = runner_numbers(ws, truth_dir) if pipeline else {}
        return {**score(members, truth), **extra, **{f"old_{k}": v for k, v in score(members, old_truth).items() if k in OLD_KEYS}}
    finally:
        ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--pipeline", action="store_true", help="resolve and lines as built, not the truth's")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            results[seed] = run_seed(seed, args.scale, Path(tmp), args.pipeline)
            if not args.json:
                print(f"seed {seed}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in results[seed].items()), flush=True)
    keys = ("completeness", "purity", "controllers", "runners", "false_runners", "holders", "occupants",
            *(("runner_numbers_found", "runner_numbers_false") if args.pipeline else ()), *(f"old_{k}" for k in OLD_KEYS))
    mean = {k: round(sum(r[k] for r in results.values()) / len(results), 3) for k in keys}
    summary = {"seeds": args.seeds, "scale": args.scale, "inputs": "pipeline" if args.pipeline else "truth nominals and lines",
               "mean": mean, "per_seed": results, "seconds": round(time.monotonic() - started, 1),
               "targets": {"completeness": 0.9, "purity": 0.9, "controllers": 0.8, "runners": 0.8}}
    if args.json:
        print(json.dumps(summary))
    else:
        print("mean: " + ", ".join(f"{k} {v:.3f}" for k, v in mean.items()) + f"  ({summary['inputs']}, {summary['seconds']} s)")


if __name__ == "__main__":
    main()
