"""The safeguarding inbox: alerts and referrals for my agency, accepted or declined with a reason, and outcomes recorded.

Every form carries the session's CSRF token (``csrf_token``), checked by the service's own session check.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.casework.referrals import MEASURES
from crossline.service import alerts, safeguarding
from crossline.web.render import PageRoute, page, paginate

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]


def inbox_context(request: Request, who: Caller, page_no: int) -> dict[str, Any]:
    """Open alerts addressed to my agency, referrals sent to it waiting for an answer, and the rest of its casework."""
    ws, actor = workspace(request), who.actor
    with purposes.stated(None, "web"):
        open_alerts = alerts.list_alerts(ws, actor, "safeguarding_risk", "open")
        referrals = safeguarding.list_referrals(ws, actor)
    waiting = [r for r in referrals if r["to_agency"] == actor.agency and r["status"] == "made"]
    others = [r for r in reversed(referrals) if r not in waiting]
    return {"alerts": open_alerts[:100], "alerts_total": len(open_alerts), "waiting": waiting[:100], "casework": paginate(others, page_no),
            "measures": list(MEASURES), "agency": actor.agency}


@router.get("/inbox")
def inbox(request: Request, who: Who, page_no: Annotated[int, Query(alias="page", ge=1)] = 1) -> Response:
    return page(request, who, "inbox.html", inbox_context(request, who, page_no), "Safeguarding inbox")


@router.post("/inbox/referrals/{referral_id}")
def decide(request: Request, who: Who, referral_id: str, decision: Annotated[str, Form(pattern="^(accept|decline)$")],
           reason: Annotated[str, Form(min_length=3, max_length=2000)]) -> Response:
    with purposes.stated(None, "web"):
        safeguarding.decide_referral(workspace(request), who.actor, referral_id, decision == "accept", reason)
    return RedirectResponse(f"/inbox?done={decision}", status_code=303)


@router.post("/inbox/alerts/{alert_id}/ack")
def acknowledge(request: Request, who: Who, alert_id: int) -> Response:
    with purposes.stated(None, "web"):
        alerts.acknowledge(workspace(request), who.actor, alert_id)
    return RedirectResponse("/inbox?done=acknowledged", status_code=303)


@router.post("/inbox/outcomes")
def outcome(request: Request, who: Who, nominal_id: Annotated[str, Form(min_length=2, max_length=100)],
            measure: Annotated[str, Form(max_length=40)], observed_at: Annotated[str, Form(pattern=r"^\d{4}-\d{2}-\d{2}$")],
            value: Annotated[str, Form(max_length=40)] = "", note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    number = float(value) if value.strip() else None
    with purposes.stated(None, "web"):
        safeguarding.record_outcome(workspace(request), who.actor, nominal_id, measure, observed_at, number, note)
    return RedirectResponse("/inbox?done=outcome", status_code=303)
