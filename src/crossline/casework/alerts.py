"""Alerts: something a person should look at, raised by a build and acknowledged by a person.

One table for every kind, one key: ``(kind, subject_type, subject_id)``. A
build's stages write the alerts they would raise into the picture (each row:
``kind, subject_type, subject_id, agencies, details``), and they are raised
here in the transaction that publishes that picture, so a build that does not
publish raises nothing. Raising an alert that exists with the same details
changes nothing (a rebuild never repeats one); with new details it is updated
and reopened. ``agencies`` (;-separated) are the agencies it is for, each a
recipient row; none means analysts only.

Kinds:

- ``ddtro_successor``: a line under a granted order is back on a number the
  order does not name (subject: ``<application>:<number>``);
- ``safeguarding_risk``: a young person newly at the alert band, or rising
  within it (subject: the nominal).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete, insert, select, update

from crossline.casework.models import AlertRecipient
from crossline.errors import NotFound
from crossline.store.models import Alert

KINDS = ("ddtro_successor", "safeguarding_risk")
STATUSES = ("open", "acknowledged")
SCHEMA = {"kind": pl.String, "subject_type": pl.String, "subject_id": pl.String, "agencies": pl.String, "details": pl.String}


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Alert rows as the picture stores them (``details`` as canonical JSON, so equal details compare equal)."""
    return pl.DataFrame(
        [{**r, "details": json.dumps(r["details"], sort_keys=True, default=str)} for r in rows], schema=SCHEMA, orient="row"
    ).sort("kind", "subject_type", "subject_id")


def raise_alerts(conn: Connection, alerts: pl.DataFrame, now: str) -> dict[str, int]:
    """Insert new alerts, update and reopen those whose details changed; returns counts by outcome."""
    counts = {"new": 0, "reopened": 0, "unchanged": 0}
    for row in alerts.iter_rows(named=True):  # alerts are few: a successor number, a child newly at high risk
        agencies = [a for a in (row["agencies"] or "").split(";") if a]
        key = (Alert.kind == row["kind"], Alert.subject_type == row["subject_type"], Alert.subject_id == row["subject_id"])
        existing = conn.execute(select(Alert.id, Alert.details).where(*key)).first()
        values = {"for_agency": agencies[0] if agencies else None, "raised_at": now, "details": row["details"],
                  "status": "open", "acknowledged_by": None, "acknowledged_at": None}
        if existing is None:
            alert_id = conn.execute(insert(Alert).values(
                kind=row["kind"], subject_type=row["subject_type"], subject_id=row["subject_id"], **values
            ).returning(Alert.id)).scalar_one()
            counts["new"] += 1
        elif existing.details != row["details"]:
            alert_id = existing.id
            conn.execute(update(Alert).where(Alert.id == alert_id).values(**values))
            conn.execute(delete(AlertRecipient).where(AlertRecipient.alert_id == alert_id))
            counts["reopened"] += 1
        else:
            counts["unchanged"] += 1
            continue
        if agencies:
            conn.execute(insert(AlertRecipient), [{"alert_id": alert_id, "agency": a} for a in agencies])
    return counts


def listed(conn: Connection, *, kinds: tuple[str, ...], status: str | None = None, agency: str | None = None,
           subject_id: str | None = None) -> list[dict[str, Any]]:
    """Alerts of ``kinds``, newest first; only those for ``agency`` when one is given."""
    q = select(Alert).where(Alert.kind.in_(kinds))
    if status is not None:
        q = q.where(Alert.status == status)
    if subject_id is not None:
        q = q.where(Alert.subject_id == subject_id)
    if agency is not None:
        q = q.where(Alert.id.in_(select(AlertRecipient.alert_id).where(AlertRecipient.agency == agency)))
    out = []
    for a in conn.execute(q.order_by(Alert.raised_at.desc(), Alert.id)):
        details = json.loads(a.details)
        out.append({
            "alert_id": a.id, "kind": a.kind, "subject_type": a.subject_type, "subject_id": a.subject_id,
            "raised_at": a.raised_at, "status": a.status, "acknowledged_by": a.acknowledged_by,
            "agencies": details.get("agencies", [a.for_agency] if a.for_agency else []),
            "message": details.get("message", ""), "details": details,
        })
    return out


def acknowledge(conn: Connection, alert_id: int, kinds: tuple[str, ...], by: str, now: str, agency: str | None = None) -> dict[str, Any]:
    """Acknowledge one alert of ``kinds`` (for ``agency``, when given); NotFound otherwise, whatever the reason."""
    found = [a for a in listed(conn, kinds=kinds, agency=agency) if a["alert_id"] == alert_id]
    if not found:
        raise NotFound(f"no alert {alert_id} here", next_step="list_alerts")
    conn.execute(update(Alert).where(Alert.id == alert_id).values(status="acknowledged", acknowledged_by=by, acknowledged_at=now))
    return {**found[0], "status": "acknowledged", "acknowledged_by": by}
