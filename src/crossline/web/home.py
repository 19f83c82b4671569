"""Logging in and out through the service's own sessions, and the dashboard each role starts from."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from crossline.access import purpose as purposes
from crossline.access.accounts import LOGIN_FAILED
from crossline.api.auth import COOKIE, Caller, caller, workspace
from crossline.errors import CrosslineError, NotAllowed
from crossline.service import alerts, lines, network, resolve, safeguarding, users
from crossline.web.render import PageRoute, page, standing

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an address elsewhere (an open redirect)."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, None, "login.html", {"next": _safe_next(next), "message": None}, "Log in")


@router.post("/login")
def login(request: Request, user: Annotated[str, Form()], password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    ws = workspace(request)
    svc = ws.settings.service
    opened = users.login(ws, user, password, lifetime_hours=svc.session_hours)
    if opened is None:
        return page(request, None, "login.html", {"next": _safe_next(next), "message": LOGIN_FAILED}, "Log in", 401)
    token, _csrf, _actor = opened
    answer = RedirectResponse(_safe_next(next), status_code=303)
    answer.set_cookie(COOKIE, token, httponly=True, secure=svc.secure_cookies, samesite="strict", path="/", max_age=svc.session_hours * 3600)
    return answer


@router.post("/logout")
def logout(request: Request, who: Who) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        users.logout(workspace(request), token)
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer


def _or_none(read: Any) -> Any:
    """A panel whose stage has not been built yet shows as "not built" (None); one the role may not read is left out (False)."""
    try:
        return read()
    except NotAllowed:
        return False
    except CrosslineError:
        return None


def analyst_dashboard(request: Request, who: Caller) -> dict[str, Any]:
    ws, actor = workspace(request), who.actor
    by_area: list[dict[str, Any]] | None = None
    active = _or_none(lambda: lines.list_lines(ws, actor, "active"))
    if active is False:
        by_area = False  # type: ignore[assignment]
    elif active is not None:
        areas = active.select(pl.col("controller_area").fill_null("unknown").alias("force_area")).group_by("force_area").len("lines")
        by_area = areas.sort(["lines", "force_area"], descending=[True, False]).to_dicts()
    successor = alerts.list_alerts(ws, actor, "ddtro_successor", "open")
    prios = _or_none(lambda: network.priorities(ws, actor).sort("rank").head(10))
    queue = _or_none(lambda: resolve.review_queue(ws, actor, 200, 0))
    risk = _or_none(lambda: safeguarding.risk_list(ws, actor, "high", 10))
    return {"kind": "analyst", "active_lines_by_area": by_area, "successor_alerts": successor[:20], "priorities": prios,
            "review_queue_size": queue if queue in (None, False) else len(queue), "review_queue_capped": bool(queue) and len(queue) >= 200,
            "top_risk": risk}


def partner_dashboard(request: Request, who: Caller) -> dict[str, Any]:
    from crossline.web.casework import inbox_context

    return {"kind": "partner", **inbox_context(request, who, 1)}


@router.get("/")
def dashboard(request: Request, who: Who) -> Response:
    kind = standing(request, who)
    with purposes.stated(None, "web"):
        if kind in ("police", "admin"):
            return page(request, who, "dashboard.html", analyst_dashboard(request, who), "Dashboard")
        if kind == "auditor":
            return RedirectResponse("/audit", status_code=303)
        return page(request, who, "inbox.html", partner_dashboard(request, who), "Safeguarding inbox")
