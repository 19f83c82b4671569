"""The FastAPI application over one workspace: routers under /api/v1, problem details, security headers.

``/docs`` (Swagger UI) is not served: it loads its scripts from a CDN, which
an air-gapped deployment cannot reach and the content security policy
forbids. The OpenAPI document is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossline import __version__
from crossline.api import problems
from crossline.api.headers import RefuseNul, SecurityHeaders
from crossline.api.routes import audit, casework, concerns, jobs, lines, people, session
from crossline.errors import CrosslineError
from crossline.workspace import Workspace, open_workspace

PREFIX = "/api/v1"


def create_app(ws: Workspace | Path) -> FastAPI:
    """The application for a workspace (opened here when given a path; it stays open for the app's life)."""
    workspace = ws if isinstance(ws, Workspace) else open_workspace(Path(ws))
    app = FastAPI(title="Crossline", version=__version__, docs_url=None, redoc_url=None, openapi_url=f"{PREFIX}/openapi.json",
                  description="The multi-agency county lines picture: every call is checked against need-to-know and audited.")
    app.state.workspace = workspace
    app.state.report_limit = concerns.RateLimit()
    api = APIRouter(prefix=PREFIX, responses=problems.documented(401, 403, 404, 409, 422, 500))
    for module in (session, people, casework, lines, jobs, audit, concerns):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(concerns.public, responses=problems.documented(413, 422, 429, 500))
    from crossline import web

    web.mount(app)  # the pages people work in, over the same service calls
    app.add_exception_handler(CrosslineError, problems.crossline_error)
    app.add_exception_handler(StarletteHTTPException, problems.http_error)
    app.add_exception_handler(RequestValidationError, problems.validation_error)
    app.add_exception_handler(Exception, problems.unexpected_error)
    app.add_middleware(RefuseNul)
    app.add_middleware(SecurityHeaders, hsts=workspace.settings.service.secure_cookies)  # outermost: the NUL refusal carries the headers too
    return app
