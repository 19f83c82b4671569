"""DDTRO applications: the state machine of an application for a drug dealing telecommunications restriction order.

    drafted ──► applied ──► granted ──► disconnected
                   │
                   └──────► refused

An application names a line's numbers and every handset (IMEI) seen on them:
an order on the IMEI survives a SIM swap (DOMAIN.md). Each move is a
``ddtro_status_changes`` row with who, when and a note, and may carry the
date the event actually happened (an order granted on Monday and recorded on
Wednesday). These functions hold the rules and write inside the caller's
transaction; crossline.service.lines checks policy and audits around them.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, insert, select, update

from crossline.errors import Conflict, InvalidInput, NotFound
from crossline.store.models import DdtroApplication, DdtroStatusChange

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "drafted": ("applied",),
    "applied": ("granted", "refused"),
    "granted": ("disconnected",),
    "refused": (),
    "disconnected": (),
}
STATUSES = tuple(TRANSITIONS)
ORDERED = ("granted", "disconnected")  # an order is in force (or has been executed)


def draft(conn: Connection, *, line_id: str, numbers: list[str], imeis: list[str], note: str, user: str, now: str) -> str:
    """A new application for ``line_id``; returns its id (``DDTRO-<line>-<n>``)."""
    count = conn.execute(select(func.count()).select_from(DdtroApplication).where(DdtroApplication.line_id == line_id)).scalar() or 0
    app_id = f"DDTRO-{line_id}-{count + 1}"
    conn.execute(insert(DdtroApplication).values(
        application_id=app_id, line_id=line_id, status="drafted", numbers=json.dumps(sorted(numbers)),
        imeis=json.dumps(sorted(imeis)), created_at=now, created_by=user, updated_at=now,
    ))
    conn.execute(insert(DdtroStatusChange).values(application_id=app_id, status="drafted", note=note, user=user, at=now))
    return app_id


def transition(conn: Connection, application_id: str, status: str, note: str, user: str, now: str, happened_at: str | None = None) -> str:
    """Move an application on; returns the status it had. Raises Conflict for a move the state machine forbids.

    ``happened_at``: when the move actually happened (the day a court granted the order), if earlier than ``now``;
    the change is dated then (successor alerts count from it) and its note says when it was recorded.
    """
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    app = conn.execute(select(DdtroApplication).where(DdtroApplication.application_id == application_id).with_for_update()).first()
    if app is None:
        raise NotFound(f"no application {application_id!r}", next_step="list_applications")
    allowed = TRANSITIONS[app.status]
    if status not in allowed:
        nxt = " or ".join(allowed) if allowed else "nothing (it is closed)"
        raise Conflict(f"{application_id} is {app.status}; it can move to {nxt}, not {status}")
    conn.execute(update(DdtroApplication).where(DdtroApplication.application_id == application_id).values(status=status, updated_at=now))
    if happened_at is not None and happened_at != now:
        note = f"{note} (recorded {now})".strip()
    conn.execute(insert(DdtroStatusChange).values(application_id=application_id, status=status, note=note, user=user, at=happened_at or now))
    return str(app.status)


def applications(conn: Connection, line_id: str | None = None) -> list[dict[str, Any]]:
    """Applications (one line's, or all) with their status history, oldest first."""
    stmt = select(DdtroApplication).order_by(DdtroApplication.created_at, DdtroApplication.application_id)
    if line_id:
        stmt = stmt.where(DdtroApplication.line_id == line_id)
    out = []
    for a in conn.execute(stmt).all():
        history = conn.execute(
            select(DdtroStatusChange).where(DdtroStatusChange.application_id == a.application_id).order_by(DdtroStatusChange.id)
        ).all()
        out.append({
            "application_id": a.application_id, "line_id": a.line_id, "status": a.status,
            "numbers": json.loads(a.numbers), "imeis": json.loads(a.imeis), "created_at": a.created_at,
            "created_by": a.created_by, "updated_at": a.updated_at,
            "history": [{"status": h.status, "note": h.note, "user": h.user, "at": h.at} for h in history],
        })
    return out


def ordered_numbers(conn: Connection) -> pl.DataFrame:
    """number, application_id, line_id, granted_at, imeis: every number named in a granted or executed order."""
    rows = []
    for app in conn.execute(select(DdtroApplication).where(DdtroApplication.status.in_(ORDERED)).order_by(DdtroApplication.application_id)).all():
        granted = conn.execute(
            select(DdtroStatusChange.at).where(
                DdtroStatusChange.application_id == app.application_id, DdtroStatusChange.status == "granted"
            ).order_by(DdtroStatusChange.id)
        ).scalars().first()
        for number in json.loads(app.numbers or "[]"):
            rows.append({"number": number, "application_id": app.application_id, "line_id": app.line_id,
                         "granted_at": granted or app.updated_at, "imeis": ";".join(json.loads(app.imeis or "[]"))})
    return pl.DataFrame(rows, schema={"number": pl.String, "application_id": pl.String, "line_id": pl.String,
                                      "granted_at": pl.String, "imeis": pl.String})
