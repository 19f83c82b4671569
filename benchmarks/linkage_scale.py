"""Entity resolution at national scale: a million simulated person records imported and resolved end to end.

Issue 4 item 8. Target: at most 90 s and 3 GB peak memory on 2 cores, from
the persons feeds of a scale-100 scenario (about 1.04 million records) to
published nominals. Prints the comparisons generated, time per phase, peak
resident memory, and pairwise precision, recall and F1 against the
scenario's truth.

    .venv/bin/python benchmarks/linkage_scale.py                # scale 100, in bench-data/ (git-ignored)
    .venv/bin/python benchmarks/linkage_scale.py --scale 10     # a tenth of it
    .venv/bin/python benchmarks/linkage_scale.py --data /work/data-resolve   # scenario and workspace kept there
    .venv/bin/python benchmarks/linkage_scale.py --with-events  # events and links imported too

The scenario is generated once (scale 100 takes about 8 minutes and 6 GB)
into <data>/sim<scale>/ (``--data``, default bench-data/) and reused, so a
second run, or another checkout pointed at the same folder, skips it. The
machine is shared: beside each wall time the benchmark prints the CPU
seconds the step used (user and system, its child processes included) and
the load average while it ran, so a slow run on a busy machine can be told
from a slow program. Memory is sampled from this process, not inside the one
measured (``Memory``). Only its persons feeds are imported:
comms play no part in resolution. With ``--with-events`` its events, who
was in them and its links are imported too (about 600,000 events, 830,000
people in them, 550,000 links): the ages events imply, the groups a role in
an event makes, and family links play a part in resolution, and this is
the figure for a workspace that holds them. Import and build each run in a
child process, so each one's peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scenario(scale: float, data: Path) -> Path:
    out = data / f"sim{scale:g}"
    if not (out / "bundle" / "manifest.toml").exists():
        from crossline.sim import simulate

        print(f"generating the scale-{scale:g} scenario into {out} (once) ...", flush=True)
        simulate(out, seed=1, scale=scale)
    return out


def persons_bundle(sim: Path, out: Path, kinds: tuple[str, ...] = ("persons",)) -> Path:
    """The scenario's persons feeds alone (or the feeds of these ``kinds``), as their own bundle.

    Files are hard-linked (copied across file systems), not symbolically linked: the importer refuses a
    bundle file that is a symbolic link to a place outside the bundle folder.
    """
    manifest = tomllib.loads((sim / "bundle" / "manifest.toml").read_text(encoding="utf-8"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    lines = [f'contract_version = {manifest["contract_version"]}', f'bundle = "{manifest["bundle"]}-persons"',
             f'produced_at = "{manifest["produced_at"]}"', ""]
    for agency in manifest["agency"]:
        lines.append("[[agency]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in agency.items()]
        lines.append("")
    for feed in manifest["feed"]:
        if feed["kind"] not in kinds:
            continue
        target = out / feed["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        source = (sim / "bundle" / feed["file"]).resolve()
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        lines.append("[[feed]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in feed.items() if not isinstance(v, dict)]
        for key in ("columns", "formats"):
            if key in feed:
                lines.append(f"[feed.{key}]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in feed[key].items()]
        lines.append("")
    (out / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    return out


CHILD = r"""
import json, sys, time
from pathlib import Path
from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace, open_workspace

what, ws_path, arg = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
started = time.monotonic()
phases = {}
marks = []  # (monotonic time, phase) as each phase starts: the parent's memory samples are put in phases by them
if what == "import":
    from crossline.service.agencies import allow_sender_for_bundle
    from crossline.service.imports import import_bundle
    ws = init_workspace(ws_path)
    allow_sender_for_bundle(ws, LOCAL_ADMIN, "benchmark-hub", Path(arg))  # the simulated bundle is one hub's, for every partner
    result = import_bundle(ws, LOCAL_ADMIN, Path(arg), as_agency="benchmark-hub")
    info = {"rows": sum(f.accepted for f in result.feeds)}
