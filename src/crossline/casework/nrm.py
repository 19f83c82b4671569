"""National Referral Mechanism: a first responder's referral, the reasonable and conclusive grounds decisions,
and the dual-status flag for a child who is both a suspect and a potential victim.

    referred ──► reasonable grounds: positive ──► conclusive grounds: positive | negative
                                     negative ──► (conclusive grounds not reached)

A child referred to the NRM who is also a suspect in an event (arrested,
charged, searched, named in a seizure or a cuckooing report) gets a
``dual_status`` safeguarding flag: whoever opens the child's record sees that
they are a potential victim of exploitation, not only an offender. The risk
build raises the same flag for children whose records show both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossline.casework.models import NrmDecision, NrmReferral, SafeguardingFlag
from crossline.casework.referrals import iso_date, new_id
from crossline.errors import Conflict, InvalidInput, NotFound

EXPLOITATION = ("criminal", "sexual", "labour", "domestic_servitude", "other")
DECISIONS = ("positive", "negative")
STAGES = ("reasonable", "conclusive")
DUAL_STATUS = "dual_status"
SUSPECT_EVENTS = ("arrest", "charge", "stop_search", "drug_seizure", "cash_seizure", "weapon_seizure", "cuckooing_report")


def record_referral(conn: Connection, *, nominal_id: str, exploitation: str, summary: str, referred_at: str,
                    user: str, agency: str, now: str) -> str:
    """A first responder's NRM referral; both decisions start pending."""
    if exploitation not in EXPLOITATION:
        raise InvalidInput(f"unknown kind of exploitation {exploitation!r}; one of: {', '.join(EXPLOITATION)}")
    if not summary.strip():
        raise InvalidInput("an NRM referral needs a summary of why the young person is a potential victim")
    nrm_id = new_id("NRM")
    conn.execute(insert(NrmReferral).values(
        nrm_id=nrm_id, nominal_id=nominal_id, first_responder=user, agency=agency, referred_at=iso_date(referred_at, "referral date"),
        exploitation=exploitation, summary=summary.strip(), reasonable_grounds="pending", reasonable_grounds_at=None,
        conclusive_grounds="pending", conclusive_grounds_at=None, updated_at=now,
    ))
    return nrm_id


def get(conn: Connection, nrm_id: str) -> dict[str, Any]:
    row = conn.execute(select(NrmReferral).where(NrmReferral.nrm_id == nrm_id)).first()
    if row is None:
        raise NotFound(f"no NRM referral {nrm_id!r}", next_step="list_nrm")
    return dict(row._mapping)


def record_decision(conn: Connection, *, nrm_id: str, stage: str, decision: str, decided_at: str, note: str,
                    user: str, now: str, reconsider: bool = False) -> dict[str, Any]:
    """Record a reasonable or conclusive grounds decision, in order; a second decision on a stage is a reconsideration."""
    if stage not in STAGES:
        raise InvalidInput(f"unknown stage {stage!r}; the decisions are reasonable and conclusive grounds")
    if decision not in DECISIONS:
        raise InvalidInput(f"a decision is positive or negative, not {decision!r}")
    ref = get(conn, nrm_id)
    decided_at = iso_date(decided_at, "decision date")
    if decided_at[:10] < ref["referred_at"][:10]:
        raise InvalidInput(f"the referral was made on {ref['referred_at'][:10]}; a decision cannot come before it")
    current = ref[f"{stage}_grounds"]
    if current in DECISIONS and not reconsider:
        raise Conflict(f"the {stage} grounds decision is already {current}; record a reconsideration explicitly")
    values: dict[str, Any] = {f"{stage}_grounds": decision, f"{stage}_grounds_at": decided_at, "updated_at": now}
    if stage == "conclusive":
        if ref["reasonable_grounds"] != "positive":
            raise Conflict("a conclusive grounds decision follows a positive reasonable grounds decision; record that first")
        if ref["reasonable_grounds_at"] and decided_at[:10] < ref["reasonable_grounds_at"][:10]:
            raise InvalidInput("the conclusive grounds decision cannot come before the reasonable grounds decision")
    else:
        values["conclusive_grounds"] = "pending" if decision == "positive" else "not_reached"
        values["conclusive_grounds_at"] = None
    conn.execute(update(NrmReferral).where(NrmReferral.nrm_id == nrm_id).values(**values))
    conn.execute(insert(NrmDecision).values(
        nrm_id=nrm_id, stage=stage, decision=decision, decided_at=decided_at,
        note=("reconsidered: " if reconsider else "") + (note or ""), recorded_by=user, recorded_at=now,
    ))
    return {**ref, **values}


def for_nominal(conn: Connection, nominal_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(NrmReferral).where(NrmReferral.nominal_id == nominal_id).order_by(NrmReferral.referred_at))
    return [dict(r._mapping) for r in rows]


def decisions(conn: Connection, nrm_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(NrmDecision).where(NrmDecision.nrm_id == nrm_id).order_by(NrmDecision.id))
    return [dict(r._mapping) for r in rows]


def flag(conn: Connection, *, nominal_id: str, reason: str, origin: str, user: str, now: str) -> bool:
    """Raise (or refresh) the dual-status flag; True when it was not already active."""
    row = conn.execute(select(SafeguardingFlag).where(SafeguardingFlag.nominal_id == nominal_id, SafeguardingFlag.kind == DUAL_STATUS)).first()
    if row is None:
        conn.execute(insert(SafeguardingFlag).values(
            nominal_id=nominal_id, kind=DUAL_STATUS, reason=reason, origin=origin, raised_at=now, raised_by=user, active=True,
        ))
        return True
    conn.execute(update(SafeguardingFlag).where(SafeguardingFlag.id == row.id).values(reason=reason, origin=origin, active=True))
    return not row.active


def flags(conn: Connection, nominal_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(SafeguardingFlag).where(SafeguardingFlag.nominal_id == nominal_id, SafeguardingFlag.active.is_(True)))
    return [dict(r._mapping) for r in rows]


def dual_status_reason(suspect_in: list[tuple[str, str]]) -> str:
    """Plain words for the flag from (event type, date) pairs the child was a suspect in."""
    kinds = sorted({t.replace("_", " ") for t, _ in suspect_in})
    latest = max((d for _, d in suspect_in), default="")
    return (
        "Potential victim of exploitation (NRM referral) who is also a suspect ("
        + ", ".join(kinds) + (f", latest {latest[:10]}" if latest else "") + "): treat as a child at risk, safeguard first."
    )


def sync_flags(conn: Connection, frame: list[dict[str, str]], user: str, now: str) -> int:
    """Raise dual-status flags found by a build (``nominal_id``, ``reason``); returns how many were new.

    Flags stay once raised: a child's safeguarding context does not lapse because a later build scores them lower.
    """
    if not frame:
        return 0
    ids = [r["nominal_id"] for r in frame]
    existing: set[str] = set()
    for i in range(0, len(ids), 500):
        existing |= set(conn.execute(
            select(SafeguardingFlag.nominal_id).where(SafeguardingFlag.kind == DUAL_STATUS, SafeguardingFlag.nominal_id.in_(ids[i:i + 500]))
        ).scalars())
    new = [r for r in frame if r["nominal_id"] not in existing]
    if new:
        conn.execute(insert(SafeguardingFlag), [
            {"nominal_id": r["nominal_id"], "kind": DUAL_STATUS, "reason": r["reason"], "origin": "build", "raised_at": now,
             "raised_by": user, "active": True}
            for r in new
        ])
    return len(new)
