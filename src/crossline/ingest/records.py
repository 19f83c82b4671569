"""Load staged records (persons, events, event_people, links, cell_sites) into the system of record.

Runs inside the import's one database transaction. DuckDB reads the staged
Parquet, keeps the later of two rows with the same key, and computes each
row's content hash; the database then upserts, changing a row only when its
content differs, so re-importing a bundle changes nothing. A row that does change is first
copied, as it was, into record_versions: a wrong correction loses nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from sqlalchemy import Connection, Table, text

from crossline.engine.duck import quote, quote_list
from crossline.ingest.report import FeedResult
from crossline.store.bulk import insert_frames, temp_table, upsert_sql
from crossline.store.models import CellSite, Event, EventPerson, Link, Person, table_of

PROVENANCE = ("bundle_id", "file", "line", "row_hash", "attributes", "invalid")


@dataclass(frozen=True)
class Target:
    kind: str
    table: Table
    key: tuple[str, ...]  # primary key, source first
    warn_duplicates: bool  # a repeated record_id is worth a warning; a repeated identical link is not


TARGETS: dict[str, Target] = {
    "persons": Target("persons", table_of(Person), ("source", "record_id"), True),
    "events": Target("events", table_of(Event), ("source", "record_id"), True),
    "cell_sites": Target("cell_sites", table_of(CellSite), ("source", "cell_id"), True),
    "links": Target("links", table_of(Link), ("source", "link_key"), False),
    "event_people": Target("event_people", table_of(EventPerson), ("source", "event_id", "person_id", "role"), False),
}
ORDER = ("cell_sites", "persons", "events", "links", "event_people")
BATCH = 100_000


def _select_list(con: duckdb.DuckDBPyConnection, view: str, target: Target) -> tuple[str, list[str]]:
    """DuckDB expressions giving the target table's columns from the staged rows."""
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {view}").fetchall()}
    exprs: dict[str, str] = {}
    for col in target.table.columns:
        name = col.name
        if name in ("bundle_id", "row_hash", "link_key"):
            continue
        if name not in types:
            exprs[name] = "NULL"
        elif types[name].endswith("[]"):
            exprs[name] = f'CAST(to_json("{name}") AS VARCHAR)'
        elif types[name].startswith("TIMESTAMP"):
            exprs[name] = f"strftime(\"{name}\", '%Y-%m-%dT%H:%M:%SZ')"
        else:
            exprs[name] = f'"{name}"'
    if target.kind == "links":
        exprs["link_key"] = (
            "md5(concat_ws('|', \"left\", relation, \"right\", coalesce(strftime(observed_at, '%Y-%m-%dT%H:%M:%SZ'), '')))"
        )
    content = [n for n in exprs if n not in PROVENANCE and n != "source"]
    hash_expr = "md5(concat_ws('\x1f', " + ", ".join(f"coalesce(CAST({exprs[c]} AS VARCHAR), '\x00')" for c in content) + "))"
    select = ", ".join(f"{e} AS \"{n}\"" for n, e in exprs.items())
    return f"{select}, {hash_expr} AS row_hash", content


def load_records(
    conn: Connection,
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    bundle_id: str,
    bundle_label: str,
    results: dict[str, FeedResult],
    timings: dict[str, float] | None = None,
) -> None:
    """Upsert every staged record kind, in an order that lets event_people check its references.

    ``timings["history"]`` gathers the seconds spent keeping replaced versions.
    """
    for kind in ORDER:
        parts = sorted((staging / kind).glob("*.parquet")) if (staging / kind).exists() else []
        if not parts:
            continue
        target = TARGETS[kind]
        files = quote_list([p.as_posix() for p in parts])
        con.execute(f"CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM read_parquet({files}, union_by_name=true)")
        select, _ = _select_list(con, "staged", target)
        con.execute(f"CREATE OR REPLACE TEMP TABLE shaped0 AS SELECT {select}, feed_index FROM staged")
        partition = ", ".join(f'"{k}"' for k in target.key)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE shaped AS SELECT *, row_number() OVER w AS rn, "
            "first_value(file) OVER w AS winner_file, first_value(line) OVER w AS winner_line FROM shaped0 "
            f"WINDOW w AS (PARTITION BY {partition} ORDER BY feed_index DESC, line DESC)"
        )
        con.execute("DROP TABLE shaped0")
        _record_duplicates(conn, con, target, bundle_id, bundle_label, results)
        tmp = temp_table(conn, target.table, f"stage_{kind}")
        cols = [c.name for c in target.table.columns]
        reader = con.sql(
            f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols if c != 'bundle_id')}, {quote(bundle_id)} AS bundle_id "
            "FROM shaped WHERE rn = 1"
        ).to_arrow_reader(BATCH)
        insert_frames(conn, tmp, (pl.DataFrame(b) for b in reader))
        if kind == "event_people":
            _reject_unknown_references(conn, bundle_id, bundle_label, results)
        _count_and_upsert(conn, target, tmp, results, bundle_id, timings if timings is not None else {})
        conn.exec_driver_sql(f"DROP TABLE {tmp.name}")
        con.execute("DROP TABLE shaped")


