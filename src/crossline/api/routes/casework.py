"""Referrals, NRM referrals and decisions, and alerts with their acknowledgement."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.api.fields import Id, Note, Text
from crossline.service import alerts, safeguarding

router = APIRouter(tags=["casework"])
Who = Annotated[Caller, Depends(caller)]


@router.get("/referrals")
def referrals(request: Request, who: Who, nominal_id: str | None = None,
              status: Literal["made", "accepted", "declined", "closed"] | None = None) -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return safeguarding.list_referrals(workspace(request), who.actor, nominal_id, status)


class NewReferral(BaseModel):
    nominal_id: Id
    to_agency: Id
    service: Text
    reason: Text
    programme: Text | None = None


@router.post("/referrals", status_code=201)
def refer(body: NewReferral, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return safeguarding.make_referral(workspace(request), who.actor, body.nominal_id, body.to_agency, body.service, body.reason, body.programme)


@router.get("/referrals/{referral_id}")
def referral(referral_id: str, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return safeguarding.referral(workspace(request), who.actor, referral_id)


class Decision(BaseModel):
    accept: bool
    reason: Text


@router.post("/referrals/{referral_id}/decision")
def decide_referral(referral_id: str, body: Decision, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return safeguarding.decide_referral(workspace(request), who.actor, referral_id, body.accept, body.reason)


@router.get("/nrm/{nominal_id}")
def nrm_for(nominal_id: str, request: Request, who: Who) -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return safeguarding.nrm_for(workspace(request), who.actor, nominal_id)


class NewNrm(BaseModel):
    nominal_id: Id
    summary: Text
    referred_at: date
    exploitation: Literal["criminal", "sexual", "labour", "domestic_servitude", "other"] = "criminal"


@router.post("/nrm", status_code=201)
def record_nrm(body: NewNrm, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return safeguarding.record_nrm(workspace(request), who.actor, body.nominal_id, body.summary, body.referred_at.isoformat(), body.exploitation)


class NrmDecision(BaseModel):
    stage: Literal["reasonable", "conclusive"]
    decision: Literal["positive", "negative"]
    decided_at: date
    note: Note = ""
    reconsider: bool = False


@router.post("/nrm/referrals/{nrm_id}/decisions", status_code=201)
def nrm_decision(nrm_id: str, body: NrmDecision, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return safeguarding.record_nrm_decision(workspace(request), who.actor, nrm_id, body.stage, body.decision, body.decided_at.isoformat(), body.note,
                                                body.reconsider)


@router.get("/alerts")
def list_alerts(request: Request, who: Who, kind: Literal["ddtro_successor", "safeguarding_risk"] | None = None,
                status: Literal["open", "acknowledged"] | None = "open") -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return alerts.list_alerts(workspace(request), who.actor, kind, status)


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: int, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return alerts.acknowledge(workspace(request), who.actor, alert_id)
