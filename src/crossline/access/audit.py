"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
canonical JSON, so editing any entry breaks every later link; the head table
holds the newest seq and hash, so deleting the newest entries is caught too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossline.access import purpose
from crossline.access.actor import Actor
from crossline.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(fields)).encode("utf-8")).hexdigest()


def _fields(seq: int, at: str, actor: Actor | dict[str, str], action: str, subject: str, details: str) -> dict[str, Any]:
    who = actor if isinstance(actor, dict) else {"user": actor.user, "agency": actor.agency, "role": actor.role}
    return {"seq": seq, "at": at, **who, "action": action, "subject": subject, "details": details}


def record(conn: Connection, actor: Actor, action: str, subject: str, details: dict[str, Any] | None = None) -> str:
    """Append one entry inside the caller's transaction; returns its hash.

    Written in the same transaction as what it records, so an action and its
    audit entry commit or vanish together.
    """
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    prev_seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    seq = prev_seq + 1
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    det = _canonical({**(details or {}), **purpose.current()})
    fields = _fields(seq, at, actor, action, subject, det)
    digest = entry_hash(prev_hash, fields)
    conn.execute(
        insert(AuditEntry).values(
            seq=seq, at=at, user=actor.user, agency=actor.agency, role=actor.role, action=action,
            subject=subject, details=det, prev_hash=prev_hash, hash=digest,
        )
    )
    if head:
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
    else:
        conn.execute(insert(AuditHead).values(id=1, seq=seq, hash=digest))
    return digest


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str
    problems: list[str]


def verify(conn: Connection) -> Verification:
    """Recompute the chain from the first entry; list every break found."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    last_hash = GENESIS
    rows = conn.execute(select(AuditEntry).order_by(AuditEntry.seq)).all()
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            problems.append(f"entry {expected_seq}" + (f" to {row.seq - 1}" if row.seq - 1 > expected_seq else "") + " deleted")
        if row.prev_hash != prev_hash:
            problems.append(f"entry {row.seq} does not follow the entry before it (an entry was deleted or edited)")
        fields = _fields(row.seq, row.at, {"user": row.user, "agency": row.agency, "role": row.role},
                         row.action, row.subject, row.details)
        if entry_hash(row.prev_hash, fields) != row.hash:
            problems.append(f"entry {row.seq} was edited after it was written ({row.action} {row.subject})")
        prev_hash, expected_seq, last_hash = row.hash, row.seq + 1, row.hash
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1)).first()
    if head is None and rows:
        problems.append("the audit head record is missing")
    elif head is not None:
        if head.seq != expected_seq - 1 or head.hash != last_hash:
            problems.append(f"the newest entries were deleted: the head records entry {head.seq}, the log ends at {expected_seq - 1}")
    return Verification(ok=not problems, entries=count, head=last_hash, problems=problems)
