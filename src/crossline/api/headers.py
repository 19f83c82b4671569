"""Security headers on every response: CSP without inline scripts, no framing, no sniffing, HSTS when cookies are Secure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def security_headers(hsts: bool) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def add(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")  # personal data must not sit in shared caches
        if hsts:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    return add


def refuse_nul() -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """A NUL in a path or query is refused before any handler sees it (PostgreSQL cannot store one; nothing legitimate sends one)."""
    from crossline.api.problems import problem

    async def check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        raw = request.scope.get("raw_path", b"") + b"?" + request.scope.get("query_string", b"")
        if b"%00" in raw or b"\x00" in raw:
            return problem(422, "invalid input", "a NUL character cannot be part of a request", "https://crossline.invalid/problems/invalid_input")
        return await call_next(request)

    return check
