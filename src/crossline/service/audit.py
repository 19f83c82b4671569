"""Verifying and reading the audit log."""

from __future__ import annotations

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.workspace import Workspace


def verify(ws: Workspace, actor: Actor) -> audit.Verification:
    """Recompute the whole hash chain; the verification is itself recorded when the chain is intact."""
    require(actor, "verify_audit")
    with ws.engine.connect() as conn:
        result = audit.verify(conn)
    if result.ok and not ws.read_only:  # a read-only workspace (a backup, an auditor's copy) is checked, not written
        with ws.engine.begin() as conn:
            audit.record(conn, actor, "audit_verify", "audit_log", {"entries": result.entries, "head": result.head})
    return result
