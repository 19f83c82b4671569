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
against the programme's true rate ratio (truth/intervention_effects.csv), at
3, 6 and 12 months and to the end of the data: the matched estimate (ratio of
means) and the regression-adjusted one (evaluate/adjust.py), each with
whether the truth lies inside its interval, and a summary "inside the
interval in X of Y". ``--what-works-months`` lengthens the simulated period
(5, the default, is 1 June to 31 October 2026: only 3 months can be assessed;
14 gives most participants a year of follow-up).

The truth per horizon: the simulator multiplies a participant's rate of every
harm indicator by the programme's ratio from the start day to the end of the
period (not only while the programme runs) and spreads later events evenly
over that time, with no trend in the untreated rate, so the true rate ratio
over the first 3, 6 or 12 months is the same as to the end of the data
(sim/indicators.py, docs/simulator.md "Interventions").

    .venv/bin/python benchmarks/risk_accuracy.py
    .venv/bin/python benchmarks/risk_accuracy.py --seeds 1 2 3 --what-works-seeds 1 2 3
    .venv/bin/python benchmarks/risk_accuracy.py --seeds --what-works-seeds 1     # what works only
    .venv/bin/python benchmarks/risk_accuracy.py --seeds --what-works-seeds 1 2 3 4 5 --what-works-months 14
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
from crossline.evaluate.accuracy import precision_at_k, roc_auc
from crossline.evaluate.truth import build_risk_with, person_scores, truth_nominals
from crossline.service.agencies import allow_sender_for_bundle
from crossline.service.imports import import_bundle
from crossline.sim import Scenario, simulate
from crossline.stages import registry
from crossline.stages.risk import fairness
from crossline.stages.risk.bands import calibrate
from crossline.stages.risk.inputs import load_inputs
from crossline.stages.risk.score import score, weigh
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace

AUC_TARGET, PAK_TARGET = 0.9, 0.7


HUB = "benchmark-hub"  # the simulated bundle is one hub's, sent for every partner

def current(ws: Workspace, name: str) -> pl.DataFrame:
    path = picture_store.current_table(ws.engine, ws.path, name)
    assert path is not None, name
    return pl.read_parquet(path)


def measure(truth: Path, nominals: pl.DataFrame, risk: pl.DataFrame) -> dict[str, float]:
    ps = person_scores(truth, nominals, risk)
    s, y = ps["score"].to_numpy(), ps["exploited"].to_numpy()
    return {"auc": roc_auc(s, y), "precision_at_k": precision_at_k(s, y), "k": int(y.sum()), "young_people": ps.height}


def prepared(seed: float, scale: float, root: Path, months: int = 5) -> tuple[Workspace, Path, float]:
    started = time.monotonic()
    out = root / (f"seed{seed}-scale{scale:g}" + ("" if months == 5 else f"-months{months}"))
    simulate(out, scenario=Scenario(seed=int(seed), scale=scale).with_months(months))
    ws = init_workspace(out / "ws")
    allow_sender_for_bundle(ws, LOCAL_ADMIN, HUB, out / "bundle")
    import_bundle(ws, LOCAL_ADMIN, out / "bundle", as_agency=HUB)
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
    from crossline.stages.risk.stage import compute  # imported late: importing a stage module registers it (registry order)

    rs = ws.settings.risk

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


HORIZONS = ("3 months", "6 months", "12 months", "to the end of the data")


def _inside(low: float | None, true: float | None, high: float | None) -> bool | None:
    return None if low is None or high is None or true is None else low <= true <= high


def what_works(seed: float, scale: float, root: Path, months: int = 5, line_contact: bool = True) -> dict:
    from crossline.evaluate.effects import evaluate, workspace_data

    ws, truth, prep = prepared(seed, scale, root, months)
    try:
        nominals, _risk, build_s, _ = truth_run(ws, truth)
        started = time.monotonic()
        data = workspace_data(ws)
        if not line_contact:  # the covariates as they were before 2026-11-28 (docs/risk.md, "Figures")
            data = dataclasses.replace(data, line_contacts=None)
        results = evaluate(data, ws.settings.risk)
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
                "worst_smd_after": (p.balance.sort(pl.col("smd_after").abs(), descending=True).head(3).select("covariate", "smd_after").rows()
                                    if p.balance is not None else None),
                "horizons": {h: _horizon(p.estimate("harm_indicators", h), true.get(p.programme)) for h in HORIZONS} if p.status == "estimated" else {},
            })
        return {"seed": seed, "scale": scale, "months": months, "prepare_s": round(prep, 1), "build_s": round(build_s, 1), "evaluate_s": round(eval_s, 1),
                "notes": results.notes, "programmes": rows}
    finally:
        ws.close()


