"""The comms lake: Parquet files under ``lake/``, partitioned by day.

A file is part of the lake only once the database's ``lake_files`` manifest
lists it, and that listing commits in the same transaction as the rest of an
import. Files are written aside (``lake/.staging/``), moved into place just
before the commit, and any file that no committed manifest names is swept
away when the workspace is next opened: a killed import leaves no trace.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, select

from crossline.errors import ConfigurationError
from crossline.store.models import LakeFile

STAGING = ".staging"


@contextmanager
def writer_lock(workspace: Path, wait: bool = True) -> Iterator[bool]:
    """One writer at a time per workspace; yields False if ``wait`` is off and another holds it."""
    lock_path = workspace / ".writer.lock"
    try:
        fh = open(lock_path, "a+")
    except PermissionError as exc:
        raise ConfigurationError(
            f"the workspace {workspace} is read-only for this account: it can be read (status, audit verification) but not changed"
        ) from exc
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        fh.close()


def listed_files(engine: Engine, dataset: str | None = None) -> list[LakeFile]:
    with engine.connect() as conn:
        stmt = select(LakeFile)
        if dataset:
            stmt = stmt.where(LakeFile.dataset == dataset)
        return [LakeFile(**row._mapping) for row in conn.execute(stmt.order_by(LakeFile.partition))]


def dataset_paths(engine: Engine, lake: Path, dataset: str) -> list[str]:
    """Absolute paths of a dataset's committed files, for DuckDB's read_parquet."""
    return [str(lake / f.path) for f in listed_files(engine, dataset)]


def recover(engine: Engine, lake: Path) -> int:
    """Remove what an interrupted import left; returns the number of files removed.

    Only run while holding the writer lock, so a live import's files are never touched.
    """
    staging = lake / STAGING
    removed = 0
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    with engine.connect() as conn:
        listed = {row[0] for row in conn.execute(select(LakeFile.path))}
    for root, _dirs, files in os.walk(lake):
        for name in files:
            full = Path(root) / name
            rel = full.relative_to(lake).as_posix()
            if rel.endswith(".parquet") and rel not in listed:
                full.unlink()
                removed += 1
    for root, dirs, _files in os.walk(lake, topdown=False):
        for d in dirs:
            p = Path(root) / d
            if p != staging and not any(p.iterdir()):
                p.rmdir()
    missing = [p for p in listed if not (lake / p).exists()]
    if missing:
        raise ConfigurationError(
            f"the lake is missing {len(missing)} committed file(s), e.g. lake/{missing[0]}: "
            "restore the workspace folder from backup"
        )
    return removed