elif what == "known":
    import polars as pl
    from crossline.service.resolve import match_record
    from crossline.store import picture
    ws = open_workspace(ws_path)
    records = pl.read_parquet(picture.current_table(ws.engine, ws.path, "resolve_records"),  # stored by family name
                              columns=["unique_id", "given_name", "family_name", "dob", "postcode"]
                              ).sort("unique_id").drop("unique_id").drop_nulls().sample(5, seed=7)
    asks = [{"given_name": r["given_name"], "family_name": r["family_name"], "date_of_birth": r["dob"],
             "postcode": r["postcode"]} for r in records.iter_rows(named=True)]
    asks.append({"given_name": "Peredur", "family_name": "Quenby", "date_of_birth": "2011-01-30", "postcode": "NP7 9ZZ"})
    match_record(ws, LOCAL_ADMIN, asks[0])  # warm: imports and first reads
    seconds, known = [], 0
    for _ in range(int(arg or 1)):  # rounds
        for ask in asks:
            t = time.monotonic()
            result = match_record(ws, LOCAL_ADMIN, ask)
            seconds.append(round(time.monotonic() - t, 3))
            known += result.known
    info = {"latencies": seconds, "known": known, "asked": len(seconds)}
else:
    from crossline.service.build import build
    ws = open_workspace(ws_path)
    last = [time.monotonic(), None]
    def progress(stage, what, fraction):
        now = time.monotonic()
        if last[1] is not None:
            phases[last[1]] = round(phases.get(last[1], 0) + now - last[0], 2)
        last[0], last[1] = now, what.split(" (")[0] if not what.startswith("scoring") else "scoring"
        marks.append((now, last[1]))
    result, _ = build(ws, LOCAL_ADMIN, only=["resolve"], progress=progress)
    if last[1] is not None:
        phases[last[1]] = round(phases.get(last[1], 0) + time.monotonic() - last[0], 2)
    import polars as pl
    from crossline.store import picture
    details = json.loads(pl.read_parquet(picture.current_table(ws.engine, ws.path, "resolve_model"))["details"][0])
    info = {"tables": result.tables, "details": details, "phases": phases, "marks": marks}
print(json.dumps({"seconds": round(time.monotonic() - started, 2), **info}))
"""


class Memory:
    """Resident memory of a process and all its descendants, sampled every 50 ms from this (the parent) process.

    The sampler ran as a thread inside the measured process until 2026-12-06; a
    busy Python thread there slowed DuckDB (its Python client takes the
    interpreter lock between tasks): scoring took 17 to 19 s instead of 11 to
    12 s with the same code and data. Sampling from outside measures the same
    memory without touching the process measured.
    """

    def __init__(self, pid: int, every: float = 0.05) -> None:
        import psutil

        self.samples: list[tuple[float, int]] = []
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                rss = self._process.memory_info().rss + sum(c.memory_info().rss for c in self._process.children(recursive=True))
            except psutil.Error:  # the process (or a child) ended between two calls
                rss = 0
            if rss:
                self.samples.append((time.monotonic(), rss))
            self._stop.wait(every)

    def peaks(self, marks: list[tuple[float, str]]) -> tuple[float, dict[str, float]]:
        """The peak in GB, and the peak of each phase (``marks``: when each phase began; before the first: "start")."""
        self._stop.set()
        self._thread.join()
        by_phase: dict[str, int] = {}
        for at, rss in self.samples:
            phase = next((name for began, name in reversed(marks) if began <= at), "start")
            by_phase[phase] = max(by_phase.get(phase, 0), rss)
        peak = max((rss for _, rss in self.samples), default=0)
        return round(peak / 2**30, 2), {k: round(v / 2**30, 2) for k, v in by_phase.items()}


class Load:
    """The machine's one-minute load average, sampled every few seconds while a step runs (the machine is shared)."""

    def __init__(self, every: float = 2.0) -> None:
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])
        return f"load {sum(self.samples) / len(self.samples):.1f} (max {max(self.samples):.1f}) on {os.cpu_count()} cores"


