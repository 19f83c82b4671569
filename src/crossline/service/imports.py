"""Importing partner bundles, each for the agency it comes from."""

from __future__ import annotations

from pathlib import Path

from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.errors import InvalidInput, NotAllowed
from crossline.ingest import importer
from crossline.ingest.importer import Progress
from crossline.ingest.report import FeedResult, ImportResult
from crossline.workspace import Workspace

__all__ = ["FeedResult", "ImportResult", "import_bundle", "sending_agency"]

LOCAL = "local"  # the agency of the CLI's local administrator: the workspace's operator, not a partner


def sending_agency(ws: Workspace, actor: Actor, as_agency: str | None) -> str:
    """The agency an import is made for: a partner's user's own; for the local administrator, the one named, else ``[imports] agency``.

    The local administrator belongs to no partner agency, so its imports must
    name one (or the workspace must be configured with one): a bundle's own
    manifest is never taken at its word.
    """
    named = (as_agency or "").strip()
    if actor.agency != LOCAL:  # a partner's user imports as their own agency, never as another
        if named and named != actor.agency:
            raise NotAllowed(f"{actor} may import only bundles of {actor.agency}, not of {named}", next_step="allow_sender")
        return actor.agency
    chosen = named or ws.settings.imports.agency.strip()
    if not chosen:
        raise InvalidInput(
            "an import must say which agency the bundle is from; a manifest's own agency ids are not proof of it",
            next_step="import_as_agency",
        )
    return chosen


def import_bundle(
    ws: Workspace, actor: Actor, bundle: Path, progress: Progress | None = None, as_agency: str | None = None
) -> ImportResult:
    """Import a bundle (folder or .zip) whole or not at all, writing only records its agency may send; audited."""
    require(actor, "import")
    return importer.import_bundle(ws, actor, Path(bundle), sending_agency(ws, actor, as_agency), progress)
