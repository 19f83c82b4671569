"""Anonymous concerns: a young person or a resident tells the police something without saying who they are.

Stored with the day it arrived (not the time: a time can be matched to a
person seen at a keyboard), the area and the concern as written, graded 2/D
(3x5x2: an untested source, the information cannot be judged) and queued for
police triage.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossline.errors import Conflict, InvalidInput, NotFound
from crossline.store.models import AnonymousReport

GRADING = "2/D"
TRIAGE_OUTCOMES = ("triaged", "no_further_action")


def submit(conn: Connection, concern: str, area: str | None, max_chars: int, reported_by: str | None = None) -> str:
    """Store a concern: anonymous (``reported_by`` None) or from a named agency, which may then follow what it reported."""
    if "\x00" in (concern or "") + (area or ""):
        raise InvalidInput("a NUL character cannot be part of a report")
    concern = (concern or "").strip()
    if not concern:
        raise InvalidInput("say what worries you: the concern is empty")
    if len(concern) > max_chars:
        raise InvalidInput(f"the concern is longer than {max_chars} characters; please shorten it")
    report_id = "AR-" + secrets.token_hex(6)
    conn.execute(insert(AnonymousReport).values(
        report_id=report_id, received_on=datetime.now(UTC).strftime("%Y-%m-%d"), area=(area or "").strip()[:200] or None,
        concern=concern, grading=GRADING, status="new", triaged_by=None, triaged_at=None, triage_note=None, reported_by=reported_by,
    ))
    return report_id


def queue(conn: Connection, status: str | None = "new", limit: int = 100) -> list[dict[str, Any]]:
    q = select(AnonymousReport).order_by(AnonymousReport.received_on, AnonymousReport.report_id).limit(limit)
    if status:
        q = q.where(AnonymousReport.status == status)
    return [{c: getattr(r, c) for c in ("report_id", "received_on", "area", "concern", "grading", "status", "triaged_by", "triaged_at", "triage_note",
                                        "reported_by")}
            for r in conn.execute(q)]


def reported_by(conn: Connection, agency: str, limit: int = 200) -> list[dict[str, Any]]:
    """What one agency reported and where each stands; never the police's triage note or who triaged it."""
    q = (select(AnonymousReport).where(AnonymousReport.reported_by == agency)
         .order_by(AnonymousReport.received_on.desc(), AnonymousReport.report_id).limit(limit))
    return [{c: getattr(r, c) for c in ("report_id", "received_on", "area", "concern", "status")} for r in conn.execute(q)]


def triage(conn: Connection, report_id: str, outcome: str, note: str, user: str) -> dict[str, Any]:
    if outcome not in TRIAGE_OUTCOMES:
        raise InvalidInput(f"a triage outcome is one of {', '.join(TRIAGE_OUTCOMES)}, not {outcome!r}")
    row = conn.execute(select(AnonymousReport).where(AnonymousReport.report_id == report_id)).first()
    if row is None:
        raise NotFound(f"no anonymous report {report_id!r}")
    if row.status != "new":
        raise Conflict(f"report {report_id} was already triaged ({row.status})")
    conn.execute(update(AnonymousReport).where(AnonymousReport.report_id == report_id).values(
        status=outcome, triage_note=note, triaged_by=user, triaged_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return next(r for r in queue(conn, None, 100000) if r["report_id"] == report_id)