def child(*args: str) -> dict[str, Any]:
    """Run one step in a child process; adds the CPU seconds it and its own children used, and the load meanwhile."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = Load()
    process = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = Memory(process.pid)
    stdout, stderr = process.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(stderr[-4000:])
    info = json.loads(stdout.strip().splitlines()[-1])
    info["peak_gb"], info["phase_peak_gb"] = memory.peaks(info.pop("marks", []))
    info["cpu_seconds"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    info["load"] = load.stop()
    return info


def f1(ws: Path, truth: Path) -> dict[str, float]:
    import polars as pl

    nominals = pl.read_csv(ws / "exports" / "nominals.csv", infer_schema=False)
    people = pl.read_csv(truth, infer_schema=False).select("source", "record_id", "person_id")
    joined = nominals.join(people, on=["source", "record_id"])

    def pairs(*keys: str) -> float:
        n = joined.group_by(*keys).len()["len"].cast(pl.Float64)
        return float((n * (n - 1) / 2).sum())

    tp, predicted, true = pairs("nominal_id", "person_id"), pairs("nominal_id"), pairs("person_id")
    p, r = tp / predicted, tp / true
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def generation_apart_at(ws: Path, truth: Path) -> int:
    """Issue 13's count (``linkage_accuracy.generation_apart``) on the built workspace's export."""
    import polars as pl

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from linkage_accuracy import generation_apart

    nominals = pl.read_csv(ws / "exports" / "nominals.csv", infer_schema=False)
    people = pl.read_csv(truth / "persons.csv", infer_schema=False, columns=["person_id", "date_of_birth"])
    return generation_apart(nominals, pl.read_csv(truth / "person_records.csv", infer_schema=False), people)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--memory", default="2GB", help="duckdb_memory_limit for the workspace")
    parser.add_argument("--data", type=Path, default=ROOT / "bench-data",
                        help="folder for the generated scenario (reused when there) and the workspace; default bench-data/")
    parser.add_argument("--with-events", action="store_true",
                        help="import the events, who was in them and the partners' links too (the ages they imply, "
                             "whom a role in an event holds, family links), not the persons feeds alone")
    parser.add_argument("--known-only", type=int, metavar="ROUNDS", default=0,
                        help="only time \"is this child known?\" on the workspace a previous run left in --data, ROUNDS times")
    args = parser.parse_args()
    work = args.data / f"linkage-scale-{args.scale:g}{'-events' if args.with_events else ''}"
    if args.known_only:
        asked = child("known", str(work / "workspace"), str(args.known_only))
        times = sorted(asked["latencies"])
        print(f"is this child known? {asked['asked']} lookups: median {times[len(times) // 2]:.3f} s, fastest {times[0]:.3f} s, "
              f"slowest {times[-1]:.3f} s (target under 1 s); {asked['load']}")
        return
    sim = scenario(args.scale, args.data)
    bundle = persons_bundle(sim, work / "bundle", ("persons", "events", "event_people", "links") if args.with_events else ("persons",))
    ws = work / "workspace"
    shutil.rmtree(ws, ignore_errors=True)
    started = time.monotonic()
    imported = child("import", str(ws), str(bundle))
    config = ws / "crossline.toml"
    text = config.read_text(encoding="utf-8").replace('duckdb_memory_limit = "1GB"', f'duckdb_memory_limit = "{args.memory}"')
    config.write_text(text, encoding="utf-8")
    built = child("build", str(ws), "")
    total = time.monotonic() - started
    details = built["details"]
    print(f"person records: {imported['rows']:,} (scale {args.scale:g}); nominals: {details['nominals']:,}")
    for name, step in (("import: ", imported), ("resolve:", built)):
        print(f"{name} {step['seconds']:6.1f} s, peak {step['peak_gb']:.2f} GB; CPU {step['cpu_seconds']:.1f} s; {step['load']}"
              + ("  (build incl. publish and exports)" if step is built else ""))
    for phase, seconds in built["phases"].items():
        print(f"    {phase:45s} {seconds:6.1f} s   memory up to {built['phase_peak_gb'].get(phase, 0):.2f} GB")
    print(f"    stage timings: {details['timings']}")
    print(f"comparisons generated by blocking: {details['comparisons']:,}")
    print(f"end to end: {total:.1f} s (target 90 s), CPU {imported['cpu_seconds'] + built['cpu_seconds']:.1f} s; "
          f"peak {max(imported['peak_gb'], built['peak_gb']):.2f} GB (target 3 GB)")
    print("accuracy against the scenario's truth:", f1(ws, sim / "truth" / "person_records.csv"))
    print(f"nominals joining true people born ten or more years apart: {generation_apart_at(ws, sim / 'truth')} (target 0)")
    asked = child("known", str(ws), "")
    print(f"is this child known? {asked['asked']} single-record matches against {details['nominals']:,} nominals: "
          f"{asked['latencies']} s each (target under 1 s); {asked['known']} known")


if __name__ == "__main__":
    main()
