"""Run the build: each stage in order into a new picture version, published atomically, then exported."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Connection

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.errors import InvalidInput
from crossline.stages import registry
from crossline.stages.stage import BuildContext, current_dir
from crossline.store import lake as lake_store
from crossline.store import picture as picture_store
from crossline.workspace import Workspace

Progress = Callable[[str, str, float], None]  # (stage, what, fraction)


@dataclass
class BuildResult:
    version: int
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    notes: list[str] = field(default_factory=list)  # why a stage had nothing (or less) to do


def run_build(ws: Workspace, actor: Actor, only: list[str] | None = None, progress: Progress | None = None) -> BuildResult:
    """Run all registered stages (or ``only`` these, carrying the rest over from the current version)."""
    names = registry.stage_names()
    unknown = [n for n in (only or []) if n not in names]
    if unknown:
        raise InvalidInput(f"unknown stage {unknown[0]!r}; the stages are: {', '.join(names)}")
    with lake_store.writer_lock(ws.path):
        ws.picture.mkdir(exist_ok=True)
        building = ws.picture / f".building-{secrets.token_hex(4)}"
        building.mkdir()
        previous = current_dir(ws)
        result = BuildResult(version=0)
        try:
            ctx = BuildContext(ws=ws, actor=actor, out=building, previous=previous)
            for stage in registry.STAGES:
                if only and stage.name not in only:
                    _carry_over(ctx, stage.outputs)
                    continue
                if progress:
                    ctx.progress = partial(progress, stage.name)
                started = time.monotonic()
                stage.run(ctx)
                result.stages[stage.name] = round(time.monotonic() - started, 3)
            result.tables = dict(ctx.rows)
            result.notes = list(ctx.notes)
            built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ran = [s for s in registry.STAGES if s.publish is not None and s.name in result.stages]

            def casework(conn: Connection, folder: Path) -> None:
                for stage in ran:
                    assert stage.publish is not None
                    stage.publish(conn, actor, folder)

            result.version = picture_store.publish(
                ws.engine, ws.path, building, built_at, str(actor), result.stages, result.tables, within=casework
            )
        finally:
            shutil.rmtree(building, ignore_errors=True)
        with ws.engine.begin() as conn:
            audit.record(conn, actor, "build", f"picture v{result.version}", {"stages": result.stages, "tables": result.tables})
    return result


def _carry_over(ctx: BuildContext, outputs: tuple[str, ...]) -> None:
    import pyarrow.parquet as pq

    for name in outputs:
        src = ctx.previous_path(name)
        if src is not None:
            shutil.copy2(src, ctx.out / src.name)
            ctx.rows[name] = pq.ParquetFile(src).metadata.num_rows
