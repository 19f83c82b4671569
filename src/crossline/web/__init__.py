"""Pages people work in: server-rendered HTML over the service layer, each with a JSON twin from the same context.

Every page calls the same service functions as the API, so need-to-know and
the audit log apply exactly as they do there; nothing here reads the store
behind the policy's back.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


def mount(app: FastAPI) -> None:
    """Add the pages and their static files (vendored libraries, styles and page scripts) to the application."""
    from crossline.web import casework, home, known, lines, network, people, records

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (home, people, known, lines, network, casework, records):
        app.include_router(module.router)
