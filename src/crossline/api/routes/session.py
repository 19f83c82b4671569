"""Logging in and out: a session cookie (HttpOnly, SameSite=Strict, Secure by default) and its CSRF token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from crossline.access.accounts import LOGIN_FAILED
from crossline.api.auth import COOKIE, Caller, caller, workspace
from crossline.service import users

router = APIRouter(tags=["session"])


class Login(BaseModel):
    user: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00]*$")]  # no NUL: PostgreSQL cannot compare one (a 500)
    password: str


@router.post("/session")
def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    """Log in; the answer carries the CSRF token that state-changing requests must echo in X-CSRF-Token."""
    ws = workspace(request)
    svc = ws.settings.service
    opened = users.login(ws, body.user, body.password, lifetime_hours=svc.session_hours)
    if opened is None:
        raise HTTPException(401, LOGIN_FAILED)
    token, csrf, actor = opened
    response.set_cookie(COOKIE, token, httponly=True, secure=svc.secure_cookies, samesite="strict", path="/", max_age=svc.session_hours * 3600)
    return {"user": actor.user, "agency": actor.agency, "role": actor.role, "csrf_token": csrf}


@router.get("/session")
def me(who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    return {"user": who.actor.user, "agency": who.actor.agency, "role": who.actor.role, "via": who.via, "csrf_token": who.csrf_token}


@router.delete("/session", status_code=204)
def logout(request: Request, response: Response, who: Annotated[Caller, Depends(caller)]) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        users.logout(workspace(request), token)
    response.delete_cookie(COOKIE, path="/")
