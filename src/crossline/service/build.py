"""Building the picture."""

from __future__ import annotations

from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.service.exports import ExportResult, export
from crossline.stages.pipeline import BuildResult, Progress, run_build
from crossline.workspace import Workspace


def build(
    ws: Workspace, actor: Actor, only: list[str] | None = None, progress: Progress | None = None
) -> tuple[BuildResult, ExportResult]:
    """Run the build stages, publish the new picture version, then write the exports (as the contract says)."""
    require(viewer(ws.engine, actor), "build")
    result = run_build(ws, actor, only, progress)
    return result, export(ws, actor)
