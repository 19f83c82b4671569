"""Exploitation risk against the simulator's truth, on several seeds; and what works against the true effects.

For each seed (scale 1 by default): simulate, import into a fresh workspace, then

  truth nominals   the risk stage on nominals built from the truth's person ids
                   (isolates scoring from resolution errors), with the lines stage
                   when it is installed (else contact with deal lines is "not assessed")
  pipeline         the whole build (resolve, lines, ..., risk) when the resolve
                   stage is installed: scores through real entity resolution

and report ROC AUC of the score for exploited against other young people and
precision at k (k = the number exploited). Targets (issue 6): AUC >= 0.9,
precision at k >= 0.7. Ablations on the truth-nominal run, scored from the same
records: without reading records' words (``read_record_text = false``) and
without the two indicators a professional raises (exploitation referral, NRM).
Then the fairness report (bands high and above, by sex and age group, seeds
pooled).

What works: at ``--what-works-scale`` (10 by default; programmes are too small
at scale 1) for each of ``--what-works-seeds``, each programme's rate ratio on
all harm indicators against matched comparisons, with its 95% interval,
against the programme's true rate ratio (truth/intervention_effects.csv).

    .venv/bin/python benchmarks/risk_accuracy.py
    .venv/bin/python benchmarks/risk_accuracy.py --seeds 1 2 3 --what-works-seeds 1 2 3
    .venv/bin/python benchmarks/risk_accuracy.py --seeds --what-works-seeds 1     # what works only
    .venv/bin/python benchmarks/risk_accuracy.py --calibrate      # band thresholds from seeds 101-105
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.build import registry
from crossline.build.risk import fairness
from crossline.build.risk.bands import calibrate
from crossline.build.risk.inputs import load_inputs
from crossline.build.risk.score import score, weigh
from crossline.build.risk.settings import risk_settings
from crossline.evaluate.accuracy import precision_at_k, roc_auc
from crossline.evaluate.truth import build_risk_with, person_scores, truth_nominals
from crossline.service.imports import import_bundle
from crossline.sim import simulate
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace

AUC_TARGET, PAK_TARGET = 0.9, 0.7


def current(ws: Workspace, name: str) -> pl.DataFrame:
    path = picture_store.current_table(ws.engine, ws.path, name)
    assert path is not None, name
    return pl.read_parquet(path)


def measure(truth: Path, nominals: pl.DataFrame, risk: pl.DataFrame) -> dict[str, float]:
    ps = person_scores(truth, nominals, risk)
    s, y = ps["score"].to_numpy(), ps["exploited"].to_numpy()
    return {"auc": roc_auc(s, y), "precision_at_k": precision_at_k(s, y), "k": int(y.sum()), "young_people": ps.height}


def prepared(seed: float, scale: float, root: Path) -> tuple[Workspace, Path, float]:
    started = time.monotonic()
    out = root / f"seed{seed}-scale{scale:g}"
    simulate(out, seed=int(seed), scale=scale)
    ws = init_workspace(out / "ws")
    import_bundle(ws, LOCAL_ADMIN, out / "bundle")
    return ws, out / "truth", time.monotonic() - started


def truth_run(ws: Workspace, truth: Path) -> tuple[pl.DataFrame, pl.DataFrame, float, bool]:
    """The risk stage on truth nominals (with the real lines stage when installed)."""
    stages = registry.stage_names()
    only = tuple(s for s in ("lines", "risk") if s in stages)
    nominals = truth_nominals(truth)
    started = time.monotonic()
    build_risk_with(ws, LOCAL_ADMIN, {"nominals": nominals}, only=only)
    return nominals, current(ws, "risk"), time.monotonic() - started, "lines" in stages


def ablations(ws: Workspace, nominals: pl.DataFrame, truth: Path) -> dict[str, dict[str, float]]:
    """Scores from the same records without reading words, and without professionals' concerns."""
    from crossline.build.risk.stage import compute  # imported late: importing a stage module registers it (registry order)

    rs = risk_settings(ws.settings)

    def query(sql: str) -> pl.DataFrame:
        from sqlalchemy import text

        with ws.engine.connect() as conn:
            cur = conn.execute(text(sql))
            return pl.DataFrame(cur.fetchall(), schema=list(cur.keys()), orient="row", infer_schema_length=None)

    out = {}
    no_text = dataclasses.replace(rs, read_record_text=False)
    inp = load_inputs(query, nominals.select("nominal_id", "source", "record_id"), no_text)
    risk, _ = compute(inp, no_text, None)
    out["without reading records' words (no lines)"] = measure(truth, nominals, risk)
    evidence = current(ws, "risk_evidence").filter(~pl.col("indicator").is_in(["concern_exploitation", "nrm_referral"]))
    scored = score(weigh(evidence.drop("group", "weight", "points", "police_only"), rs, inp.as_of), rs)
    full = current(ws, "risk").select("nominal_id").join(scored.select("nominal_id", "score"), on="nominal_id", how="left")
    out["without professionals' concerns (exploitation referral, NRM)"] = measure(
        truth, nominals, full.with_columns(pl.col("score").fill_null(0.0), pl.lit("low").alias("band")))
    return out


