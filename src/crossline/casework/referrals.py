"""Referral workflow: refer a young person to the partner who can act, who accepts or declines with a reason;
interventions run from a start to an end; outcomes are recorded over time.

    made ──accept──► accepted ──close──► closed
      │                  │
      └──decline──► declined        interventions (start, end) hang off an accepted referral

These functions hold the rules and write inside the caller's transaction;
crossline.service.safeguarding checks policy and audits around them.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossline.casework.models import Intervention, Outcome, Referral, ReferralUpdate
from crossline.errors import Conflict, InvalidInput, NotFound

SERVICES = ("childrens_services", "mash", "school", "youth_service", "charity")
PROGRAMMES = ("mentoring", "sport", "education", "family_support")
MEASURES = ("missing_episodes", "arrests", "exclusions", "risk_score", "engagement", "other")
TRANSITIONS: dict[str, frozenset[str]] = {
    "made": frozenset({"accepted", "declined", "closed"}),
    "accepted": frozenset({"closed"}),
    "declined": frozenset(),
    "closed": frozenset(),
}
STATUSES = tuple(TRANSITIONS)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def _need(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{what} is required")
    return value.strip()


def iso_date(value: str, what: str) -> str:
    """A date (YYYY-MM-DD) or ISO timestamp, kept as given when valid."""
    try:
        date.fromisoformat(value[:10])
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} {value!r} is not a date; give it as YYYY-MM-DD") from exc
    return value


def make(conn: Connection, *, nominal_id: str, to_agency: str, service: str, programme: str | None, reason: str,
         user: str, agency: str, now: str) -> str:
    """Record a referral; returns its id."""
    if service not in SERVICES:
        raise InvalidInput(f"unknown service {service!r}; refer to one of: {', '.join(SERVICES)}")
    if programme is not None and programme not in PROGRAMMES:
        raise InvalidInput(f"unknown programme {programme!r}; the programmes are: {', '.join(PROGRAMMES)}")
    if service == "charity" and programme is None:
        raise InvalidInput("a referral to a charity names its programme (mentoring, sport or education)")
    referral_id = new_id("REF")
    conn.execute(insert(Referral).values(
        referral_id=referral_id, nominal_id=_need(nominal_id, "the young person (nominal id)"), to_agency=_need(to_agency, "the agency referred to"),
        service=service, programme=programme, reason=_need(reason, "a reason for the referral"), status="made", decision_reason=None,
        made_at=now, made_by=user, made_by_agency=agency, decided_at=None, decided_by=None, updated_at=now,
    ))
    _history(conn, referral_id, "made", reason, user, agency, now)
    return referral_id


def get(conn: Connection, referral_id: str) -> dict[str, Any]:
    row = conn.execute(select(Referral).where(Referral.referral_id == referral_id)).first()
    if row is None:
        raise NotFound(f"no referral {referral_id!r}", next_step="list_referrals")
    return dict(row._mapping)


def transition(conn: Connection, referral_id: str, status: str, reason: str, user: str, agency: str, now: str) -> dict[str, Any]:
    """Move a referral to ``status`` (accepted, declined, closed) with a reason; refuses a move the workflow does not allow."""
    current = get(conn, referral_id)
    allowed = TRANSITIONS.get(current["status"], frozenset())
    if status not in allowed:
        raise Conflict(
            f"referral {referral_id} is {current['status']}; it can be "
            + (", ".join(sorted(allowed)) if allowed else "changed no further")
            + f", not {status}"
        )
    reason = _need(reason, f"a reason to mark the referral {status}")
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status in ("accepted", "declined"):
        values.update(decision_reason=reason, decided_at=now, decided_by=user)
    conn.execute(update(Referral).where(Referral.referral_id == referral_id).values(**values))
    _history(conn, referral_id, status, reason, user, agency, now)
    return {**current, **values}


def history(conn: Connection, referral_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(ReferralUpdate).where(ReferralUpdate.referral_id == referral_id).order_by(ReferralUpdate.id))
    return [dict(r._mapping) for r in rows]


def _history(conn: Connection, referral_id: str, status: str, note: str, user: str, agency: str, now: str) -> None:
    conn.execute(insert(ReferralUpdate).values(referral_id=referral_id, status=status, note=note, user=user, agency=agency, at=now))


def start_intervention(conn: Connection, *, referral_id: str, started_at: str, user: str, now: str,
                       programme: str | None = None) -> str:
    """Start an intervention on an accepted referral (the programme defaults to the referral's)."""
    ref = get(conn, referral_id)
    if ref["status"] != "accepted":
        raise Conflict(f"referral {referral_id} is {ref['status']}: an intervention starts only on an accepted referral")
    programme = programme or ref["programme"] or ref["service"]
    intervention_id = new_id("INT")
    conn.execute(insert(Intervention).values(
        intervention_id=intervention_id, referral_id=referral_id, nominal_id=ref["nominal_id"], programme=programme,
        provider_agency=ref["to_agency"], started_at=iso_date(started_at, "start date"), ended_at=None, end_reason=None,
        recorded_by=user, recorded_at=now,
    ))
    return intervention_id


def get_intervention(conn: Connection, intervention_id: str) -> dict[str, Any]:
    row = conn.execute(select(Intervention).where(Intervention.intervention_id == intervention_id)).first()
    if row is None:
        raise NotFound(f"no intervention {intervention_id!r}", next_step="list_referrals")
    return dict(row._mapping)


def end_intervention(conn: Connection, intervention_id: str, ended_at: str, reason: str, user: str, now: str) -> dict[str, Any]:
    """End a running intervention; the end may not come before the start."""
    current = get_intervention(conn, intervention_id)
    if current["ended_at"] is not None:
        raise Conflict(f"intervention {intervention_id} already ended on {current['ended_at']}")
    ended_at = iso_date(ended_at, "end date")
    if ended_at[:10] < current["started_at"][:10]:
        raise InvalidInput(f"intervention {intervention_id} started on {current['started_at'][:10]}; it cannot end on {ended_at[:10]}")
    values = {"ended_at": ended_at, "end_reason": _need(reason, "how the intervention ended (completed, disengaged, ...)")}
    conn.execute(update(Intervention).where(Intervention.intervention_id == intervention_id).values(**values))
    return {**current, **values}


def record_outcome(conn: Connection, *, nominal_id: str, measure: str, value: float | None, note: str, observed_at: str,
                   user: str, agency: str, now: str, intervention_id: str | None = None, referral_id: str | None = None) -> int:
    """An outcome observed at a date (a count, a score, or a note on engagement)."""
    if measure not in MEASURES:
        raise InvalidInput(f"unknown outcome {measure!r}; record one of: {', '.join(MEASURES)}")
    if intervention_id is not None:
        iv = get_intervention(conn, intervention_id)
        if iv["nominal_id"] != nominal_id:
            raise InvalidInput(f"intervention {intervention_id} is for another young person")
    result = conn.execute(insert(Outcome).values(
        nominal_id=nominal_id, intervention_id=intervention_id, referral_id=referral_id, measure=measure, value=value,
        note=note or "", observed_at=iso_date(observed_at, "observation date"), recorded_by=user, recorded_agency=agency, recorded_at=now,
    ).returning(Outcome.id))
    return int(result.scalar_one())


def for_nominal(conn: Connection, nominal_id: str) -> dict[str, list[dict[str, Any]]]:
    """A young person's referrals, interventions and outcomes."""
    refs = [dict(r._mapping) for r in conn.execute(select(Referral).where(Referral.nominal_id == nominal_id).order_by(Referral.made_at))]
    ivs = [dict(r._mapping) for r in conn.execute(select(Intervention).where(Intervention.nominal_id == nominal_id).order_by(Intervention.started_at))]
    outs = [dict(r._mapping) for r in conn.execute(select(Outcome).where(Outcome.nominal_id == nominal_id).order_by(Outcome.observed_at))]
    return {"referrals": refs, "interventions": ivs, "outcomes": outs}
