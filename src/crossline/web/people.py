"""Search, the person profile (by the police's or the partner's view, as the policy decides), one record with its provenance,
and the match review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from crossline.access import purpose as purposes
from crossline.access.policy import PERMISSIONS
from crossline.api.auth import Caller, caller, workspace
from crossline.errors import CrosslineError
from crossline.service import expand as expansion
from crossline.service import network, resolve, safeguarding
from crossline.service import search as search_service
from crossline.web.render import PageRoute, page, paginate, plain, standing

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
DEFAULT_PURPOSE = "casework"
SEARCH_LIMIT = 100  # the service's own cap: a search never returns more, so no page holds more


@router.get("/search")
def search(request: Request, who: Who, q: Annotated[str, Query(max_length=200)] = "",
           purpose: Annotated[str, Query(max_length=200)] = DEFAULT_PURPOSE, page_no: Annotated[int, Query(alias="page", ge=1)] = 1) -> Response:
    hits: list[dict[str, Any]] = []
    if len(q.strip()) >= 2:
        with purposes.stated(None, "web"):
            hits = [plain(r) for r in search_service.search(workspace(request), who.actor, q, SEARCH_LIMIT)]
    return page(request, who, "search.html", {"q": q, "purpose": purpose, **paginate(hits, page_no)}, "Search")


def _police_profile(request: Request, who: Caller, nominal_id: str) -> dict[str, Any]:
    ws, actor = workspace(request), who.actor
    detail = safeguarding.risk_detail(ws, actor, nominal_id)  # read_risk: police standing; not found for anyone else
    timeline = sorted((e for e in detail["evidence"] if e.get("occurred_at")), key=lambda e: str(e["occurred_at"]), reverse=True)
    try:
        groups = plain(network.person_groups(ws, actor, nominal_id))
        links = plain(expansion.expand(ws, actor, f"nominal:{nominal_id}", limit=50).edges)
    except CrosslineError:  # the network stage has not been built
        groups, links = [], []
    return {"view": "police", "nominal_id": nominal_id, "risk": detail["risk"], "reasons": detail["evidence"], "timeline": timeline,
            "records": detail["records"], "flags": detail["flags"], "nrm": detail["nrm"], "referrals": detail.get("referrals", []),
            "interventions": detail.get("interventions", []), "groups": groups, "links": links,
            "suspect_in": [{"event_type": t, "occurred_at": d} for t, d in safeguarding.suspect_in(ws, actor, nominal_id)]}


@router.get("/people/{nominal_id}")
def profile(request: Request, who: Who, nominal_id: str, purpose: Annotated[str, Query(min_length=3, max_length=200)] = DEFAULT_PURPOSE) -> Response:
    """Analysts: risk with reasons and records, timeline, links, groups, casework. Officers and partners: the safeguarding view
    (the policy gives officers no risk detail; the service decides what the view holds for each)."""
    with purposes.stated(purpose, "web"):
        if standing(request, who) in ("police", "admin") and who.actor.role in PERMISSIONS["read_risk"]:
            data = _police_profile(request, who, nominal_id)
        else:
            data = {"view": "partner", **safeguarding.partner_view(workspace(request), who.actor, nominal_id)}
    data["purpose"] = purpose
    return page(request, who, "person.html", data, "Person")


@router.get("/records/{source}/{record_id}")
def record(request: Request, who: Who, source: str, record_id: str,
           purpose: Annotated[str, Query(min_length=3, max_length=200)] = DEFAULT_PURPOSE) -> Response:
    """One source record as its agency sent it (provenance: source, bundle, import), with the safeguarding context."""
    with purposes.stated(purpose, "web"):
        data = safeguarding.record_context(workspace(request), who.actor, source, record_id)
    return page(request, who, "record.html", {**data, "source": source, "record_id": record_id, "purpose": purpose}, "Record")


REVIEW_PAGE = 20


@router.get("/review")
def review(request: Request, who: Who, page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    with purposes.stated(None, "web"):
        items = resolve.review_queue(workspace(request), who.actor, REVIEW_PAGE + 1, (page_no - 1) * REVIEW_PAGE)
    data = {"rows": [plain(i) for i in items[:REVIEW_PAGE]], "page": page_no, "has_next": len(items) > REVIEW_PAGE}
    return page(request, who, "review.html", data, "Match review")


@router.post("/review/decide")
def decide(request: Request, who: Who, source_a: Annotated[str, Form()], record_a: Annotated[str, Form()], source_b: Annotated[str, Form()],
           record_b: Annotated[str, Form()], decision: Annotated[str, Form(pattern="^(same|different)$")],
           reason: Annotated[str, Form(min_length=3, max_length=2000)]) -> Response:
    with purposes.stated(None, "web"):
        resolve.record_decision(workspace(request), who.actor, source_a, record_a, source_b, record_b, decision, reason)  # type: ignore[arg-type]
    return RedirectResponse("/review?decided=1", status_code=303)

