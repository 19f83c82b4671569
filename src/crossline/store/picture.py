"""The published picture: each build writes Parquet tables into a new version folder and publishes it atomically.

``picture/v000007/`` holds the tables of version 7; a version exists only once
the ``picture_versions`` row naming it has committed. A build writes into
``picture/.building-<id>/``, renames it into place, and commits the row; a
failed or killed build leaves the last good picture current, and the next open
of the workspace sweeps its leftovers. The newest ``KEEP`` versions are kept.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, delete, func, insert, select

from crossline.faults import checkpoint
from crossline.store.models import PictureVersion

if TYPE_CHECKING:
    import polars as pl

KEEP = 3


def picture_root(workspace: Path) -> Path:
    return workspace / "picture"


def version_dir(workspace: Path, version: int) -> Path:
    return picture_root(workspace) / f"v{version:06d}"


def current_version(db: Engine | Connection) -> int | None:
    """The newest published version; given a connection, read in it (a request's own, not one more from the pool)."""
    if isinstance(db, Connection):
        return db.execute(select(func.max(PictureVersion.version))).scalar()
    with db.connect() as conn:
        return conn.execute(select(func.max(PictureVersion.version))).scalar()


def current_table(db: Engine | Connection, workspace: Path, table: str) -> Path | None:
    """The current version's Parquet file for ``table``, or None if no build has produced it."""
    version = current_version(db)
    if version is None:
        return None
    path = version_dir(workspace, version) / f"{table}.parquet"
    return path if path.exists() else None


def publish(
    engine: Engine, workspace: Path, building: Path, built_at: str, built_by: str,
    stages: dict[str, float], tables: dict[str, int], within: Callable[[Connection, Path], None] | None = None,
) -> int:
    """Move a finished build into place as the next version and commit it; returns the version.

    ``within`` writes what must become visible with the version (the alerts and
    flags its stages raise) in the same transaction: both commit, or neither.
    """
    with engine.begin() as conn:
        latest = conn.execute(select(func.max(PictureVersion.version))).scalar() or 0
        version = latest + 1
        target = version_dir(workspace, version)
        os.replace(building, target)
        try:
            conn.execute(
                insert(PictureVersion).values(
                    version=version, built_at=built_at, built_by=built_by,
                    stages=json.dumps(stages), tables=json.dumps(tables),
                )
            )
            if within is not None:
                within(conn, target)
            checkpoint("publish_before_commit")
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    prune(engine, workspace)
    return version


def prune(engine: Engine, workspace: Path) -> None:
    """Drop all but the newest KEEP versions (rows first, then folders)."""
    with engine.begin() as conn:
        versions = [v for (v,) in conn.execute(select(PictureVersion.version).order_by(PictureVersion.version.desc()))]
        old = versions[KEEP:]
        if old:
            conn.execute(delete(PictureVersion).where(PictureVersion.version.in_(old)))
    for v in old:
        shutil.rmtree(version_dir(workspace, v), ignore_errors=True)


def recover(engine: Engine, workspace: Path) -> None:
    """Remove half-built versions and folders no committed version names (run under the writer lock)."""
    root = picture_root(workspace)
    if not root.exists():
        return
    with engine.connect() as conn:
        listed = {f"v{v:06d}" for (v,) in conn.execute(select(PictureVersion.version))}
    for child in root.iterdir():
        if child.is_dir() and child.name not in listed:
            shutil.rmtree(child, ignore_errors=True)


def read_table(engine: Engine, workspace: Path, name: str, required: bool = True, stage: str = "") -> pl.DataFrame | None:
    """A table of the current picture as a Polars frame; None (or an error saying what to run) when absent."""
    import polars as pl

    from crossline.errors import NotFound

    path = current_table(engine, workspace, name)
    if path is None:
        if required:
            hint = f" with the {stage} stage" if stage else ""
            raise NotFound(f"the picture has no {name} table yet: build the picture{hint} first", next_step="build")
        return None
    return pl.read_parquet(path)
