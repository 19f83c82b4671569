""""Is this child known?" as a page: the form a practitioner fills in from a referral, and the answer under the policy.

The question goes by POST, never in the address, so a child's name and date
of birth stay out of browser history and server logs. The service decides
what the answer holds (``resolve.match_record``): the candidates with their
reasons, holding agencies and, for those allowed, risk band and open alerts;
or, for a partner, a summary with what to do. It writes the audit entry.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from crossline.access import purpose as purposes
from crossline.access.policy import require, viewer
from crossline.api.auth import Caller, caller, workspace
from crossline.errors import InvalidInput
from crossline.service import resolve
from crossline.web.render import PageRoute, page, plain

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
TITLE = "Is this child known?"
Field = Annotated[str, Form(max_length=200)]


@router.get("/known")
def form(request: Request, who: Who) -> Response:
    """The empty form, for those who may ask (the same permission the question needs: others get the one not-found page)."""
    require(viewer(workspace(request).engine, who.actor), "match_record")
    return page(request, who, "known.html", {"asked": {}, "purpose": "", "answer": None}, TITLE)


@router.post("/known")
def ask(request: Request, who: Who, purpose: Annotated[str, Form(min_length=3, max_length=200)],
        given_name: Field = "", family_name: Field = "", date_of_birth: Field = "", address: Field = "", town: Field = "",
        postcode: Field = "", phone: Field = "", nhs_number: Field = "", pnc_id: Field = "", upn: Field = "",
        age: Annotated[str, Form(max_length=3)] = "") -> Response:
    # named as the contract names them: the service normalises each as an import would
    given = {"given_name": given_name, "family_name": family_name, "date_of_birth": date_of_birth, "address": address, "town": town,
             "postcode": postcode, "phone": phone, "nhs_number": nhs_number, "pnc_id": pnc_id, "upn": upn}
    asked = {k: v.strip() for k, v in given.items() if v.strip()}
    if not asked:
        raise InvalidInput("fill in at least one field: a name, a date of birth or year, an address, a phone or an identifier")
    years = age.strip()
    if years and not years.isdigit():
        raise InvalidInput(f"age {years!r} is not a number of whole years: give it as, for example, 14")
    with purposes.stated(purpose, "web"):
        result = resolve.match_record(workspace(request), who.actor, asked, age=int(years) if years else None)
    answer: dict[str, Any] = plain(result)
    if isinstance(result, resolve.KnownSummary):
        answer["view"] = "summary"
    else:
        answer["view"] = "detail"
        for shown, candidate in zip(answer["candidates"], result.candidates, strict=True):
            shown["reasons"] = candidate.reasons()
    return page(request, who, "known.html", {"asked": {**asked, "age": years}, "purpose": purpose, "answer": answer}, TITLE)
