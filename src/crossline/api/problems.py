"""Errors as RFC 9457 problem details, in the same words the command line prints."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossline.errors import CrosslineError

MEDIA = "application/problem+json"

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
                   "next_step": {"type": "string"}},
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers an operation can give."""
    words = {400: "bad request", 401: "not logged in", 403: "not allowed", 404: "not found (or not visible to you: the two are never told apart)",
             409: "conflicts with the current state", 413: "upload too large", 422: "invalid input", 429: "too many requests",
             500: "internal error"}
    return {s: {"description": words[s], "content": {MEDIA: {"schema": _PROBLEM_SCHEMA}}} for s in statuses}


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **extra: object) -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA)


async def crossline_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CrosslineError)
    extra = {"next_step": exc.next_step} if exc.next_step else {}
    return problem(exc.http_status, exc.kind.replace("_", " "), str(exc), f"https://crossline.invalid/problems/{exc.kind}", **extra)


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem(exc.status_code, str(exc.detail), str(exc.detail))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return problem(422, "invalid input", "; ".join(problems), "https://crossline.invalid/problems/invalid_input")


async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    """Never a traceback or a value to the client: the server log has the detail (without personal data)."""
    return problem(500, "internal error", "the server could not complete this request; the administrator can find it in the server log")
