"""The append-only, hash-chained, authenticated audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's
own canonical JSON, so editing any entry breaks every later link. The hash
function is public, though: someone who can write the database could
recompute the whole chain. So each entry also carries an HMAC of its hash
made with the workspace's audit key (crossline.access.keys), which the
database never holds, and so does the head (the newest seq and hash), which
catches deleting the newest entries. A workspace fact records that the log has
history, so an emptied log does not pass as a new one. What remains possible
for someone holding both the database and the key file, or replaying an old
head, is written in docs/audit.md; anchors (crossline.access.anchor) kept
outside the workspace catch it up to the last anchor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from crossline.access import keys, purpose
from crossline.access.actor import Actor, os_account
from crossline.errors import ConfigurationError
from crossline.store.models import AuditEntry, AuditHead, Bundle, WorkspaceMeta

GENESIS = "0" * 64
HISTORY = "audit_history"  # workspace_meta: when the first entry was written, authenticated
_PG_LOCK = 0x43524F53534C4E45  # pg_advisory_xact_lock key that serialises appends to the log ("CROSSLNE")


def _canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(fields)).encode("utf-8")).hexdigest()


def entry_mac(key: bytes, seq: int, digest: str) -> str:
    return keys.mac(key, "entry", seq, digest)


def head_mac(key: bytes, seq: int, digest: str) -> str:
    return keys.mac(key, "head", seq, digest)


def _fields(seq: int, at: str, actor: Actor | dict[str, str], action: str, subject: str, details: str,
            os_user: str | None = None) -> dict[str, Any]:
    who = actor if isinstance(actor, dict) else {"user": actor.user, "agency": actor.agency, "role": actor.role}
    out = {"seq": seq, "at": at, **who, "action": action, "subject": subject, "details": details}
    if os_user is not None:  # entries from before migration 0004 hashed without it
        out["os_user"] = os_user
    return out


def _take_write_lock(conn: Connection) -> None:
    """Serialise appends before the head is read, so two writers never take the same seq.

    SQLite: a read outside a transaction would see a head another process is
    about to move; BEGIN IMMEDIATE takes the write lock first (waiting up to the
    busy timeout). Inside a transaction that has already written, the lock is held.
    """
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})


def record(conn: Connection, actor: Actor, action: str, subject: str, details: dict[str, Any] | None = None) -> str:
    """Append one entry inside the caller's transaction; returns its hash.

    Written in the same transaction as what it records, so an action and its
    audit entry commit or vanish together. Refused when the workspace has no
    audit key: an unauthenticated entry would be indistinguishable from a forged one.
    """
    key = keys.key_for(conn.engine)
    if key is None:
        raise ConfigurationError(
            "this workspace has no audit key (it was opened read-only or not through crossline.workspace), "
            "so nothing that must be audited can be done", next_step="restore_audit_key",
        )
    _take_write_lock(conn)
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    prev_seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    seq = prev_seq + 1
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    det = _canonical({**(details or {}), **purpose.current()})
    who = os_account()
    digest = entry_hash(prev_hash, _fields(seq, at, actor, action, subject, det, who))
    conn.execute(
        insert(AuditEntry).values(
            seq=seq, at=at, user=actor.user, agency=actor.agency, role=actor.role, action=action,
            subject=subject, details=det, prev_hash=prev_hash, hash=digest, os_user=who, mac=entry_mac(key, seq, digest),
        )
    )
    signed = head_mac(key, seq, digest)
    if head:
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest, mac=signed))
    else:
        conn.execute(insert(AuditHead).values(id=1, seq=seq, hash=digest, mac=signed))
    if conn.execute(select(WorkspaceMeta.key).where(WorkspaceMeta.key == HISTORY)).first() is None:
        fact = {"first_seq": seq, "at": at, "mac": keys.mac(key, "history", seq, at)}
        conn.execute(insert(WorkspaceMeta).values(key=HISTORY, value=_canonical(fact)))
    return digest


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str
    problems: list[str]
    seq: int = 0  # the newest entry's seq
    notes: list[str] = field(default_factory=list)  # what the check could not cover, said plainly


def _fact(conn: Connection, name: str) -> dict[str, Any] | None:
    value = conn.execute(select(WorkspaceMeta.value).where(WorkspaceMeta.key == name)).scalar()
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)


def verify(conn: Connection, key: bytes | None) -> Verification:
    """Recompute the chain and every authentication code from the first entry; list every break found.

    Reads only: a read-only workspace can be verified.
    """
    problems: list[str] = []
    notes: list[str] = []
    if key is None:
        problems.append("the audit key is not available, so entries cannot be authenticated (see docs/audit.md)")
    seal = _fact(conn, keys.SEALED)
    sealed_seq = int(seal.get("seq", 0)) if seal else 0
    if seal is not None and key is not None and not _same(seal.get("mac"), keys.mac(key, "seal", seal.get("seq"), seal.get("hash"))):
        problems.append("the record of entries written before the audit key existed was altered")
    prev_hash, expected_seq, count = GENESIS, 1, 0
    last_hash, last_at = GENESIS, ""
    rows = conn.execute(select(AuditEntry).order_by(AuditEntry.seq)).all()
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            problems.append(f"entry {expected_seq}" + (f" to {row.seq - 1}" if row.seq - 1 > expected_seq else "") + " deleted")
        if row.prev_hash != prev_hash:
            problems.append(f"entry {row.seq} does not follow the entry before it (an entry was deleted or edited)")
        fields = _fields(row.seq, row.at, {"user": row.user, "agency": row.agency, "role": row.role},
                         row.action, row.subject, row.details, row.os_user)
        if entry_hash(row.prev_hash, fields) != row.hash:
            problems.append(f"entry {row.seq} was edited after it was written ({row.action} {row.subject})")
        if row.mac is None:
            if not (seal and row.seq <= sealed_seq):
                problems.append(f"entry {row.seq} carries no authentication code (written without the workspace's key, or stripped)")
            elif row.seq == sealed_seq and row.hash != seal.get("hash"):
                problems.append(f"entry {row.seq}, written before the audit key existed, was rewritten")
        elif key is not None and not _same(row.mac, entry_mac(key, row.seq, row.hash)):
            problems.append(f"entry {row.seq} fails authentication: it was rewritten (or the chain recomputed) without the workspace's key")
        prev_hash, expected_seq, last_hash, last_at = row.hash, row.seq + 1, row.hash, row.at
    if seal and sealed_seq >= expected_seq:
        problems.append(f"entries up to {sealed_seq} existed when the audit key was made; the log now ends at {expected_seq - 1}")
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1)).first()
    history = _fact(conn, HISTORY)
    if head is None and rows:
        problems.append("the audit head record is missing")
    elif head is not None:
        if head.seq != expected_seq - 1 or head.hash != last_hash:
            problems.append(f"the newest entries were deleted: the head records entry {head.seq}, the log ends at {expected_seq - 1}")
        if head.mac is None or (key is not None and not _same(head.mac, head_mac(key, head.seq, head.hash))):
            problems.append("the audit head fails authentication: it was rewritten without the workspace's key")
    if not rows:
        if history is not None:
            problems.append(f"the log is empty but this workspace has audit history (first entry written {history.get('at', '?')}): it was emptied")
        elif head is not None:
            problems.append(f"the log is empty but the head records {head.seq} entries: it was emptied")
        elif seal is not None:
            problems.append("the log is empty but entries existed when the audit key was made: it was emptied")
    elif history is None and seal is None:
        problems.append("the record that this workspace's log has history is missing")
    if history is not None and key is not None and not _same(history.get("mac"), keys.mac(key, "history", history.get("first_seq"), history.get("at"))):
        problems.append("the record of when this workspace's audit history began was altered")
    bundles, newest_import = conn.execute(select(func.count(), func.max(Bundle.imported_at))).one()
    if bundles and not rows:
        problems.append(f"{bundles} bundle(s) were imported but the log has no entries: it was emptied")
    elif newest_import and last_at and str(newest_import)[:19] > last_at[:19]:
        problems.append(f"a bundle was imported at {newest_import}, after the log's last entry ({last_at}): the newest entries were cut")
    notes.append("entries cut back to an earlier, saved head are found only by an anchor taken after them (crossline audit anchor)")
    return Verification(ok=not problems, entries=count, head=last_hash, problems=problems, seq=expected_seq - 1, notes=notes)
