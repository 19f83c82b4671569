"""Alerts, of every kind, for the people who should look at them: one list, one acknowledgement, one audit scheme.

Who sees what: administrators and police or national analysts see every
kind; anyone else (a partner agency's analyst too: the standing of
crossline.access.need_to_know, not the role alone) sees only the kinds it may
act on (``safeguarding_risk``) and only alerts addressed to its own agency. An alert that is not visible is "not found", never "not
allowed", so a partner cannot learn that it exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.casework import alerts as rules
from crossline.errors import InvalidInput
from crossline.workspace import Workspace

UNRESTRICTED = ("admin", "police")  # standings that see every alert
PARTNER_KINDS = ("safeguarding_risk",)


def scope(ws: Workspace, actor: Actor, kind: str | None) -> tuple[tuple[str, ...], str | None]:
    """(kinds, agency filter) the actor may see, narrowed to ``kind`` when given."""
    if kind is not None and kind not in rules.KINDS:
        raise InvalidInput(f"unknown kind of alert {kind!r}; the kinds are: {', '.join(rules.KINDS)}")
    who = viewer(ws.engine, actor)
    require(who, "read_alerts")
    unrestricted = who.standing in UNRESTRICTED
    visible = rules.KINDS if unrestricted else PARTNER_KINDS
    kinds = tuple(k for k in visible if kind is None or k == kind)
    return kinds, None if unrestricted else actor.agency


def list_alerts(ws: Workspace, actor: Actor, kind: str | None = None, status: str | None = "open") -> list[dict[str, Any]]:
    """Alerts the actor may see, newest first; audited (they name young people and numbers)."""
    require(viewer(ws.engine, actor), "read_alerts")
    if status is not None and status not in rules.STATUSES:
        raise InvalidInput(f"unknown alert status {status!r}; one of: {', '.join(rules.STATUSES)}")
    kinds, agency = scope(ws, actor, kind)
    with ws.engine.begin() as conn:
        rows = rules.listed(conn, kinds=kinds, status=status, agency=agency) if kinds else []
        audit.record(conn, actor, "alert_read", kind or "alerts", {"status": status, "rows": len(rows)})
    _name_young_people(ws, actor, rows)
    return rows


def _name_young_people(ws: Workspace, actor: Actor, rows: list[dict[str, Any]]) -> None:
    """Give each alert about a young person ``who`` (name, age, area), from the records the actor may open."""
    from crossline.service.people import who

    nominals = [r["subject_id"] for r in rows if r.get("subject_type") == "nominal"]
    if not nominals:
        return
    named = who(ws, viewer(ws.engine, actor), nominals)
    for r in rows:
        if r.get("subject_type") == "nominal":
            r["who"] = named[r["subject_id"]].line()


def acknowledge(ws: Workspace, actor: Actor, alert_id: int, kind: str | None = None) -> dict[str, Any]:
    """Acknowledge one alert the actor may see (of ``kind``, when given: ``line-alerts --ack`` acknowledges only its own)."""
    require(viewer(ws.engine, actor), "read_alerts")
    kinds, agency = scope(ws, actor, kind)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with ws.engine.begin() as conn:
        done = rules.acknowledge(conn, alert_id, kinds, str(actor), now, agency)
        audit.record(conn, actor, "alert_ack", str(alert_id), {"kind": done["kind"], "subject": done["subject_id"]})
    return done
