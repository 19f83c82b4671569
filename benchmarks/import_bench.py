"""Import throughput and peak memory, beside a same-run ceiling.

Generates a persons file (default 1 million rows) and a comms file (default
20 million rows) as partners would send them, then in separate child
processes, each measured on its own:

  ceiling   DuckDB's own read_csv of the comms file into Parquet
  import    `crossline import` of a bundle holding both files

and prints rows per second and peak resident memory for each. Targets (issue 2):
comms import at least 40% of the ceiling's throughput; peak memory under 2 GB.

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


def measured(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run Python code in a child; (seconds, peak RSS in MB, its stdout)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}):\n{out}")
    return time.monotonic() - t0, usage.ru_maxrss / 1024, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons-rows", type=int, default=1_000_000)
    ap.add_argument("--comms-rows", type=int, default=20_000_000)
    ap.add_argument("--dir", type=Path, default=HERE.parent / "bench-data" / "import")
    args = ap.parse_args()
    bundle = generate(args.dir, args.persons_rows, args.comms_rows)
    comms_csv = bundle / "comms.csv"

    ceiling_out = args.dir / "ceiling.parquet"
    t_ceiling, mem_ceiling, _ = measured(
        "import duckdb; duckdb.sql(\"COPY (SELECT * FROM read_csv('%s', all_varchar=true)) TO '%s' (FORMAT parquet)\")"
        % (comms_csv, ceiling_out)
    )
    ceiling_out.unlink(missing_ok=True)

    ws = args.dir / "workspace"
    shutil.rmtree(ws, ignore_errors=True)
    code = (
        "import json; from pathlib import Path\n"
        "from crossline.workspace import init_workspace\n"
        "from crossline.access.actor import LOCAL_ADMIN\n"
        "from crossline.service.imports import import_bundle\n"
        f"ws = init_workspace(Path({str(ws)!r}))\n"
        f"r = import_bundle(ws, LOCAL_ADMIN, Path({str(bundle)!r}))\n"
        "print(json.dumps({f.file: [f.accepted, f.quarantined] for f in r.feeds}))\n"
    )
    t_import, mem_import, out = measured(code)
    counts = json.loads(out.strip().splitlines()[-1])

    rows = args.comms_rows + args.persons_rows
    print()
    print(f"{'step':<44}{'rows':>14}{'seconds':>10}{'rows/s':>14}{'peak MB':>10}")
    print(f"{'ceiling: DuckDB read_csv comms -> Parquet':<44}{args.comms_rows:>14,}{t_ceiling:>10.1f}"
          f"{args.comms_rows / t_ceiling:>14,.0f}{mem_ceiling:>10.0f}")
    print(f"{'crossline import (persons + comms)':<44}{rows:>14,}{t_import:>10.1f}{rows / t_import:>14,.0f}{mem_import:>10.0f}")
    comms_rate = args.comms_rows / t_import  # the whole import charged to comms: a conservative figure
    ratio = comms_rate / (args.comms_rows / t_ceiling)
    print()
    print(f"accepted: {counts}")
    print(f"comms import throughput (whole import time charged to comms): {comms_rate:,.0f} rows/s = "
          f"{ratio:.0%} of the ceiling (target >= 40%): {'PASS' if ratio >= 0.4 else 'FAIL'}")
    print(f"peak memory of the import: {mem_import:,.0f} MB (target < 2048 MB): {'PASS' if mem_import < 2048 else 'FAIL'}")


if __name__ == "__main__":
    main()
