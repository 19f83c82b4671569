"""Import one bundle: stage every feed aside, then write it all in one transaction, or nothing.

Order of work, and why:
1. Open the bundle and validate the manifest (nothing read yet).
2. Stage every feed: stream, validate, normalise, write Parquet under
   ``lake/.staging/<id>/``. A bad file fails here, before the store is touched.
3. One database transaction: quarantine, records upserted, comms merged into
   new day files which are moved into the lake and listed, the import log and
   the audit entry. Commit.
4. After the commit, the lake files that were superseded are deleted.
A failure or kill before the commit leaves only unlisted files, which the next
open of the workspace sweeps away.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, delete, insert, select

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.contract.manifest import MANIFEST_NAME
from crossline.engine import duck
from crossline.faults import checkpoint
from crossline.ingest import senders
from crossline.ingest.bundle import OpenedBundle, open_bundle
from crossline.ingest.comms_lake import merge_comms
from crossline.ingest.records import load_records
from crossline.ingest.report import FeedResult, ImportResult
from crossline.ingest.stage import StagedFeed, stage_feed
from crossline.store import lake as lake_store
from crossline.store.bulk import insert_frames
from crossline.store.models import Bundle, ImportLog, LakeFile, Quarantine, table_of
from crossline.workspace import Workspace

Progress = Callable[[str, str, int, int | None], None]  # (phase, item, done, total)


def _new_bundle_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def import_bundle(
    ws: Workspace, actor: Actor, bundle_path: Path, from_agency: str, progress: Progress | None = None
) -> ImportResult:
    """Import a bundle folder or .zip made by ``from_agency``; see the module docstring for the guarantees."""
    started = time.monotonic()
    with lake_store.writer_lock(ws.path):
        bundle_id = _new_bundle_id()
        scratch = ws.staging / bundle_id
        scratch.mkdir(parents=True, exist_ok=True)
        moved: list[Path] = []
        try:
            opened = open_bundle(Path(bundle_path), scratch, ws.settings.imports)
            results = {f.file: FeedResult(f.file, f.kind, f.source) for f in opened.manifest.feed}
            with ws.engine.connect() as conn:
                allowed = senders.may_send_for(conn, from_agency)
            for r in results.values():
                if r.source not in allowed:
                    r.refused = senders.refusal(from_agency, r.source)
            timings: dict[str, float] = {}
            mark = time.monotonic()

            def lap(name: str) -> None:
                nonlocal mark
                now = time.monotonic()
                timings[name] = timings.get(name, 0.0) + now - mark
                mark = now

            staged = _stage_all(ws, opened, scratch / "rows", progress, allowed)
            lap("stage")
            checkpoint("after_staging")
            con = duck.connect(ws.settings, spill_dir=scratch / "spill")
            try:
                with ws.engine.begin() as conn:
                    notes = _record_bundle(conn, actor, opened, bundle_id, from_agency, allowed)
                    _load_issues(conn, scratch / "rows" / "issues", bundle_id, opened.label)
                    _record_refusals(conn, bundle_id, opened.label, results)
                    for s in staged:
                        r = results[s.file]
                        r.rows_read, r.quarantined, r.warnings = s.rows_read, s.errors, s.warnings
                    lap("quarantine")
                    load_records(conn, con, scratch / "rows", bundle_id, opened.label, results, timings)
                    lap("records")
                    timings["records"] -= timings.get("history", 0.0)  # shown apart: the cost of keeping replaced versions
                    checkpoint("after_records")
                    existing = _existing_days(conn)
                    days = merge_comms(
                        scratch / "rows", scratch / "lake", existing, ws.lake, bundle_id, results,
                        progress=(lambda d, t: progress("merging comms", "days", d, t)) if progress else None,
                    )
                    for day in days:
                        for staged_path, rel, rows in day.written:
                            dest = ws.lake / rel
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            os.replace(staged_path, dest)
                            moved.append(dest)
                            conn.execute(
                                insert(LakeFile).values(
                                    path=rel, dataset="comms", partition=day.day, rows=rows, bundle_id=bundle_id
                                )
                            )
                        if day.replaces:
                            conn.execute(delete(LakeFile).where(LakeFile.path.in_(day.replaces)))
                    lap("comms merge")
                    checkpoint("after_lake_move")
                    _write_log(conn, bundle_id, results)
                    result = ImportResult(
                        bundle_id=bundle_id, bundle=opened.label, feeds=list(results.values()), from_agency=from_agency,
                        notes=[f"agency {n.agency_id}: {n.reason}" for n in notes],
                    )
                    result.audit_hash = audit.record(
                        conn, actor, "import", opened.label,
                        {"bundle_id": bundle_id, "content_hash": opened.content_hash, "from_agency": from_agency,
                         "accepted": result.accepted, "quarantined": result.quarantined, "warnings": result.warnings,
                         "refused_feeds": [r.file for r in results.values() if r.refused],
                         "agency_notes": [f"{n.agency_id} {n.field}" for n in notes]},
                    )
                    checkpoint("before_commit")
                lap("commit")
                result.timings = timings
            finally:
                con.close()
        except BaseException:
            for path in moved:  # rolled back: these were never listed
                path.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for day in days:
            for old in day.replaces:
                (ws.lake / old).unlink(missing_ok=True)
    result.seconds = time.monotonic() - started
    return result


def _existing_days(conn: Connection) -> dict[str, list[tuple[str, int]]]:
    rows = conn.execute(
        select(LakeFile.partition, LakeFile.path, LakeFile.rows).where(LakeFile.dataset == "comms")
    ).all()
    days: dict[str, list[tuple[str, int]]] = {}
    for partition, path, n in rows:
        days.setdefault(partition, []).append((path, int(n)))
    return days


def _stage_all(ws: Workspace, opened: OpenedBundle, out: Path, progress: Progress | None, allowed: frozenset[str]) -> list[StagedFeed]:
    staged = []
    for i, feed in enumerate(opened.manifest.feed):
        if feed.source not in allowed:
            continue  # never read: its records may not be written by this bundle
        cb = (lambda file, rows: progress("reading", file, rows, None)) if progress else None
        staged.append(stage_feed(i, feed, opened.feed_path(feed.file), out, ws.settings.import_batch_rows, cb))
        if progress:
            progress("staged", feed.file, i + 1, len(opened.manifest.feed))
    return staged


def _record_bundle(
    conn: Connection, actor: Actor, opened: OpenedBundle, bundle_id: str, from_agency: str, allowed: frozenset[str]
) -> list[senders.AgencyNote]:
    m = opened.manifest
    conn.execute(
        insert(Bundle).values(
            bundle_id=bundle_id, name=m.bundle, produced_at=m.produced_at,
            imported_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), imported_by=str(actor),
            content_hash=opened.content_hash, manifest=opened.manifest_text, from_agency=from_agency,
        )
    )
    notes = senders.settle_agencies(conn, m, allowed)
    if notes:
        insert_frames(conn, table_of(Quarantine), [pl.DataFrame({
            "bundle_id": bundle_id, "bundle": opened.label, "file": MANIFEST_NAME, "line": [None] * len(notes),
            "column": [f"agency.{n.field}" for n in notes], "value": [n.agency_id for n in notes],
            "reason": [n.reason for n in notes], "severity": "warning",
        }, schema_overrides={"line": pl.Int64})])
    # Re-importing the same bundle reports its quarantine afresh rather than twice.
    earlier = select(Bundle.bundle_id).where(Bundle.content_hash == opened.content_hash, Bundle.bundle_id != bundle_id)
    conn.execute(delete(Quarantine).where(Quarantine.bundle_id.in_(earlier)))
    return notes


def _record_refusals(conn: Connection, bundle_id: str, label: str, results: dict[str, FeedResult]) -> None:
    """One quarantine entry per feed whose records this bundle may not write: the feed's name and why."""
    refused = [r for r in results.values() if r.refused]
    if refused:
        insert_frames(conn, table_of(Quarantine), [pl.DataFrame({
            "bundle_id": bundle_id, "bundle": label, "file": [r.file for r in refused], "line": [None] * len(refused),
            "column": "source", "value": [r.source for r in refused], "reason": [r.refused for r in refused], "severity": "error",
        }, schema_overrides={"line": pl.Int64})])


def _load_issues(conn: Connection, issues_dir: Path, bundle_id: str, label: str) -> None:
    parts = sorted(issues_dir.glob("*.parquet")) if issues_dir.exists() else []
    frames = (
        pl.read_parquet(p).select(
            pl.lit(bundle_id).alias("bundle_id"), pl.lit(label).alias("bundle"),
            "file", "line", pl.col("column").str.replace_all("\x00", "\u2400", literal=True),
            pl.col("value").str.replace_all("\x00", "\u2400", literal=True), "reason", "severity",
        )
        for p in parts
    )
    insert_frames(conn, table_of(Quarantine), frames)


def _write_log(conn: Connection, bundle_id: str, results: dict[str, FeedResult]) -> None:
    for r in results.values():
        conn.execute(
            insert(ImportLog).values(
                bundle_id=bundle_id, file=r.file, kind=r.kind, source=r.source, rows_read=r.rows_read,
                accepted=r.accepted, new=r.new, updated=r.updated, unchanged=r.unchanged,
                duplicates=r.duplicates, quarantined=r.quarantined, warnings=r.warnings,
            )
        )
