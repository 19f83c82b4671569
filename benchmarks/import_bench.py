"""Import throughput and peak memory, beside a same-run ceiling.

Generates a persons file (default 1 million rows) and a comms file (default
20 million rows) as partners would send them, then in separate child
processes, each measured on its own:

  ceiling   DuckDB's own read_csv of the comms file into Parquet
  import    `crossline import` of the comms file alone, then of the persons file alone

and prints rows per second and peak resident memory for each. Targets (issue 2):
comms import at least 40% of the ceiling's throughput; peak memory under 2 GB.

Then record history (issue 12): into the persons workspace, a second import in
which every person changed (each replaced version is kept in record_versions),
beside the same second import with no change at all (its same-run baseline),
and the seconds the history statement itself took.

    .venv/bin/python benchmarks/import_bench.py                 # full size
    .venv/bin/python benchmarks/import_bench.py --comms-rows 2000000 --persons-rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def generate(out: Path, persons: int, comms: int) -> Path:
    """A bundle: persons.csv and comms.csv in the forms partners use (mixed phone formats, offsets)."""
    bundle = out / "bundle"
    if (bundle / "manifest.toml").exists() and json.loads((bundle / "sizes.json").read_text()) == [persons, comms]:
        return bundle
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    t0 = time.monotonic()
    con.execute(f"""
        COPY (
          SELECT 'P' || i AS record_id,
                 (['Kai','Rhys','Jade','Ffion','Seren','Dylan','Cerys','Owen','Tomos','Megan'])[1 + i % 10] AS given_name,
                 (['Morgan','Evans','Price','Jones','Hall','Davies','Thomas','Lewis','Hughes','Roberts'])[1 + (i // 10) % 10] AS family_name,
                 strftime(DATE '1960-01-01' + CAST(hash(i) % 18000 AS INTEGER), '%Y-%m-%d') AS date_of_birth,
                 (['M','F'])[1 + i % 2] AS sex,
                 (i % 200) || ' Dock Street' AS address,
                 'Newport' AS town,
                 'NP20 ' || (i % 10) || (['AB','DE','FG','HJ'])[1 + i % 4] AS postcode,
                 '0' || (7711000000 + hash(i) % 899999)::VARCHAR AS phone
          FROM range({persons}) t(i)
        ) TO '{bundle / "persons.csv"}' (HEADER)
    """)
    con.execute(f"""
        COPY (
          SELECT CASE WHEN i % 2 = 0 THEN '+44' || a ELSE '0' || substr(a, 1, 4) || ' ' || substr(a, 5) END AS a_number,
                 '+44' || b AS b_number,
                 CASE WHEN i % 5 = 0 THEN 'voice' ELSE 'sms' END AS kind,
                 strftime(TIMESTAMP '2026-09-01 00:00:00' + to_seconds(CAST(hash(i * 7) % 2592000 AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS started_at,
                 CASE WHEN i % 5 = 0 THEN CAST(hash(i) % 300 AS VARCHAR) ELSE '' END AS duration_s,
                 '35693803' || lpad(CAST(hash(a) % 9999999 AS VARCHAR), 7, '0') AS a_imei,
                 '234-15-' || (hash(a) % 500) AS a_cell,
                 '234-15-' || (hash(b) % 500) AS b_cell
          FROM (SELECT i, CAST(7711000000 + hash(i) % 200000 AS VARCHAR) AS a,
                          CAST(7711000000 + hash(i + 1) % 200000 AS VARCHAR) AS b FROM range({comms}) t(i))
        ) TO '{bundle / "comms.csv"}' (HEADER)
    """)
    (bundle / "manifest.toml").write_text(
        'contract_version = 1\nbundle = "benchmark"\n\n'
        '[[agency]]\nid = "gwent-police"\nname = "Gwent Police"\ntype = "police"\nforce_area = "gwent"\n\n'
        '[[agency]]\nid = "csp"\nname = "CSP"\ntype = "telecoms"\n\n'
        '[[feed]]\nfile = "persons.csv"\nkind = "persons"\nsource = "gwent-police"\n\n'
        '[[feed]]\nfile = "comms.csv"\nkind = "comms"\nsource = "csp"\n'
    )
    (bundle / "sizes.json").write_text(json.dumps([persons, comms]))
    print(f"generated {persons:,} persons and {comms:,} comms rows in {time.monotonic() - t0:.0f} s "
          f"({(bundle / 'comms.csv').stat().st_size / 1e9:.2f} GB of comms)")
    return bundle


CPU: dict[str, float] = {}


def measured(code: str, label: str = "") -> tuple[float, float, str]:
    """Run Python code in a child; (seconds it reports for its work, peak RSS in MB, its last stdout line).

    The child's CPU seconds (user + system) are kept in CPU[label]: unlike wall time they
    barely move when other work shares the machine.

    The child prints the seconds of the measured work as its last line, so
    interpreter start-up counts for neither side.
    """
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"child failed:\n{out}")
    lines = out.strip().splitlines()
    CPU[label] = usage.ru_utime + usage.ru_stime
    if len(lines) > 1:
        print(f"  {label}: {lines[-2]}")
    return float(lines[-1].split()[0]), usage.ru_maxrss / 1024, lines[-1]


def bundle_of(bundle: Path, name: str, feed: str, kind: str, source: str) -> Path:
    """A one-feed bundle beside the generated files (hard links: no copy of gigabytes)."""
    single = bundle.parent / name
    single.mkdir(exist_ok=True)
    target = single / feed
    if not target.exists():
        os.link(bundle / feed, target)
    (single / "manifest.toml").write_text(
        f'contract_version = 1\nbundle = "{name}"\n\n[[agency]]\nid = "{source}"\nname = "{source}"\ntype = "other"\n\n'
        f'[[feed]]\nfile = "{feed}"\nkind = "{kind}"\nsource = "{source}"\n'
    )
    return single


IMPORT = """
import json, time; from pathlib import Path
from crossline.workspace import init_workspace
from crossline.access.actor import LOCAL_ADMIN
from crossline.service.imports import import_bundle
ws = init_workspace(Path({ws!r}))
t = time.monotonic()
r = import_bundle(ws, LOCAL_ADMIN, Path({bundle!r}), as_agency={agency!r})
print(json.dumps({{"phases": {{k: round(v, 1) for k, v in r.timings.items()}}, "accepted": r.accepted, "quarantined": r.quarantined}}))
print(time.monotonic() - t)
"""

CEILING = """
import time, duckdb
t = time.monotonic()
duckdb.sql("COPY (SELECT * FROM read_csv('{csv}', all_varchar=true)) TO '{out}' (FORMAT parquet)")
print(time.monotonic() - t)
"""


SECOND = """
import json, time; from pathlib import Path
from crossline.workspace import open_workspace
from crossline.access.actor import LOCAL_ADMIN
from crossline.service.imports import import_bundle
ws = open_workspace(Path({ws!r}))
t = time.monotonic()
r = import_bundle(ws, LOCAL_ADMIN, Path({bundle!r}), as_agency="gwent-police")
print(json.dumps({{"phases": {{k: round(v, 2) for k, v in r.timings.items()}}, "updated": sum(f.updated for f in r.feeds)}}))
print(time.monotonic() - t, r.timings.get("history", 0.0))
"""


def measure_history(root: Path, persons_only: Path, rows: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """((seconds, history seconds) re-importing the same persons, (same) importing them all changed), into the persons workspace."""
    changed = root / "persons-changed"
    changed.mkdir(exist_ok=True)
    if not (changed / "persons.csv").exists():
        duckdb.sql(f"COPY (SELECT * REPLACE ('Casnewydd' AS town) FROM read_csv('{persons_only / 'persons.csv'}', all_varchar=true)) "
                   f"TO '{changed / 'persons.csv'}' (HEADER)")
    (changed / "manifest.toml").write_text((persons_only / "manifest.toml").read_text().replace("persons-only", "persons-changed"))
    ws = str(root / "workspace-persons")
    out = []
    for label, bundle in (("persons again, unchanged", persons_only), ("persons again, all changed", changed)):
        _, _, last = measured(SECOND.format(ws=ws, bundle=str(bundle)), label)
        seconds, hist = (float(x) for x in last.split())
        out.append((seconds, hist))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons-rows", type=int, default=1_000_000)
    ap.add_argument("--comms-rows", type=int, default=20_000_000)
    ap.add_argument("--dir", type=Path, default=HERE.parent / "bench-data" / "import")
    args = ap.parse_args()
    bundle = generate(args.dir, args.persons_rows, args.comms_rows)
    comms_only = bundle_of(bundle, "comms-only", "comms.csv", "comms", "csp")
    persons_only = bundle_of(bundle, "persons-only", "persons.csv", "persons", "gwent-police")

    ceiling_out = args.dir / "ceiling.parquet"
    t_ceiling, mem_ceiling, _ = measured(CEILING.format(csv=bundle / "comms.csv", out=ceiling_out), "ceiling")
    ceiling_out.unlink(missing_ok=True)
    results = {}
    for label, single, rows, agency in (("comms", comms_only, args.comms_rows, "csp"),
                                        ("persons", persons_only, args.persons_rows, "gwent-police")):
        ws = args.dir / f"workspace-{label}"
        shutil.rmtree(ws, ignore_errors=True)
        seconds, mem, _ = measured(IMPORT.format(ws=str(ws), bundle=str(single), agency=agency), label)
        results[label] = (rows, seconds, mem)
        if label == "comms":
            shutil.rmtree(ws, ignore_errors=True)
    history = measure_history(args.dir, persons_only, args.persons_rows)
    shutil.rmtree(args.dir / "workspace-persons", ignore_errors=True)

    print()
    print(f"{'step':<46}{'rows':>14}{'seconds':>10}{'rows/s':>14}{'peak MB':>10}{'CPU s':>8}")
    print(f"{'ceiling: DuckDB read_csv comms -> Parquet':<46}{args.comms_rows:>14,}{t_ceiling:>10.1f}"
          f"{args.comms_rows / t_ceiling:>14,.0f}{mem_ceiling:>10.0f}{CPU['ceiling']:>8.1f}")
    for label, (rows, seconds, mem) in results.items():
        print(f"{'crossline import, ' + label + ' only':<46}{rows:>14,}{seconds:>10.1f}{rows / seconds:>14,.0f}"
              f"{mem:>10.0f}{CPU[label]:>8.1f}")
    rows, seconds, mem = results["comms"]
    ratio = (rows / seconds) / (args.comms_rows / t_ceiling)
    worst = max(m for _, _, m in results.values())
    print()
    print(f"comms import throughput: {ratio:.0%} of the ceiling (target >= 40%): {'PASS' if ratio >= 0.4 else 'FAIL'}")
    print(f"peak memory of an import: {worst:,.0f} MB (target < 2048 MB): {'PASS' if worst < 2048 else 'FAIL'}")
    print()
    (same_s, same_hist), (changed_s, changed_hist) = history
    print(f"second import of {args.persons_rows:,} persons, nothing changed (baseline): {same_s:.1f} s")
    print(f"second import of {args.persons_rows:,} persons, every one changed:       {changed_s:.1f} s "
          f"(of which keeping {args.persons_rows:,} replaced versions: {changed_hist:.1f} s, "
          f"{changed_hist / max(changed_s, 1e-9):.0%} of the import; {changed_s / max(same_s, 1e-9):.2f}x the baseline)")
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other work on the machine makes both sides slower, not the ratio fairer)")


if __name__ == "__main__":
    main()
