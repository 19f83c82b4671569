"""Rendering a page or its JSON twin from one context, the signed-in user, and the one "not found" page.

A page's context is a plain dict (what the JSON twin returns); the template
gets it as ``data`` beside the page chrome. A record, child or line the user
may not see and one that does not exist give the same page, byte for byte:
the refusal's words never reach the browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from crossline.access.need_to_know import Standing
from crossline.access.policy import require, viewer
from crossline.api.auth import Caller, caller, workspace
from crossline.errors import CrosslineError, NotAllowed, NotFound

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
PAGE_SIZE = 25
NOT_FOUND_WORDS = "There is nothing here that you can open. It may not exist, or it may not be yours to see; the two are never told apart."


def wants_json(request: Request) -> bool:
    """The JSON twin: ``?format=json`` or an Accept header that prefers JSON."""
    return request.query_params.get("format") == "json" or request.headers.get("accept", "").startswith("application/json")


def plain(value: Any) -> Any:
    """Frames, dataclasses and dates to JSON-able values, recursively."""
    if hasattr(value, "to_dicts"):
        return [plain(r) for r in value.to_dicts()]
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def standing(request: Request, who: Caller) -> Standing:
    return viewer(workspace(request).engine, who.actor).standing


NAV: list[tuple[str, str, str]] = [  # (href, label, the permission the page needs): a link shows only where it leads somewhere
    ("/search", "Search", "search"), ("/known", "Is this child known?", "match_record"),
    ("/lines", "Lines", "read_lines"), ("/network", "Network", "read_lines"), ("/map", "Map", "read_lines"),
    ("/review", "Match review", "review_matches"), ("/inbox", "Inbox", "read_alerts"), ("/what-works", "What works", "what_works"),
    ("/audit", "Audit", "read_audit"), ("/upload", "Upload", "jobs"),
]


def nav(request: Request, who: Caller) -> list[tuple[str, str]]:
    """The links this user's role and standing open, the dashboard first."""
    seen = viewer(workspace(request).engine, who.actor)
    links = [("/", "Dashboard")]
    for href, label, permission in NAV:
        try:
            require(seen, permission)
        except NotAllowed:
            continue
        links.append((href, label))
    return links


def paginate(rows: list[Any], page: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of an already-bounded list, with what the pager needs."""
    page = max(page, 1)
    pages = max(1, math.ceil(len(rows) / size))
    return {"rows": rows[(page - 1) * size: page * size], "page": page, "pages": pages, "total": len(rows)}


def page(request: Request, who: Caller | None, template: str, data: dict[str, Any], title: str, status: int = 200) -> Response:
    """The page, or its JSON twin (the same ``data``)."""
    body = plain(data)
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    chrome: dict[str, Any] = {"title": title, "data": body, "who": who.actor if who else None, "csrf": who.csrf_token if who else None,
                              "nav": nav(request, who) if who else [], "path": request.url.path}
    return TEMPLATES.TemplateResponse(request, template, chrome, status_code=status)


def not_found(request: Request, who: Caller | None) -> Response:
    """The same answer for "does not exist" and "not yours to see"."""
    if wants_json(request):
        return JSONResponse({"status": 404, "title": "not found", "detail": NOT_FOUND_WORDS}, status_code=404)
    return page(request, who, "not_found.html", {"detail": NOT_FOUND_WORDS}, "Not found", 404)


async def _who(request: Request) -> Caller | None:
    try:
        return await caller(request)
    except HTTPException:
        return None


class PageRoute(APIRoute):
    """Pages answer in pages: log in first, the one not-found page, other errors in their own words."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                if exc.status_code == 401:
                    if wants_json(request):
                        return JSONResponse({"status": 401, "title": "log in first", "detail": str(exc.detail)}, status_code=401)
                    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
                return page(request, await _who(request), "error.html", {"detail": str(exc.detail)}, "Cannot do that", exc.status_code)
            except (NotFound, NotAllowed):
                return not_found(request, await _who(request))
            except CrosslineError as exc:
                return page(request, await _who(request), "error.html", {"detail": str(exc)}, "Cannot do that", exc.http_status)

        return run
