"""Deal lines, their evidence packs and DDTRO casework, and analysts' line reviews."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.api.fields import Id, Note, Text
from crossline.service import expand, lines

router = APIRouter(tags=["lines"])
Who = Annotated[Caller, Depends(caller)]


@router.get("/lines")
def list_lines(request: Request, who: Who, status: Literal["active", "dormant", "disrupted"] | None = None) -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return lines.list_lines(workspace(request), who.actor, status).to_dicts()


@router.get("/network/{nominal_id}", tags=["network"])
def network(nominal_id: str, request: Request, who: Who, depth: Annotated[int, Query(ge=1, le=expand.MAX_DEPTH)] = 1,
            limit: Annotated[int, Query(ge=1, le=expand.MAX_NODES)] = 200,
            edge_kind: Annotated[list[str] | None, Query(max_length=20)] = None,
            since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> dict[str, Any]:
    """The network within one or two steps of a person: people, phones, handsets, addresses, lines (police standing).

    ``edge_kind`` and ``since`` filter the links followed; ``truncated`` says when more nodes lay within reach than ``limit``;
    people carry their group ``role`` and ``key_player``. The web view's expansions, from any kind of node, are the same call.
    """
    start = nominal_id if nominal_id.startswith("nominal:") else f"nominal:{nominal_id}"
    with purposes.stated(None, "api"):
        return asdict(expand.expand(workspace(request), who.actor, start, depth, limit, edge_kind, since))


@router.get("/lines/{line_id}")
def line(line_id: str, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        detail = lines.line_detail(workspace(request), who.actor, line_id)
    return {f.name: _plain(getattr(detail, f.name)) for f in fields(detail)}


def _plain(value: Any) -> Any:
    return value.to_dicts() if hasattr(value, "to_dicts") else value


@router.get("/lines/{line_id}/pack", response_class=Response, responses={200: {"content": {"application/pdf": {}, "text/html": {}}}})
def pack(line_id: str, request: Request, who: Who, format: Literal["pdf", "html"] = "pdf") -> Response:
    """The DDTRO evidence pack, written for this request and sent; nothing stays on the server."""
    with tempfile.TemporaryDirectory(prefix="crossline-pack-") as out, purposes.stated(None, "api"):
        written = lines.write_evidence_pack(workspace(request), who.actor, line_id, Path(out))
        path = written.pdf if format == "pdf" else written.html
        body = path.read_bytes()
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="ddtro-{line_id}.{format}"'})


class LineReview(BaseModel):
    decision: Literal["confirmed", "rejected"]
    reason: Text
    number: Id | None = None


@router.post("/lines/{line_id}/reviews", status_code=201)
def review(line_id: str, body: LineReview, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        review_id = lines.review_line(workspace(request), who.actor, line_id, body.decision, body.reason, body.number)
    return {"review_id": review_id}


@router.get("/ddtro")
def applications(request: Request, who: Who, line_id: str | None = None) -> list[dict[str, Any]]:
    with purposes.stated(None, "api"):
        return lines.list_applications(workspace(request), who.actor, line_id)


class NewApplication(BaseModel):
    line_id: Id
    note: Note = ""


@router.post("/ddtro", status_code=201)
def draft(body: NewApplication, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return lines.draft_application(workspace(request), who.actor, body.line_id, body.note)


class StatusChange(BaseModel):
    status: Literal["drafted", "applied", "granted", "refused", "disconnected"]
    note: Note = ""


@router.post("/ddtro/{application_id}/status")
def set_status(application_id: str, body: StatusChange, request: Request, who: Who) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return lines.set_application_status(workspace(request), who.actor, application_id, body.status, body.note)
