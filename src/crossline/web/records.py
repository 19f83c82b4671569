"""The auditor's audit viewer with chain verification, the what-works report, and uploads and builds with their progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from crossline.access import purpose as purposes
from crossline.access.policy import require, viewer
from crossline.api.auth import Caller, caller, workspace
from crossline.service import audit, what_works
from crossline.web.render import PageRoute, page, plain

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
AUDIT_PAGE = 50


@router.get("/audit")
def audit_viewer(request: Request, who: Who, before: Annotated[int | None, Query(ge=1)] = None,
                 verify: Annotated[bool, Query()] = False) -> Response:
    """Entries newest first, a page at a time (``before`` a seq), and the whole chain's verification when asked for."""
    ws = workspace(request)
    with purposes.stated(None, "web"):
        rows = audit.log(ws, who.actor, limit=AUDIT_PAGE, before=before).rows
        checked = plain(audit.verify(ws, who.actor)) if verify else None
    older = rows[-1]["seq"] if len(rows) == AUDIT_PAGE else None
    return page(request, who, "audit.html", {"entries": rows, "before": before, "older": older, "verification": checked}, "Audit log")


@router.get("/what-works")
def what_works_page(request: Request, who: Who) -> Response:
    """The evaluation of each programme as a table (the full HTML report is the command line's ``what-works`` output)."""
    import json

    with purposes.stated(None, "web"):
        _path, text = what_works.what_works(workspace(request), who.actor, "json", None)
    return page(request, who, "what_works.html", {"programmes": json.loads(text)}, "What works")


@router.get("/upload")
def upload(request: Request, who: Who) -> Response:
    """Upload a bundle or start a build; the page's script posts to the jobs API and polls the job's progress."""
    require(viewer(workspace(request).engine, who.actor), "jobs")
    return page(request, who, "upload.html", {"may_import": who.actor.role == "admin"}, "Upload and build")



