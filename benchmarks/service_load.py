"""Service load: 50 concurrent users opening person profiles and searching a workspace of a million people.

Builds a workspace of ``--people`` person records (default 1,000,000) with one
nominal per record published as the picture's nominals table (this measures
the service, not resolution: see benchmarks/linkage_scale.py for that), then,
for SQLite and (when it answers) PostgreSQL, serves it on 127.0.0.1 and drives:

  service   `crossline serve`: a request opens a random person's record (an audited read, with a
            purpose) or searches a name or a phone number (half each), with a police analyst's API token
  floor     a bare FastAPI endpoint, served the same way (same uvicorn, same workers), that reads one
            person row by key: what any Python web request costs on this machine in this run

Two load models, each for the service and the floor, each ``--seconds`` long
(bounded in count and time, 127.0.0.1 only):

  users       (the target) ``--users`` people at once, as "concurrent users" means: each user
              sends a request, reads the answer, then thinks for a random ``--think`` seconds
              (uniform, default 1 to 3 s, as Locust's ``between(1, 3)`` wait_time) before the
              next; users start staggered over the first think interval. 50 users then offer
              about 50 / (2 s + latency) requests a second. The target (issue 16 item 13,
              p95 at most 200 ms and no errors) is judged on this model.
  saturation  the same users with no think time: each fires its next request the instant the
              last returns, so ``--users`` requests are always in flight. This measures the
              most requests a second the server answers (req/s) and the queueing at that
              rate (p95 is about users / throughput): capacity, not a user's wait.

Every phase prints its requests, errors, req/s and latency percentiles, and
the load average at the end.

    .venv/bin/python benchmarks/service_load.py                     # full size, both databases
    .venv/bin/python benchmarks/service_load.py --people 100000 --seconds 15 --no-pg
    .venv/bin/python benchmarks/service_load.py --work /var/tmp/load --keep   # build once, keep it
    .venv/bin/python benchmarks/service_load.py --work /var/tmp/load --keep   # ...and reuse it
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.truth import publish_tables
from crossline.service import search, users
from crossline.service.imports import import_bundle
from crossline.sim import names
from crossline.workspace import init_workspace, open_workspace

PG_ADMIN = os.environ.get("CROSSLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
GIVEN = sorted(set(names.GIVEN_F_YOUNG + names.GIVEN_M_YOUNG + names.GIVEN_F_OLDER + names.GIVEN_M_OLDER))
FAMILY = sorted(set(names.FAMILY))

BARE_APP = '''
import os, sqlite3
from fastapi import FastAPI
from sqlalchemy import create_engine, text
app = FastAPI()
engine = create_engine(os.environ["BARE_URL"])
@app.get("/row/{record_id}")
def row(record_id: str) -> dict:
    with engine.connect() as conn:
        r = conn.execute(text("SELECT source, record_id, given_name, family_name FROM persons WHERE source = 'bench' AND record_id = :r"),
                         {"r": record_id}).first()
    return dict(r._mapping) if r else {}
'''


def bundle(out: Path, people: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    def quoted(words: list[str]) -> str:
        return "[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"

    given, family = quoted(GIVEN), quoted(FAMILY)
    con.execute(f"""COPY (SELECT 'R' || i AS record_id, {given}[1 + CAST(hash(i) % {len(GIVEN)} AS BIGINT)] AS given_name,
                           {family}[1 + CAST(hash(i * 7) % {len(FAMILY)} AS BIGINT)] AS family_name,
                           strftime(DATE '1970-01-01' + CAST(hash(i * 3) % 15000 AS INTEGER), '%Y-%m-%d') AS date_of_birth,
                           '07700' || lpad(CAST(i AS VARCHAR), 6, '0') AS phone
                    FROM range({people}) t(i)) TO '{out / "persons.csv"}' (HEADER)""")
    (out / "manifest.toml").write_text('contract_version = 1\nbundle = "service-load"\nproduced_at = "2026-12-01T00:00:00Z"\n\n'
                                       '[[agency]]\nid = "bench"\nname = "Benchmark Police"\ntype = "police"\nforce_area = "gwent"\n\n'
                                       '[[feed]]\nfile = "persons.csv"\nkind = "persons"\nsource = "bench"\n')
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"server at {url} did not answer")


async def load(base: str, paths: list[str], headers: dict[str, str], users_n: int, seconds: float,
               think: tuple[float, float] | None) -> tuple[list[float], int, int]:
    """Drive ``users_n`` users for ``seconds``; ``think`` (low, high) is each user's pause after a response, None for none.

    With think time each user starts at a random moment in the first interval
    (staggered, as people arrive) and never sleeps past the end of the phase.
    """
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users_n, max_keepalive_connections=users_n)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        async def user(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            if think is not None:
                await asyncio.sleep(min(rng.uniform(0, think[1]), max(0.0, stop - time.monotonic())))
            while time.monotonic() < stop:
                path = paths[rng.randrange(len(paths))]
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += 0 if ok else 1
                if think is not None:
                    await asyncio.sleep(min(rng.uniform(*think), max(0.0, stop - time.monotonic())))
        await asyncio.gather(*(user(i) for i in range(users_n)))
    return latencies, len(latencies), errors


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else float("nan")


def build_workspace(label: str, ws_path: Path, src: Path, database_url: str, people: int) -> None:
    """Import the bundle, publish one nominal per record and build the search index; marks the folder when done."""
    shutil.rmtree(ws_path, ignore_errors=True)
    ws = init_workspace(ws_path, database_url)
    t0 = time.monotonic()
    import_bundle(ws, LOCAL_ADMIN, src, as_agency="bench")
    t_import = time.monotonic() - t0
    nominals = pl.read_csv(src / "persons.csv", columns=["record_id"]).select(
        (pl.lit("N") + pl.col("record_id")).alias("nominal_id"), pl.lit("bench").alias("source"), "record_id",
        pl.lit(None, pl.Float64).alias("match_probability"))
    publish_tables(ws, {"nominals": nominals}, built_by="service_load benchmark")
    t0 = time.monotonic()
    with ws.engine.begin() as conn:
        from crossline.store import search_index
        search_index.refresh(conn)
    t_index = time.monotonic() - t0
    ws.close()
    (ws_path / READY).write_text(f"{people}\n")
    print(f"{label}: {people:,} people imported in {t_import:.0f} s, search index built in {t_index:.0f} s", flush=True)


READY = ".service-load-ready"


def run_backend(label: str, work: Path, src: Path, database_url: str, args: argparse.Namespace) -> list[tuple[str, ...]]:
    ws_path = work / f"ws-{label}"
    ready = ws_path / READY
    if args.keep and ready.exists() and ready.read_text().strip() == str(args.people):
        print(f"{label}: reusing the workspace at {ws_path} ({args.people:,} people)", flush=True)
    else:
        build_workspace(label, ws_path, src, database_url, args.people)
    ws = open_workspace(ws_path)
    secret, _ = users.issue_token(ws, LOCAL_ADMIN, name="load", agency="bench", role="police_analyst")
    search.search(ws, LOCAL_ADMIN, "Jones")  # warm
    bare_url = ws.engine.url.render_as_string(hide_password=False)
    ws.close()
    rng = random.Random(7)
    people = [f"R{rng.randrange(args.people)}" for _ in range(2000)]
    service_paths = []
    for i, rid in enumerate(people):
        service_paths.append(f"/api/v1/persons/bench/{rid}?purpose=load%20benchmark")
        if i % 2:
            service_paths.append(f"/api/v1/search?q={rng.choice(GIVEN)}%20{rng.choice(FAMILY)}")
        else:
            service_paths.append(f"/api/v1/search?q=07700{int(rid[1:]):06d}")
    rows = []
    env = {**os.environ, "CROSSLINE_WORKSPACE": str(ws_path)}
    models: list[tuple[str, tuple[float, float] | None]] = [("users", (args.think[0], args.think[1])), ("saturation", None)]
    for phase in ("floor", "service"):
        port = free_port()
        if phase == "service":
            cmd = [sys.executable, "-m", "crossline.cli", "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)]
            paths, headers, probe = service_paths, {"Authorization": f"Bearer {secret}"}, f"http://127.0.0.1:{port}/api/v1/openapi.json"
        else:
            app_file = work / "bare_app.py"
            app_file.write_text(BARE_APP)
            cmd = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(work), "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(args.workers), "--no-access-log"]
            env["BARE_URL"] = bare_url
            paths, headers, probe = [f"/row/{rid}" for rid in people], {}, f"http://127.0.0.1:{port}/openapi.json"
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_up(probe, proc)
            for model, think in models:
                lat, n, errors = asyncio.run(load(f"http://127.0.0.1:{port}", paths, headers, args.users, args.seconds, think))
                rows.append((label, model, phase, f"{n:,}", str(errors), f"{n / args.seconds:.1f}", f"{pct(lat, 50):.0f}",
                             f"{pct(lat, 95):.0f}", f"{pct(lat, 99):.0f}", f"{os.getloadavg()[0]:.1f}"))
                print("  ".join(rows[-1]), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30, help="length of each phase")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("LOW", "HIGH"),
                    help="a user's pause after each response, uniform in seconds (users model)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--work", type=Path, default=None, help="folder for the bundle and workspaces (default: a temporary one, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the workspaces (and the PostgreSQL database) in --work and reuse them next time")
    args = ap.parse_args()
    if args.keep and args.work is None:
        ap.error("--keep needs --work")
    work = args.work or Path(tempfile.mkdtemp(prefix="crossline-load-"))
    csv = work / "bundle" / "persons.csv"
    src = work / "bundle" if args.keep and csv.exists() and (work / "bundle" / f".rows-{args.people}").exists() else bundle(work / "bundle", args.people)
    (src / f".rows-{args.people}").touch()
    rows = run_backend("sqlite", work, src, "", args)
    if not args.no_pg:
        import psycopg

        name = f"crossline_load_{args.people}" if args.keep else f"crossline_load_{secrets.token_hex(4)}"
        try:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
                if exists and not (work / "ws-postgresql" / READY).exists():
                    conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
                    exists = False
                if not exists:
                    conn.execute(f"CREATE DATABASE {name}")
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL: skipped ({exc})")
        else:
            try:
                rows += run_backend("postgresql", work, src, f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", args)
            finally:
                if not args.keep:
                    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    think = f"think {args.think[0]:g}-{args.think[1]:g} s"
    print(f"\n{args.users} users, {args.seconds:.0f} s per phase, {args.people:,} people, {args.workers} uvicorn workers "
          "(target, on the users model: service p95 <= 200 ms, 0 errors)")
    print(f"users = each user waits a random {think} after each response (staggered start); "
          "saturation = no think time, every user's next request sent the instant the last returns")
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load1:.1f} (1 min) / {load5:.1f} (5 min) at the end: the load generator, "
          "the server and anything else running share them; compare the service with the floor of the same run")
    print(f"{'database':11} {'model':10} {'phase':8} {'requests':>9} {'errors':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'load1':>5}")
    for r in rows:
        print(f"{r[0]:11} {r[1]:10} {r[2]:8} {r[3]:>9} {r[4]:>6} {r[5]:>6} {r[6]:>7} {r[7]:>7} {r[8]:>7} {r[9]:>5}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
