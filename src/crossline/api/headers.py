"""Security headers on every response: CSP without inline scripts, no framing, no sniffing, HSTS when cookies are Secure.

Both are plain ASGI middleware rather than ``@app.middleware("http")``:
Starlette's BaseHTTPMiddleware runs the rest of the app in a task group and
re-streams every response through memory streams, a cost paid on every
request for what is only a header edit or a check of the raw path.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeaders:
    """Adds the headers to each HTTP response as it starts (a handler's own CSP or Cache-Control is kept)."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers.setdefault("Cache-Control", "no-store")  # personal data must not sit in shared caches
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, with_headers)


class RefuseNul:
    """A NUL in a path or query is refused before any handler sees it (PostgreSQL cannot store one; nothing legitimate sends one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in raw or b"\x00" in raw:
                from crossline.api.problems import problem

                response = problem(422, "invalid input", "a NUL character cannot be part of a request",
                                   "https://crossline.invalid/problems/invalid_input")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
