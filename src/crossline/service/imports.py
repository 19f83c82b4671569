"""Importing partner bundles."""

from __future__ import annotations

from pathlib import Path

from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.ingest import importer
from crossline.ingest.importer import Progress
from crossline.ingest.report import FeedResult, ImportResult
from crossline.workspace import Workspace

__all__ = ["FeedResult", "ImportResult", "import_bundle"]


def import_bundle(ws: Workspace, actor: Actor, bundle: Path, progress: Progress | None = None) -> ImportResult:
    """Import a bundle (folder or .zip) whole or not at all; the import is audited in its own transaction."""
    require(actor, "import")
    return importer.import_bundle(ws, actor, Path(bundle), progress)