def pipeline_run(ws: Workspace, truth: Path) -> tuple[dict[str, float], float]:
    from crossline.service.build import build

    started = time.monotonic()
    build(ws, LOCAL_ADMIN)
    return measure(truth, current(ws, "nominals"), current(ws, "risk")), time.monotonic() - started


def what_works(seed: float, scale: float, root: Path) -> dict:
    from crossline.evaluate.effects import evaluate_workspace

    ws, truth, prep = prepared(seed, scale, root)
    try:
        nominals, _risk, build_s, _ = truth_run(ws, truth)
        started = time.monotonic()
        results = evaluate_workspace(ws)
        eval_s = time.monotonic() - started
        true = dict(pl.read_csv(truth / "intervention_effects.csv").select("programme", "true_rate_ratio").iter_rows())
        rows = []
        for p in results.programmes:
            e = p.estimate("harm_indicators", "to the end of the data")
            e3 = p.estimate("harm_indicators", "3 months")
            rows.append({
                "programme": p.programme, "status": p.status, "participants": p.participants, "matched": p.matched,
                "true": true.get(p.programme), "naive": p.naive_ratio, "reason": p.reason,
                "ratio": e.ratio if e else None, "low": e.ratio_low if e else None, "high": e.ratio_high if e else None,
                "ratio_3m": e3.ratio if e3 else None, "low_3m": e3.ratio_low if e3 else None, "high_3m": e3.ratio_high if e3 else None,
                "covered": (e is not None and e.ratio_low is not None and e.ratio_low <= true.get(p.programme, -1) <= e.ratio_high),
                "max_abs_smd_after": float(p.balance["smd_after"].abs().max()) if p.balance is not None else None,
            })
        return {"seed": seed, "scale": scale, "prepare_s": round(prep, 1), "build_s": round(build_s, 1), "evaluate_s": round(eval_s, 1),
                "notes": results.notes, "programmes": rows}
    finally:
        ws.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--what-works-seeds", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--what-works-scale", type=float, default=10.0)
    ap.add_argument("--calibrate", action="store_true", help="Print band thresholds calibrated on seeds 101-105 and stop.")
    ap.add_argument("--keep", type=Path, default=None, help="Keep the scenarios and workspaces in this folder.")
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures as JSON here.")
    args = ap.parse_args()
    registry.stage_names()  # load the stages in pipeline order before anything imports one of them
    if registry.stage_names().index("risk") != len(registry.stage_names()) - 1:
        raise SystemExit(f"the risk stage must run last; the registry has {registry.stage_names()}")
    root = args.keep or Path(tempfile.mkdtemp(prefix="risk-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    report: dict = {"stages": registry.stage_names(), "seeds": [], "what_works": []}
    try:
        if args.calibrate:
            scores, labels = [], []
            for seed in (101, 102, 103, 104, 105):
                ws, truth, _ = prepared(seed, args.scale, root)
                nominals, risk, _, _ = truth_run(ws, truth)
                ps = person_scores(truth, nominals, risk)
                scores.append(ps["score"].to_numpy())
                labels.append(ps["exploited"].to_numpy())
                ws.close()
            cal = calibrate(np.concatenate(scores), np.concatenate(labels))
            print(cal.describe())
            return 0
        pooled = []
        for seed in args.seeds:
            ws, truth, prep = prepared(seed, args.scale, root)
            nominals, risk, build_s, lines = truth_run(ws, truth)
            row = {"seed": seed, "scale": args.scale, "prepare_s": round(prep, 1), "risk_build_s": round(build_s, 1),
                   "lines_stage": lines, "truth_nominals": measure(truth, nominals, risk), "ablations": ablations(ws, nominals, truth)}
            ps = person_scores(truth, nominals, risk)
            pooled.append(ps.select("band", "exploited", "sex", "age"))
            if "resolve" in registry.stage_names():
                try:
                    row["pipeline"], row["pipeline_build_s"] = pipeline_run(ws, truth)
                except Exception as exc:  # noqa: BLE001 - another stage failing is a finding to report, not a crash
                    row["pipeline"] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            else:
                row["pipeline"] = "not run: the resolve stage is not installed yet"
            ws.close()
            report["seeds"].append(row)
            print(json.dumps(row, default=str))
        if pooled:
            report["fairness"] = fairness.report(pl.concat(pooled), "high").to_dicts()
        for seed in args.what_works_seeds:
            r = what_works(seed, args.what_works_scale, root)
            report["what_works"].append(r)
            print(json.dumps(r, default=str))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


def _print(report: dict) -> None:
    print("\n## Risk score against truth (stages installed: " + ", ".join(report["stages"]) + ")\n")
    print("| seed | run | young people | exploited (k) | ROC AUC | precision at k |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for row in report["seeds"]:
        runs = [("truth nominals" + (", lines stage" if row["lines_stage"] else ", lines not assessed"), row["truth_nominals"])]
        runs += [(f"ablation: {k}", v) for k, v in row["ablations"].items()]
        if isinstance(row["pipeline"], dict):
            runs.append(("whole pipeline (resolve ...)", row["pipeline"]))
        for name, m in runs:
            ok = "" if m["auc"] >= AUC_TARGET and m["precision_at_k"] >= PAK_TARGET else " (below target)"
            print(f"| {row['seed']} | {name}{ok} | {m['young_people']:,} | {m['k']} | {m['auc']:.4f} | {m['precision_at_k']:.3f} |")
        if not isinstance(row["pipeline"], dict):
            print(f"| {row['seed']} | whole pipeline | {row['pipeline']} | | | |")
    if "fairness" in report:
        print("\n## Fairness (seeds pooled)\n")
        print(fairness.to_markdown(pl.DataFrame(report["fairness"]), "high"))
    if report["what_works"]:
        print("\n## What works against true effects (all harm indicators, to the end of the data)\n")
        print("| seed | scale | programme | participants | matched | true rate ratio | estimate (95% interval) | inside | at 3 months | unmatched comparison | max abs SMD after |")
        print("| ---: | ---: | --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |")
        for r in report["what_works"]:
            for p in r["programmes"]:
                if p["status"] != "estimated":
                    print(f"| {r['seed']} | {r['scale']:g} | {p['programme']} | {p['participants']} | - | {p['true']} | refused: {p['reason']} | - | - | - | - |")
                    continue
                est = f"{p['ratio']:.2f} ({p['low']:.2f} to {p['high']:.2f})"
                m3 = f"{p['ratio_3m']:.2f} ({p['low_3m']:.2f} to {p['high_3m']:.2f})" if p["ratio_3m"] is not None else "-"
                print(f"| {r['seed']} | {r['scale']:g} | {p['programme']} | {p['participants']} | {p['matched']} | {p['true']} | {est} | "
                      f"{'yes' if p['covered'] else 'NO'} | {m3} | {p['naive']:.2f} | {p['max_abs_smd_after']:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
