"""Person records, risk, the partners' safeguarding view, "is this child known?" and the match review queue.

Every read of a person takes a stated purpose, recorded in the audit entry the
service writes; what comes back is what the service layer's policy allows.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.api.fields import Id, Text
from crossline.service import counts as counts_service
from crossline.service import persons, resolve, safeguarding, tenancies
from crossline.service import search as search_service

router = APIRouter(tags=["people"])
Purpose = Annotated[str, Query(min_length=3, max_length=200, description="Why you are reading this record (kept in the audit log).")]
Who = Annotated[Caller, Depends(caller)]


def plain(value: Any) -> Any:
    """Dataclasses and frames to JSON-able values."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if hasattr(value, "to_dicts"):
        return value.to_dicts()
    return value


@router.get("/persons/{source}/{record_id}")
def person(source: str, record_id: str, purpose: Purpose, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(purpose, "api"):
        return persons.get_person(workspace(request), who.actor, source, record_id)


@router.get("/risk")
def risk_list(request: Request, who: Who, band: Literal["low", "medium", "high", "very_high"] | None = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return safeguarding.risk_list(workspace(request), who.actor, band, limit)


@router.get("/risk/{nominal_id}")
def risk_detail(nominal_id: str, purpose: Purpose, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(purpose, "api"):
        return safeguarding.risk_detail(workspace(request), who.actor, nominal_id)


@router.get("/safeguarding/{nominal_id}")
def partner_view(nominal_id: str, purpose: Purpose, request: Request, who: Who) -> dict[str, Any]:
    """The safeguarding view: at risk and why in plain words, referrals and what to do; never the intelligence."""
    with purposes.stated(purpose, "api"):
        return safeguarding.partner_view(workspace(request), who.actor, nominal_id)


class KnownQuery(BaseModel):
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    postcode: str | None = None
    address: str | None = None
    phone: str | None = None
    nhs_number: str | None = None
    pnc_id: str | None = None
    upn: str | None = None
    age: int | None = Field(default=None, ge=0, le=120,
                            description="Age in whole years today, when there is no date of birth: both years of birth it allows are asked.")


@router.post("/known")
def known(body: KnownQuery, purpose: Purpose, request: Request, who: Who) -> Any:
    """"Is this child known?": candidates under the policy, or "cannot tell" when there is too little to compare."""
    asked = body.model_dump(exclude_none=True)
    age = asked.pop("age", None)
    with purposes.stated(purpose, "api"):
        return plain(resolve.match_record(workspace(request), who.actor, asked, age=age))


@router.get("/review")
def review_queue(request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                 offset: Annotated[int, Query(ge=0)] = 0) -> list[Any]:
    with purposes.stated(None, "api"):
        return [plain(item) for item in resolve.review_queue(workspace(request), who.actor, limit, offset)]


class MatchDecision(BaseModel):
    source_a: Id
    record_a: Id
    source_b: Id
    record_b: Id
    decision: Literal["same", "different"]
    reason: Text


@router.post("/review/decisions")
def decide(body: MatchDecision, request: Request, who: Who) -> Any:
    with purposes.stated(None, "api"):
        return plain(resolve.record_decision(workspace(request), who.actor, body.source_a, body.record_a, body.source_b, body.record_b,
                                             body.decision, body.reason))


@router.get("/search")
def search(q: Annotated[str, Query(min_length=2, max_length=200, pattern=r"\S\S", description="A name, phone number, record id or nominal id.")],
           request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict[str, Any]]:
    """People by name (nicknames and misspellings too), phone number, record id or nominal id; only records you may know."""
    with purposes.stated(None, "api"):
        return [asdict(r) for r in search_service.search(workspace(request), who.actor, q, limit)]


@router.get("/counts")
def counts(request: Request, who: Who) -> dict[str, Any]:
    """Records, young people and risk bands you may know of: nothing you may not see is counted."""
    with purposes.stated(None, "api"):
        return asdict(counts_service.counts(workspace(request), who.actor))


@router.get("/tenancies/concerns")
def tenancy_concerns(request: Request, who: Who) -> list[dict[str, Any]]:
    """Housing providers: cuckooing concerns at your own tenancies, and what to do about each."""
    with purposes.stated(None, "api"):
        return tenancies.cuckooing_concerns(workspace(request), who.actor)
