"""Anchors: the signed head of the audit log, kept somewhere the workspace cannot reach.

An anchor (seq, hash, time, and an HMAC with the workspace's key) written to
a logbook, another machine or paper pins the whole log up to that entry: the
hash chain makes every earlier entry part of the anchored hash, so even
someone holding the key and the database cannot rewrite or cut what came
before the newest anchor without ``verify --anchor`` saying so.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from crossline.access import keys
from crossline.errors import InvalidInput
from crossline.store.models import AuditEntry, AuditHead

FORMAT = "crossline-audit-anchor/1"


@dataclass(frozen=True)
class Anchor:
    workspace_key: str  # the key's id: which workspace (and key) the anchor belongs to
    seq: int
    hash: str
    at: str
    mac: str
    format: str = FORMAT

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def _sign(key: bytes, key_name: str, seq: int, digest: str, at: str) -> str:
    return keys.mac(key, "anchor", key_name, seq, digest, at)


def take(conn: Connection, key: bytes) -> Anchor | None:
    """The current head, signed; None when the log is empty (nothing to pin)."""
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        return None
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    name = keys.key_id(key)
    return Anchor(workspace_key=name, seq=head.seq, hash=head.hash, at=at, mac=_sign(key, name, head.seq, head.hash, at))


def parse(text: str, origin: str = "anchor file") -> list[Anchor]:
    """Anchors from a file of JSON lines (blank lines and # comments are skipped, so a logbook can hold notes)."""
    out: list[Anchor] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            data = json.loads(line)
            out.append(Anchor(workspace_key=str(data["workspace_key"]), seq=int(data["seq"]), hash=str(data["hash"]),
                              at=str(data["at"]), mac=str(data["mac"]), format=str(data.get("format", FORMAT))))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"{origin} line {n} is not an audit anchor ({type(exc).__name__}); anchors are the lines `audit anchor` writes") from exc
    if not out:
        raise InvalidInput(f"{origin} holds no audit anchor")
    return out


def check(conn: Connection, key: bytes | None, anchors: list[Anchor]) -> list[str]:
    """What is wrong between the log and each anchor: the log must still hold every anchored entry, unchanged."""
    problems: list[str] = []
    for a in anchors:
        label = f"the anchor of entry {a.seq} taken {a.at}"
        if key is not None:
            if a.workspace_key != keys.key_id(key):
                problems.append(f"{label} belongs to another workspace or key")
                continue
            if not hmac.compare_digest(a.mac, _sign(key, a.workspace_key, a.seq, a.hash, a.at)):
                problems.append(f"{label} is not signed by this workspace's key (the anchor itself was altered)")
                continue
        row = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == a.seq)).first()
        if row is None:
            problems.append(f"{label}: the log no longer reaches entry {a.seq}; it was cut after the anchor was taken")
        elif row.hash != a.hash:
            problems.append(f"{label}: entry {a.seq} is not the anchored one; the log up to it was rewritten")
    return problems
