"""Anonymous reporting: anyone may submit (no actor, nothing about the sender kept); police triage it, audited."""

from __future__ import annotations

from typing import Any

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.casework import concerns
from crossline.workspace import Workspace

ANONYMOUS = Actor(user="anonymous-reporter", agency="public", role="partner")


def submit(ws: Workspace, concern: str, area: str | None) -> str:
    """Store a concern; the audit entry says one arrived, never from whom (there is nothing to say)."""
    with ws.engine.begin() as conn:
        report_id = concerns.submit(conn, concern, area, ws.settings.service.report_max_chars)
        audit.record(conn, ANONYMOUS, "anonymous_report", report_id, {})
    return report_id


def triage_queue(ws: Workspace, actor: Actor, status: str | None = "new") -> list[dict[str, Any]]:
    require(viewer(ws.engine, actor), "triage_reports")
    with ws.engine.begin() as conn:
        rows = concerns.queue(conn, status)
        audit.record(conn, actor, "read_anonymous_reports", "anonymous_reports", {"rows": len(rows), "status": status})
    return rows


def triage(ws: Workspace, actor: Actor, report_id: str, outcome: str, note: str) -> dict[str, Any]:
    require(viewer(ws.engine, actor), "triage_reports")
    with ws.engine.begin() as conn:
        out = concerns.triage(conn, report_id, outcome, note, actor.user)
        audit.record(conn, actor, "triage_anonymous_report", report_id, {"outcome": outcome})
    return out


def report(ws: Workspace, actor: Actor, concern: str, area: str | None) -> dict[str, Any]:
    """A named agency (a hotel chain, a taxi firm, a rail operator) reports a concern into the same police triage queue."""
    require(viewer(ws.engine, actor), "report_concern")
    with ws.engine.begin() as conn:
        report_id = concerns.submit(conn, concern, area, ws.settings.service.report_max_chars, reported_by=actor.agency)
        audit.record(conn, actor, "agency_report", report_id, {})
        return next(r for r in concerns.reported_by(conn, actor.agency, 100000) if r["report_id"] == report_id)


def my_reports(ws: Workspace, actor: Actor) -> list[dict[str, Any]]:
    """The concerns the actor's agency reported, newest first, with where each stands (nothing of anyone else's)."""
    require(viewer(ws.engine, actor), "my_reports")
    with ws.engine.begin() as conn:
        rows = concerns.reported_by(conn, actor.agency)
        audit.record(conn, actor, "read_own_reports", actor.agency, {"rows": len(rows)})
    return rows
