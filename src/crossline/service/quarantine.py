"""The quarantine as stored: rows imports rejected or warned about, read without exporting them.

Raw rejected values of every agency: ``read_quarantine`` (police and national
standing, crossline.access.policy), and each read is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import InvalidInput
from crossline.store.models import Quarantine
from crossline.workspace import Workspace

SEVERITIES = ("error", "warning")


def list_quarantine(ws: Workspace, actor: Actor, bundle: str | None = None, file: str | None = None,
                    severity: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Quarantined rows in import order, narrowed by bundle (its name or id), file (a part of its path) and severity."""
    require(viewer(ws.engine, actor), "read_quarantine")
    if severity is not None and severity not in SEVERITIES:
        raise InvalidInput(f"a severity is {' or '.join(SEVERITIES)}, not {severity!r}")
    if limit < 1:
        raise InvalidInput("--limit must be 1 or more")
    q = select(Quarantine.id, Quarantine.bundle, Quarantine.bundle_id, Quarantine.file, Quarantine.line, Quarantine.column,
               Quarantine.value, Quarantine.reason, Quarantine.severity)
    if bundle:
        q = q.where((Quarantine.bundle == bundle) | (Quarantine.bundle_id == bundle))
    if file:
        q = q.where(Quarantine.file.contains(file, autoescape=True))
    if severity:
        q = q.where(Quarantine.severity == severity)
    with ws.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q.order_by(Quarantine.id).limit(limit))]
        audit.record(conn, actor, "read_quarantine", bundle or "quarantine", {"file": file, "severity": severity, "rows": len(rows)})
    return rows
