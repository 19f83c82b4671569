"""The lines stage at national scale: 100 million comms rows, beside a same-run DuckDB ceiling.

    .venv/bin/python benchmarks/lines_scale.py                 # 100 M rows (generated once, ~2 min)
    .venv/bin/python benchmarks/lines_scale.py --rows 20000000 # a quicker look
    .venv/bin/python benchmarks/lines_scale.py --data DIR --only lines  # the detector alone, on a lake kept in DIR

The synthetic lake is written directly by DuckDB (not through the importer)
into ``bench-data/lines-lake/comms/day=YYYY-MM-DD/`` (git-ignored) in the lake's
columns, and reused when present. Its contents: 150 days of ordinary
two-way traffic among 3 million subscribers (each with a stable circle of
contacts), 600 deal lines (daily flares at each line's own two times to about
63 of their 70 customers, orders called back and relayed to runners; a third
of them move to a new number on day 75 with the same customers), and 100 weekly
bulk senders (confounders).

Two measurements, each in its own process (peak memory is the process's
maximum resident set):

* **ceiling**: DuckDB counting distinct recipients per sender per day over the
  same Parquet (the cheapest query that touches what a line detector must);
* **lines**: the lines detector (``crossline.stages.lines.detect``) end to end on
  DuckDB with 2 threads: features, score, successions, customers, runners.

Targets: lines in <= 300 s on 2 cores with peak memory <= 8 GB (issue 5), and
within 1.5 times the same-run ceiling (issue 18). Every step's time is printed
(``DuckEngine.seconds``, slowest first) to show where the time goes; ``--only
lines`` skips the ceiling (for looking at the steps; the ratio needs both).
FIELD-NOTES: ``approx_count_distinct`` over tens of millions of small groups is a
trap (184 s, 20 GB at 30 M groups): the ceiling uses an exact count.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data" / "lines-lake"
DAYS = 150
SUBSCRIBERS = 3_000_000
CELLS = 2000
LINES = 600
CUSTOMERS = 70
SWITCH_DAY = 75
BULK = 100


def generate(rows: int, out: Path) -> None:
    """Write the synthetic lake with DuckDB (deterministic: hashes, not random())."""
    import duckdb

    line_rows_per_day = LINES * (2 * 63 + 8 * 3)
    bulk_rows = BULK * 300 * (DAYS // 7)
    bg_per_day = max(1000, (rows - line_rows_per_day * DAYS - bulk_rows) // DAYS // 2 * 2)
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": "6GB", "threads": 2, "preserve_insertion_order": False})
    con.execute(f"SET temp_directory = '{(out.parent / 'spill').as_posix()}'")
    start = "TIMESTAMP '2026-06-01 00:00:00'"
    def mobile(expr, prefix):
        return f"'+44{prefix}' || lpad(CAST({expr} AS VARCHAR), 6, '0')"
    def sub(expr):
        return f"'+4477' || lpad(CAST({expr} AS VARCHAR), 8, '0')"
    def cell(expr):
        return f"'234-15-' || CAST(({expr}) % {CELLS} AS VARCHAR)"
    def ts(day, sec):
        return f"{start} + to_seconds(CAST(({day}) * 86400 + ({sec}) AS BIGINT))"
    background = f"""
        SELECT i // {bg_per_day} AS d, (i % {bg_per_day}) // 2 AS k, i % 2 AS reply,
               hash(i // 2, 1) % {SUBSCRIBERS} AS x, hash(i // 2, 2) % 20 AS c, hash(i // 2, 3) % 100 AS u,
               hash(i // 2, 4) % 86000 AS s
        FROM range(0, {bg_per_day * DAYS}) r(i)"""
    bg = f"""
        SELECT d,
               {sub('CASE WHEN reply = 0 THEN x ELSE (x + 7919 * (c + 1)) % ' + str(SUBSCRIBERS) + ' END')} AS a_number,
               {sub('CASE WHEN reply = 0 THEN (x + 7919 * (c + 1)) % ' + str(SUBSCRIBERS) + ' ELSE x END')} AS b_number,
               CASE WHEN u < 55 THEN 'sms' WHEN u < 57 THEN 'mms' ELSE 'voice' END AS kind,
               {ts('d', 's + reply * 90')} AS started_at,
               CASE WHEN u >= 57 THEN CAST(hash(x, d, reply) % 400 AS BIGINT) END AS duration_s,
               '35' || lpad(CAST(CASE WHEN reply = 0 THEN x ELSE (x + 7919 * (c + 1)) % {SUBSCRIBERS} END AS VARCHAR), 13, '0') AS a_imei,
               {cell('CASE WHEN reply = 0 THEN x ELSE x + 7919 * (c + 1) END')} AS a_cell,
               {cell('CASE WHEN reply = 0 THEN x + 7919 * (c + 1) ELSE x END')} AS b_cell
        FROM ({background})"""
    # deal lines: number per line (a new one from SWITCH_DAY for every third line), customers, flares, orders
    line_number = f"CASE WHEN l % 3 = 0 AND d >= {SWITCH_DAY} THEN {mobile('l', '7996')} ELSE {mobile('l', '7999')} END"
    flares = f"""
        SELECT d, {line_number} AS a_number, {sub(f'hash(l, j) % {SUBSCRIBERS}')} AS b_number, 'sms' AS kind,
               {ts('d', '36000 + (l % 20) * 900 + f * 21600 + j * 2 + hash(l, d, f) % 300')} AS started_at,
               CAST(NULL AS BIGINT) AS duration_s, '35999' || lpad(CAST(l AS VARCHAR), 10, '0') AS a_imei,
               {cell('1000 + l % 1000')} AS a_cell, {cell(f'hash(l, j) % {SUBSCRIBERS}')} AS b_cell
        FROM range(0, {DAYS}) t1(d), range(0, {LINES}) t2(l), range(0, 2) t3(f), range(0, {CUSTOMERS}) t4(j)
        WHERE hash(l, j, d, f) % 10 <> 0"""
    orders = f"""
        SELECT d, l, o, hash(l, d, o) % {CUSTOMERS} AS j, 43200 + o * 3600 + hash(l, d, o, 1) % 1800 AS s
        FROM range(0, {DAYS}) t1(d), range(0, {LINES}) t2(l), range(0, 8) t3(o)"""
    order_rows = f"""
        SELECT d, {sub(f'hash(l, j) % {SUBSCRIBERS}')} AS a_number, {line_number} AS b_number, 'sms' AS kind,
               {ts('d', 's')} AS started_at, CAST(NULL AS BIGINT) AS duration_s, NULL AS a_imei,
               {cell(f'hash(l, j) % {SUBSCRIBERS}')} AS a_cell, {cell('1000 + l % 1000')} AS b_cell FROM ({orders})
        UNION ALL
        SELECT d, {line_number}, {sub(f'hash(l, j) % {SUBSCRIBERS}')}, 'voice', {ts('d', 's + 300')}, CAST(45 AS BIGINT),
               '35999' || lpad(CAST(l AS VARCHAR), 10, '0'), {cell('1000 + l % 1000')}, {cell(f'hash(l, j) % {SUBSCRIBERS}')}
        FROM ({orders})
        UNION ALL
        SELECT d, {line_number}, {mobile('l * 3 + o % 3', '7998')}, 'sms', {ts('d', 's + 180')}, CAST(NULL AS BIGINT),
               '35999' || lpad(CAST(l AS VARCHAR), 10, '0'), {cell('1000 + l % 1000')}, {cell('l')}
        FROM ({orders})"""
    bulk = f"""
        SELECT d, {mobile('b', '7997')} AS a_number, {sub(f'hash(b, j) % {SUBSCRIBERS}')} AS b_number, 'sms' AS kind,
               {ts('d', '61200 + j')} AS started_at, CAST(NULL AS BIGINT) AS duration_s, NULL AS a_imei,
               {cell('b')} AS a_cell, {cell(f'hash(b, j) % {SUBSCRIBERS}')} AS b_cell
        FROM range(0, {DAYS}) t1(d), range(0, {BULK}) t2(b), range(0, 300) t3(j)
        WHERE d % 7 = b % 7"""
    everything = f"""
        SELECT strftime(DATE '2026-06-01' + CAST(d AS INTEGER), '%Y-%m-%d') AS day, a_number, b_number, kind, started_at,
               duration_s, a_imei, a_cell, b_cell, 'bench' AS source
        FROM ({bg} UNION ALL {flares} UNION ALL {order_rows} UNION ALL {bulk})"""
    con.execute(f"COPY ({everything}) TO '{(out / 'comms').as_posix()}' "
                "(FORMAT parquet, PARTITION_BY (day), COMPRESSION zstd, OVERWRITE_OR_IGNORE)")
    con.execute(f"""COPY (SELECT '234-15-' || CAST(c AS VARCHAR) AS cell_id,
                        CASE WHEN c < 1000 THEN 51.6 + (hash(c, 1) % 1000) / 4000.0 ELSE 52.4 + (hash(c, 1) % 1000) / 1000.0 END AS lat,
                        CASE WHEN c < 1000 THEN -3.2 + (hash(c, 2) % 1000) / 2500.0 ELSE -2.0 + (hash(c, 2) % 1000) / 500.0 END AS lon,
                        CAST(NULL AS VARCHAR) AS force_area
                    FROM range(0, {CELLS}) r(c)) TO '{(out / 'cells.parquet').as_posix()}' (FORMAT parquet)""")
    con.close()


def files(out: Path) -> list[str]:
    return sorted(str(p) for p in (out / "comms").glob("day=*/*.parquet"))


def ceiling() -> dict:
    import duckdb

    paths = files(DATA)
    con = duckdb.connect(config={"memory_limit": "5GB", "threads": 2})
    con.execute(f"SET temp_directory = '{(DATA.parent / 'spill').as_posix()}'")
    started = time.monotonic()
    groups = con.execute(
        "SELECT count(*), sum(n) FROM (SELECT a_number, day, count(DISTINCT b_number) AS n "
        "FROM read_parquet($p, hive_partitioning = true) GROUP BY a_number, day)", {"p": paths}).fetchall()[0]
    return {"seconds": round(time.monotonic() - started, 1), "sender_days": groups[0], "rows": _rows(paths)}


def _rows(paths: list[str]) -> int:
    import duckdb

    return duckdb.connect().execute("SELECT count(*) FROM read_parquet($p)", {"p": paths}).fetchall()[0][0]


def lines() -> dict:
    import polars as pl

    from crossline.engine.duck import engine as duck_engine
    from crossline.settings import Settings
    from crossline.settings.lines import LinesSettings
    from crossline.stages.lines.detect import Inputs, detect_lines

    paths = files(DATA)
    cells = pl.read_parquet(DATA / "cells.parquet").with_columns(pl.col("force_area").cast(pl.String))
    started = time.monotonic()
    engine = duck_engine(Settings(duckdb_memory_limit="5GB", threads=2), DATA.parent / "spill")
    try:
        r = detect_lines(engine, Inputs(paths, cells, LinesSettings()))
        seconds = dict(getattr(engine, "seconds", {}))
        parts = {k: seconds.pop(k) for k in list(seconds) if k.startswith("lake_part_")}
        if parts:  # the first pass a few lake days at a time (sql.lake_days_fold): one line for all its chunks
            seconds[f"lake_part_* ({len(parts)} chunks)"] = round(sum(parts.values()), 2)
        steps = dict(sorted(seconds.items(), key=lambda kv: -kv[1]))
    finally:
        engine.close()
    seconds = time.monotonic() - started
    numbers = r.tables["line_numbers"]["number"].to_list()
    planted = {f"+447999{i:06d}" for i in range(LINES)} | {f"+447996{i:06d}" for i in range(0, LINES, 3)}
    found = set(numbers)
    succ = set(zip(r.tables["successions"]["old_number"], r.tables["successions"]["new_number"], strict=True))
    planted_succ = {(f"+447999{i:06d}", f"+447996{i:06d}") for i in range(0, LINES, 3)}
    return {
        "seconds": round(seconds, 1), "lines": r.tables["lines"].height, "line_numbers": len(found),
        "planted_numbers_found": f"{len(found & planted)}/{len(planted)}", "other_numbers_flagged": len(found - planted),
        "successions_found": f"{len(succ & planted_succ)}/{len(planted_succ)}",
        "candidates": r.tables["line_evidence"]["number"].n_unique(),
        "steps_s": steps, "steps_total_s": round(sum(steps.values()), 1),
    }


def _child(what: str) -> dict:
    """Run one measurement in a fresh process; returns its result and peak memory."""
    proc = subprocess.run([sys.executable, __file__, "--child", what, "--data", str(DATA)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    global DATA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--data", type=Path, default=None,
                    help="folder for the lake (default bench-data/lines-lake); one folder per size keeps each reusable")
    ap.add_argument("--generate-only", action="store_true", help="write the lake (if missing) and stop")
    ap.add_argument("--only", choices=["lines"], default=None,
                    help="run only this measurement (no ceiling, so no ratio): for looking at the steps")
    ap.add_argument("--child", choices=["ceiling", "lines"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    DATA = (args.data or DATA).resolve()
    if args.child:
        result = ceiling() if args.child == "ceiling" else lines()
        result["peak_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)
        print(json.dumps(result))
        return 0
    marker = DATA / f"rows-{args.rows}.ok"
    if not marker.exists():
        import shutil

        shutil.rmtree(DATA, ignore_errors=True)
        started = time.monotonic()
        generate(args.rows, DATA)
        marker.write_text("ok")
        print(f"generated the lake in {time.monotonic() - started:.0f} s into {DATA}")
    if args.generate_only:
        return 0
    print(f"load average before: {_load()}")
    ceil = _child("ceiling") if args.only is None else None
    got = _child("lines")
    print(f"load average after: {_load()}")
    print(f"comms rows: {ceil['rows'] if ceil else _rows(files(DATA)):,} in {len(files(DATA))} day files")
    print(f"{'':<44}{'seconds':>9}{'peak GB':>9}")
    if ceil:
        print(f"{'ceiling: distinct recipients per sender-day':<44}{ceil['seconds']:>9}{ceil['peak_gb']:>9}")
    print(f"{'lines stage (detector end to end)':<44}{got['seconds']:>9}{got['peak_gb']:>9}")
    if ceil:
        ratio = got["seconds"] / max(ceil["seconds"], 0.1)
        print(f"ratio to ceiling: {ratio:.2f}x (target <= 1.5x: {'MET' if ratio <= 1.5 else 'NOT MET'})")
    print(f"target <= 300 s and <= 8 GB: {'MET' if got['seconds'] <= 300 and got['peak_gb'] <= 8 else 'NOT MET'}")
    print(f"steps (s, slowest first; {got['steps_total_s']} s in SQL steps, the rest Python and fetches):")
    for name, sec in got["steps_s"].items():
        print(f"  {name:<24}{sec:>8}")
    print(json.dumps({"ceiling": ceil, "lines": got}, indent=2))
    return 0


def _load() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so every figure goes out with them."""
    import os

    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