def _horizon(e, true: float | None) -> dict:  # type: ignore[no-untyped-def]
    if e is None:
        return {"status": "missing"}
    return {
        "status": e.status, "reason": e.reason, "participants": e.n_treated,
        "ratio": e.ratio, "low": e.ratio_low, "high": e.ratio_high, "inside": _inside(e.ratio_low, true, e.ratio_high),
        "adjusted": e.adjusted_ratio, "adjusted_low": e.adjusted_low, "adjusted_high": e.adjusted_high,
        "adjusted_inside": _inside(e.adjusted_low, true, e.adjusted_high),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--what-works-seeds", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--what-works-scale", type=float, default=10.0)
    ap.add_argument("--what-works-months", type=int, default=5,
                    help="Simulated period in months from 1 June 2026 for the what-works runs (5: only 3 months assessable; 14: 12 months).")
    ap.add_argument("--what-works-without-line-contact", action="store_true",
                    help="Leave out the covariate of days in contact with a deal line before the start (to measure what it changes).")
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
                except Exception as exc:
                    row["pipeline"] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            else:
                row["pipeline"] = "not run: the resolve stage is not installed yet"
            ws.close()
            report["seeds"].append(row)
            print(json.dumps(row, default=str))
        if pooled:
            report["fairness"] = fairness.report(pl.concat(pooled), "high").to_dicts()
        for seed in args.what_works_seeds:
            r = what_works(seed, args.what_works_scale, root, args.what_works_months, not args.what_works_without_line_contact)
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
        print("| seed | scale | programme | participants | matched | true rate ratio | estimate (95% interval) | inside | at 3 months | unmatched "
            "comparison | max abs SMD after |")
        print("| ---: | ---: | --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |")
        for r in report["what_works"]:
            for p in r["programmes"]:
                if p["status"] != "estimated":
                    print(f"| {r['seed']} | {r['scale']:g} | {p['programme']} | {p['participants']} | - | {p['true']} | refused: {p['reason']} | - | "
                        f"- | - | - |")
                    continue
                est = f"{p['ratio']:.2f} ({p['low']:.2f} to {p['high']:.2f})"
                m3 = f"{p['ratio_3m']:.2f} ({p['low_3m']:.2f} to {p['high_3m']:.2f})" if p["ratio_3m"] is not None else "-"
                print(f"| {r['seed']} | {r['scale']:g} | {p['programme']} | {p['participants']} | {p['matched']} | {p['true']} | {est} | "
                      f"{'yes' if p['covered'] else 'NO'} | {m3} | {p['naive']:.2f} | {p['max_abs_smd_after']:.3f} |")
        _print_horizons(report["what_works"])


def _interval(r: float | None, lo: float | None, hi: float | None) -> str:
    return "-" if r is None or lo is None or hi is None else f"{r:.2f} ({lo:.2f} to {hi:.2f})"


def _print_horizons(runs: list[dict]) -> None:
    """Per seed, programme and horizon: participants, matched estimate and adjusted estimate against the truth; then coverage."""
    months = sorted({r.get("months", 5) for r in runs})
    print(f"\n## What works by horizon (all harm indicators; period {', '.join(map(str, months))} months from 1 June 2026)\n")
    print("| seed | programme | horizon | participants | matched | true | matched estimate (95% interval) | inside | adjusted estimate (95% interval) "
        "| inside |")
    print("| ---: | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |")
    tally: dict[tuple[str, str], list[int]] = {}
    for r in runs:
        for p in r["programmes"]:
            if p["status"] != "estimated":
                print(f"| {r['seed']} | {p['programme']} | all | {p['participants']} | - | {p['true']} | refused: {p['reason']} | - | - | - |")
                continue
            for h, e in p["horizons"].items():
                if e.get("status") != "estimated":
                    print(f"| {r['seed']} | {p['programme']} | {h} | {e.get('participants', '-')} | {p['matched']} | {p['true']} | "
                          f"{e.get('status')}: {e.get('reason', '')} | - | - | - |")
                    continue
                for kind, inside in (("matched", e["inside"]), ("adjusted", e["adjusted_inside"])):
                    if inside is not None:
                        t = tally.setdefault((kind, h), [0, 0])
                        t[0] += int(inside)
                        t[1] += 1
                def yes(v):
                    return "-" if v is None else ("yes" if v else "**no**")
                print(f"| {r['seed']} | {p['programme']} | {h} | {e['participants']} | {p['matched']} | {p['true']} | "
                      f"{_interval(e['ratio'], e['low'], e['high'])} | {yes(e['inside'])} | "
                      f"{_interval(e['adjusted'], e['adjusted_low'], e['adjusted_high'])} | {yes(e['adjusted_inside'])} |")
    print()
    for kind in ("matched", "adjusted"):
        parts = [(h, *tally[(kind, h)]) for h in HORIZONS if (kind, h) in tally]
        total = [sum(x[1] for x in parts), sum(x[2] for x in parts)]
        print(f"{kind} estimate: true effect inside the interval in {total[0]} of {total[1]} "
              + "(" + "; ".join(f"{h}: {a} of {b}" for h, a, b in parts) + ")")


if __name__ == "__main__":
    sys.exit(main())