def _record_duplicates(conn: Connection, con: duckdb.DuckDBPyConnection, target: Target, bundle_id: str, bundle_label: str,
                       results: dict[str, FeedResult]) -> None:
    dup = con.sql("SELECT file, line, winner_file, winner_line FROM shaped WHERE rn > 1").pl()
    if not dup.height:
        return
    for (file,), group in dup.group_by(["file"]):
        results[str(file)].duplicates += group.height
    if not target.warn_duplicates:
        return
    key = target.key[1]
    issues = dup.select(
        bundle_id=pl.lit(bundle_id),
        bundle=pl.lit(bundle_label),
        file=pl.col("file"),
        line=pl.col("line"),
        column=pl.lit(key),
        value=pl.lit(None, pl.String),
        reason=pl.lit(f"duplicate {key} in this bundle: the later row at ")
        + pl.col("winner_file")
        + pl.lit(" line ")
        + pl.col("winner_line").cast(pl.String)
        + pl.lit(" wins"),
        severity=pl.lit("warning"),
    )
    for (file,), group in issues.group_by(["file"]):
        results[str(file)].warnings += group.height
    from crossline.store.models import Quarantine

    insert_frames(conn, table_of(Quarantine), [issues])


def _reject_unknown_references(conn: Connection, bundle_id: str, bundle_label: str, results: dict[str, FeedResult]) -> None:
    """event_people rows naming an event or person this source never gave are quarantined."""
    for column, table in (("event_id", "events"), ("person_id", "persons")):
        rows = conn.execute(
            text(
                f"SELECT s.file, s.line, s.{column} FROM stage_event_people s WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table} t WHERE t.source = s.source AND t.record_id = s.{column})"
            )
        ).all()
        if not rows:
            continue
        frame = pl.DataFrame(
            {
                "bundle_id": bundle_id, "bundle": bundle_label,
                "file": [r[0] for r in rows], "line": [r[1] for r in rows],
                "column": column, "value": [r[2] for r in rows],
                "reason": f"refers to a{'n event' if table == 'events' else ' person'} that this source has not given",
                "severity": "error",
            }
        )
        from crossline.store.models import Quarantine

        insert_frames(conn, table_of(Quarantine), [frame])
        for (file,), group in frame.group_by(["file"]):
            results[str(file)].quarantined += group.select(pl.col("line").n_unique()).item()
        conn.execute(
            text(
                f"DELETE FROM stage_event_people WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table} t WHERE t.source = stage_event_people.source "
                f"AND t.record_id = stage_event_people.{column})"
            )
        )


def _keep_replaced_versions(conn: Connection, target: Target, tmp: Table, bundle_id: str) -> None:
    """Copy every stored row this import is about to change into record_versions, in one INSERT ... SELECT.

    The same condition as the upsert's (the content hash differs), so exactly the
    replaced versions are kept, with the import that wrote each and the one that replaced it.
    """
    on = " AND ".join(f't."{k}" = s."{k}"' for k in target.key)
    skip = {*target.key, "bundle_id", "row_hash"}
    fields = sorted(c.name for c in target.table.columns if c.name not in skip)
    pairs = ", ".join(f"'{c}', t.\"{c}\"" for c in fields)
    data = f"json_build_object({pairs})::text" if conn.dialect.name == "postgresql" else f"json_object({pairs})"
    record_key = " || '|' || ".join(f't."{k}"' for k in target.key[1:])
    conn.execute(
        text(
            "INSERT INTO record_versions (kind, source, record_key, bundle_id, superseded_by, superseded_at, data) "
            f"SELECT :kind, t.source, {record_key}, t.bundle_id, :bundle_id, :at, {data} "
            f"FROM {target.table.name} t JOIN {tmp.name} s ON {on} WHERE t.row_hash <> s.row_hash"
        ),
        {"kind": target.kind, "bundle_id": bundle_id, "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )


def _count_and_upsert(
    conn: Connection, target: Target, tmp: Table, results: dict[str, FeedResult], bundle_id: str, timings: dict[str, float]
) -> None:
    on = " AND ".join(f't."{k}" = s."{k}"' for k in target.key)
    counts = conn.execute(
        text(
            f"SELECT s.file, "
            f"SUM(CASE WHEN t.row_hash IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN t.row_hash IS NOT NULL AND t.row_hash <> s.row_hash THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN t.row_hash = s.row_hash THEN 1 ELSE 0 END) "
            f"FROM {tmp.name} s LEFT JOIN {target.table.name} t ON {on} GROUP BY s.file"
        )
    ).all()
    for file, new, updated, unchanged in counts:
        r = results[file]
        r.new += int(new or 0)
        r.updated += int(updated or 0)
        r.unchanged += int(unchanged or 0)
        r.accepted += int(new or 0) + int(updated or 0) + int(unchanged or 0)
    if any(int(u or 0) for _, _, u, _ in counts):
        started = time.monotonic()
        _keep_replaced_versions(conn, target, tmp, bundle_id)
        timings["history"] = timings.get("history", 0.0) + time.monotonic() - started
    conn.exec_driver_sql(upsert_sql(target.table, tmp.name, target.key))
