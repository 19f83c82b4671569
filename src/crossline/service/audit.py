"""Verifying, anchoring and reading the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crossline.access import anchor as anchors
from crossline.access import audit, keys
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.errors import Conflict, IntegrityError, InvalidInput
from crossline.store.models import AuditEntry
from crossline.workspace import Workspace


def verify(ws: Workspace, actor: Actor, anchor_file: Path | None = None) -> audit.Verification:
    """Recompute the whole chain and its authentication codes, and check the log still extends every anchor given.

    Writes nothing, so a read-only workspace (or a copy handed to an auditor) can be verified.
    """
    require(actor, "verify_audit")
    given: list[anchors.Anchor] = []
    if anchor_file is not None:
        try:
            text = Path(anchor_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read the anchor file {anchor_file}: {exc}") from exc
        given = anchors.parse(text, str(anchor_file))
    key = keys.key_for(ws.engine)
    with ws.engine.connect() as conn:
        result = audit.verify(conn, key)
        if given:
            result.problems.extend(anchors.check(conn, key, given))
            result.ok = not result.problems
            result.notes = [f"checked against {len(given)} anchor(s), the newest for entry {max(a.seq for a in given)}"] + [
                n for n in result.notes if "anchor" not in n
            ]
    return result


def anchor(ws: Workspace, actor: Actor, out: Path | None = None) -> anchors.Anchor:
    """Sign the current head for keeping outside the workspace; appended to ``out`` when given.

    Only an intact log is anchored: an anchor on a broken one would bless the break.
    """
    require(actor, "verify_audit")
    key = keys.key_for(ws.engine)
    if key is None:
        raise IntegrityError("the audit key is not available, so the head cannot be signed", next_step="restore_audit_key")
    with ws.engine.connect() as conn:
        result = audit.verify(conn, key)
        if not result.ok:
            raise IntegrityError(f"the audit log does not verify ({result.problems[0]}); it cannot be anchored")
        taken = anchors.take(conn, key)
    if taken is None:
        raise Conflict("the audit log is empty: there is nothing to anchor yet")
    if out is not None:
        out = Path(out)
        if out.resolve().is_relative_to(ws.path.resolve()):
            raise InvalidInput(f"{out} is inside the workspace; an anchor must be kept where the workspace's users cannot change it")
        with out.open("a", encoding="utf-8") as fh:
            fh.write(taken.line() + "\n")
    return taken


@dataclass
class LogRead:
    """Entries read from the log, and what could not be done while reading them, said plainly."""

    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def _recordable(ws: Workspace) -> bool:
    """Whether a read can be entered in the log: not in a read-only workspace whose SQLite database is opened read-only.

    A read-only folder over PostgreSQL still records (the database is writable), so making the folder read-only
    is no way to read the log without a trace; anyone who can make a SQLite workspace read-only could read its
    file directly anyway.
    """
    return not (ws.read_only and ws.engine.dialect.name == "sqlite")


def log(ws: Workspace, actor: Actor, user: str | None = None, action: str | None = None, subject: str | None = None,
        since: str | None = None, until: str | None = None, limit: int = 200, before: int | None = None) -> LogRead:
    """Audit entries, newest first, narrowed by user, action, subject (a part of it) and date (YYYY-MM-DD, inclusive),
    a page at a time when ``before`` (a seq) is given: the command line and the auditor's viewer read the log alike.

    Reading the log is itself audited (an auditor's reads are part of the record), except in a read-only workspace,
    where nothing can be written: like verification there, the entries are still shown, with a note that this read
    was not recorded (never silently).
    """
    require(actor, "read_audit")
    for name, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{name} is a date, YYYY-MM-DD, not {value!r}") from None
    if limit < 1:
        raise InvalidInput("--limit must be 1 or more")
    q = select(AuditEntry.seq, AuditEntry.at, AuditEntry.user, AuditEntry.agency, AuditEntry.role, AuditEntry.action,
               AuditEntry.subject, AuditEntry.details)
    if user:
        q = q.where(AuditEntry.user == user)
    if action:
        q = q.where(AuditEntry.action == action)
    if subject:
        q = q.where(AuditEntry.subject.contains(subject, autoescape=True))
    if before is not None:
        q = q.where(AuditEntry.seq < before)
    if since:
        q = q.where(AuditEntry.at >= since)
    if until:
        q = q.where(AuditEntry.at < (date.fromisoformat(until) + timedelta(days=1)).isoformat())
    notes: list[str] = []
    with ws.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q.order_by(AuditEntry.seq.desc()).limit(limit))]
        if _recordable(ws):
            audit.record(conn, actor, "read_audit", subject or "audit_log",
                         {"user": user, "action": action, "since": since, "until": until, "before": before, "rows": len(rows)})
        else:
            notes.append("this read could not be recorded in the audit log: the workspace is read-only")
    for r in rows:
        r["details"] = json.loads(r["details"]) if r["details"] else {}
    return LogRead(rows=rows, notes=notes)

