"""The ASGI entry point uvicorn imports in each worker process: the app over ``$CROSSLINE_SERVE_WORKSPACE``."""

from __future__ import annotations

import os
from pathlib import Path

from crossline.api.app import create_app

app = create_app(Path(os.environ.get("CROSSLINE_SERVE_WORKSPACE", "crossline-workspace")))
