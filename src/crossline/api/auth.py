"""Who is calling: a bearer API token (systems) or a session cookie with its CSRF token (people).

A state-changing request made with the cookie must carry the session's CSRF
token in the ``X-CSRF-Token`` header or a ``csrf_token`` form field; the
cookie itself is HttpOnly and SameSite=Strict. A token-authenticated request
needs no CSRF token: browsers never attach it on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request

from crossline.access import credentials
from crossline.access.actor import Actor
from crossline.workspace import Workspace

COOKIE = "crossline_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    actor: Actor
    via: str  # "token" or "session"
    csrf_token: str | None = None


def workspace(request: Request) -> Workspace:
    ws = request.app.state.workspace
    assert isinstance(ws, Workspace)
    return ws


def _unauthenticated() -> HTTPException:
    return HTTPException(401, "log in first (or send an API token as 'Authorization: Bearer ...')", headers={"WWW-Authenticate": "Bearer"})


async def caller(request: Request) -> Caller:
    ws = workspace(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with ws.engine.begin() as conn:
            actor = credentials.token_actor(conn, header[7:].strip())
        if actor is None:
            raise _unauthenticated()
        return Caller(actor, "token")
    token = request.cookies.get(COOKIE)
    if not token:
        raise _unauthenticated()
    svc = ws.settings.service
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        info = credentials.session(conn, token, now, idle=timedelta(minutes=svc.session_idle_minutes))
    if info is None:
        raise _unauthenticated()
    if request.method not in SAFE_METHODS:
        given = request.headers.get("x-csrf-token")
        if given is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            given = str((await request.form()).get("csrf_token") or "") or None
        if not credentials.csrf_ok(info.csrf_token, given):
            raise HTTPException(403, "this request lacks the page's CSRF token; reload the page and try again")
    return Caller(info.actor, "session", info.csrf_token)
