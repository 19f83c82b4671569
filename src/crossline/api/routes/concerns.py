"""Anonymous reporting: a public form and endpoint, no login, nothing about the sender kept; the police triage queue.

No IP address is stored or logged (``crossline serve`` turns uvicorn's access
log off; see docs/deploy.md for the proxy), no cookie is set, and the form
carries only its own short-lived token (an HMAC of the hour it was served,
under a workspace secret) so other sites cannot post into it. Submissions are
limited in size and in number per hour across the service.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
import time
from collections import deque
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import insert, select

from crossline.api.auth import Caller, caller, workspace
from crossline.api.fields import Note
from crossline.service import concerns
from crossline.store.models import WorkspaceMeta
from crossline.workspace import Workspace

router = APIRouter(tags=["anonymous reporting"])
public = APIRouter(tags=["anonymous reporting"])
Who = Annotated[Caller, Depends(caller)]
TOKEN_HOURS = 2


class RateLimit:
    """At most ``per_hour`` submissions in any sliding hour, for the whole process (nothing identifies a sender)."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def allow(self, per_hour: int) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] > 3600:
                self._times.popleft()
            if len(self._times) >= per_hour:
                return False
            self._times.append(now)
            return True


def _secret(ws: Workspace) -> bytes:
    with ws.engine.begin() as conn:
        row = conn.execute(select(WorkspaceMeta.value).where(WorkspaceMeta.key == "report_form_secret")).first()
        if row is None:
            value = secrets.token_hex(32)
            conn.execute(insert(WorkspaceMeta).values(key="report_form_secret", value=value))
            return value.encode()
        return str(row[0]).encode()


def _token(ws: Workspace, hour: int) -> str:
    return f"{hour}.{hmac.new(_secret(ws), str(hour).encode(), hashlib.sha256).hexdigest()[:32]}"


def _token_ok(ws: Workspace, token: str) -> bool:
    hour_text, _, _mac = token.partition(".")
    if not hour_text.isdigit():
        return False
    hour = int(hour_text)
    now = int(time.time() // 3600)
    return now - TOKEN_HOURS <= hour <= now and hmac.compare_digest(_token(ws, hour), token)


def _accept(request: Request, concern: str, area: str | None) -> str:
    ws = workspace(request)
    if len(concern.strip()) > ws.settings.service.report_max_chars:  # refused before it counts against the hour's limit
        raise HTTPException(422, f"the concern is longer than {ws.settings.service.report_max_chars} characters; please shorten it")
    if not request.app.state.report_limit.allow(ws.settings.service.reports_per_hour):
        raise HTTPException(429, "too many reports are arriving just now; please try again in an hour, or call Crimestoppers", headers={"Retry-After": "3600"})
    return concerns.submit(ws, concern, area)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tell us about a concern - anonymously</title>
<style>body{{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111}}
label{{display:block;font-weight:600;margin-top:1rem}}textarea,input{{width:100%;font:inherit;padding:.4rem;border:2px solid #333}}
button{{margin-top:1rem;font:inherit;padding:.5rem 1.2rem;background:#003a70;color:#fff;border:0}}.note{{background:#eef;padding:.6rem}}</style></head>
<body><main><h1>Tell us about a concern</h1>
<p class="note">You do not have to say who you are, and we do not keep anything that could identify you: no name, no address, no IP address, no cookies.
If someone is in danger now, call 999.</p>{message}
<form method="post" action="/report"><input type="hidden" name="form_token" value="{token}">
<label for="concern">What is worrying you?</label>
<textarea id="concern" name="concern" rows="8" maxlength="{max_chars}" required></textarea>
<label for="area">Where (a town, an area or a street, if you want to say)</label>
<input id="area" name="area" maxlength="200">
<button type="submit">Send anonymously</button></form></main></body></html>"""


def _page(request: Request, message: str = "", status: int = 200) -> HTMLResponse:
    ws = workspace(request)
    body = PAGE.format(token=_token(ws, int(time.time() // 3600)), max_chars=ws.settings.service.report_max_chars, message=message)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@public.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request) -> HTMLResponse:
    return _page(request)


@public.post("/report", response_class=HTMLResponse, include_in_schema=False)
def report_submit(request: Request, form_token: Annotated[str, Form()], concern: Annotated[str, Form()],
                  area: Annotated[str | None, Form()] = None) -> HTMLResponse:
    if not _token_ok(workspace(request), form_token):
        return _page(request, '<p role="alert">This form is too old; please write your concern again below.</p>', 400)
    try:
        _accept(request, concern, area)
    except HTTPException as exc:
        return _page(request, f'<p role="alert">{html.escape(str(exc.detail))}</p>', exc.status_code)
    return HTMLResponse('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thank you</title></head><body><main>'
                        "<h1>Thank you</h1><p>Your concern has been passed on. Nothing about who you are was kept.</p></main></body></html>")


class Concern(BaseModel):
    concern: str = Field(min_length=1, max_length=20000, pattern=r"^[^\x00]*\S[^\x00]*$")
    area: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00]*$")


@public.post("/api/v1/concerns", status_code=202)
def submit(body: Concern, request: Request) -> dict[str, str]:
    """Report a concern anonymously (no login). The answer carries no id: nothing links the sender to the report."""
    _accept(request, body.concern, body.area)
    return {"status": "received"}


@router.get("/concerns")
def triage_queue(request: Request, who: Who, status: Literal["new", "triaged", "no_further_action"] | None = "new") -> list[dict[str, Any]]:
    return concerns.triage_queue(workspace(request), who.actor, status)


class Triage(BaseModel):
    outcome: Literal["triaged", "no_further_action"]
    note: Note = ""


@router.post("/concerns/{report_id}/triage")
def triage(report_id: str, body: Triage, request: Request, who: Who) -> dict[str, Any]:
    return concerns.triage(workspace(request), who.actor, report_id, body.outcome, body.note)


@router.post("/reports", status_code=201)
def agency_report(body: Concern, request: Request, who: Who) -> dict[str, Any]:
    """Report a concern as your agency (a business: a hotel, a taxi firm, a rail operator); it joins the police triage queue."""
    return concerns.report(workspace(request), who.actor, body.concern, body.area)


@router.get("/reports")
def my_reports(request: Request, who: Who) -> list[dict[str, Any]]:
    """The concerns your agency reported, and where each stands."""
    return concerns.my_reports(workspace(request), who.actor)
