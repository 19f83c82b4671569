"""The lines list and the line board: numbers over time, daily activity, customers and runners, successions, DDTRO and the
analyst's confirm-or-reject form."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.service import alerts
from crossline.service import lines as line_service
from crossline.web.render import PageRoute, page, paginate, plain

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
STATUSES = ("active", "dormant", "disrupted")


@router.get("/lines")
def line_list(request: Request, who: Who, status: Annotated[str | None, Query(pattern="^(active|dormant|disrupted)$")] = None,
              page_no: Annotated[int, Query(alias="page", ge=1)] = 1) -> Response:
    with purposes.stated(None, "web"):
        frame = line_service.list_lines(workspace(request), who.actor, status)
    keep = [c for c in ("line_id", "status", "confidence", "controller_area", "market_areas", "current_number", "numbers", "customers",
                        "runners", "first_seen", "last_seen") if c in frame.columns]
    size = 25
    rows = plain(frame.select(keep).slice((page_no - 1) * size, size))
    pages = max(1, -(-frame.height // size))
    return page(request, who, "lines.html", {"status": status, "statuses": STATUSES, "rows": rows, "page": page_no, "pages": pages,
                                             "total": frame.height}, "Lines")


@router.get("/lines/{line_id}")
def board(request: Request, who: Who, line_id: str, page_no: Annotated[int, Query(alias="page", ge=1)] = 1) -> Response:
    with purposes.stated(None, "web"):
        detail = line_service.line_detail(workspace(request), who.actor, line_id)
        successor = [a for a in alerts.list_alerts(workspace(request), who.actor, "ddtro_successor", None) if line_id in str(a.get("subject_id"))]
    daily = plain(detail.daily.sort("date")) if "date" in detail.daily.columns else plain(detail.daily)
    data: dict[str, Any] = {
        "line": plain(detail.line), "numbers": plain(detail.numbers), "daily": daily, "successions": plain(detail.successions),
        "runners": plain(detail.runners), "customers": (detail.line or {}).get("customers"), "cells": plain(detail.cells.head(500)),
        "applications": plain(detail.applications), "nominals": plain(detail.nominals) if detail.nominals is not None else [],
        "nominals_note": detail.nominals_note, "notes": detail.notes, "successor_alerts": successor,
        "evidence": paginate(plain(detail.evidence), page_no),
    }
    return page(request, who, "line.html", data, f"Line {line_id}")


@router.get("/lines/{line_id}/pack")
def pack(request: Request, who: Who, line_id: str, file: Annotated[str, Query(pattern="^(pdf|html)$")] = "pdf") -> Response:
    """The DDTRO evidence pack, written for this request and sent; nothing stays on the server (``file``: pdf or html)."""
    with tempfile.TemporaryDirectory(prefix="crossline-pack-") as out, purposes.stated(None, "web"):
        written = line_service.write_evidence_pack(workspace(request), who.actor, line_id, Path(out))
        body = (written.pdf if file == "pdf" else written.html).read_bytes()
    media = "application/pdf" if file == "pdf" else "text/html; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="ddtro-{line_id}.{file}"'})


@router.post("/lines/{line_id}/review")
def review(request: Request, who: Who, line_id: str, decision: Annotated[str, Form(pattern="^(confirmed|rejected)$")],
           reason: Annotated[str, Form(min_length=3, max_length=2000)]) -> Response:
    with purposes.stated(None, "web"):
        line_service.review_line(workspace(request), who.actor, line_id, decision, reason)
    return RedirectResponse(f"/lines/{line_id}?reviewed={decision}", status_code=303)
