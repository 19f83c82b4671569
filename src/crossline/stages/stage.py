"""What a build stage is, and the context it runs in.

A stage reads the system of record, the lake and earlier stages' tables, and
writes named tables; it holds no global state and is deterministic. Stages
are listed in pipeline order in ``crossline.stages.registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from polars.datatypes import DataTypeClass
from sqlalchemy import Connection, text

from crossline.access.actor import Actor
from crossline.store import lake as lake_store
from crossline.store import picture as picture_store
from crossline.workspace import Workspace

SORTED_SLICE = 65_536
"""Rows gathered and written at a time when a table is written sorted (``BuildContext.write``)."""

StageProgress = Callable[[str, float], None]  # (what, fraction done)
PolarsType = pl.DataType | DataTypeClass


@dataclass
class BuildContext:
    ws: Workspace
    actor: Actor
    out: Path  # the version being built
    previous: Path | None  # the current (last published) version, for stable ids and carry-over
    progress: StageProgress = lambda what, fraction: None
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line each: why a stage had little or nothing to do

    def note(self, text: str) -> None:
        """Say, in one line the user will read, why this stage had nothing (or less) to do."""
        self.notes.append(text)

    def store(self, sql: str, schema: Mapping[str, PolarsType] | None = None, **params: object) -> pl.DataFrame:
        """Rows from the system of record as a Polars frame (set-based: one query, no row loop).

        Columns come back typed even when no row does: ``schema`` where given,
        else text (the store keeps dates, times and JSON as text), never Polars'
        typeless Null, which would break the first join or parse on a thin workspace.
        """
        with self.ws.engine.connect() as conn:
            cursor = conn.execute(text(sql), params)
            cols = list(cursor.keys())
            frame = pl.DataFrame(cursor.fetchall(), schema=cols, orient="row", infer_schema_length=None)
        types: dict[str, PolarsType] = {c: (schema or {}).get(c, pl.String if frame[c].dtype == pl.Null else frame[c].dtype) for c in cols}
        return frame.cast(pl.Schema(types))

    def comms_files(self) -> list[str]:
        return lake_store.dataset_paths(self.ws.engine, self.ws.lake, "comms")

    def table_path(self, name: str) -> Path | None:
        """A table written earlier in this build, else the current version's (stages may be run alone)."""
        here = self.out / f"{name}.parquet"
        if here.exists():
            return here
        if self.previous is not None and (self.previous / f"{name}.parquet").exists():
            return self.previous / f"{name}.parquet"
        return None

    def previous_path(self, name: str) -> Path | None:
        """The last published version of a table (for ids that must stay stable across builds)."""
        if self.previous is not None and (self.previous / f"{name}.parquet").exists():
            return self.previous / f"{name}.parquet"
        return None

    def write(self, name: str, frame: pl.DataFrame, sort_by: list[str] | None = None, row_group_size: int | None = None) -> Path:
        """Write a picture table.

        ``sort_by`` and ``row_group_size`` for a table read a few rows at a
        time: in that order, in row groups that small, a reader filtering
        on the first key skips the rest. The sorted table is gathered and
        written a slice at a time (``SORTED_SLICE`` rows), so that a million
        rows are never held twice.
        """
        path = self.out / f"{name}.parquet"
        if sort_by is None:
            frame.write_parquet(path, compression="zstd", row_group_size=row_group_size)
        else:
            order = frame.select(pl.arg_sort_by(sort_by, nulls_last=True)).to_series()
            with pq.ParquetWriter(path, frame.head(0).to_arrow().schema, compression="zstd") as writer:
                for start in range(0, max(frame.height, 1), SORTED_SLICE):
                    writer.write_table(frame[order.slice(start, SORTED_SLICE)].to_arrow(), row_group_size=row_group_size)
        self.rows[name] = frame.height
        return path


@dataclass(frozen=True)
class Export:
    """A contract export (DATA-CONTRACT section 3) produced from the picture."""

    file: str  # e.g. "nominals" -> nominals.csv and nominals.parquet
    table: str  # picture table it comes from
    columns: tuple[str, ...]


Publish = Callable[[Connection, Actor, Path], None]  # (the publishing transaction, who builds, the version's folder)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[BuildContext], None]
    outputs: tuple[str, ...]
    exports: tuple[Export, ...] = ()
    help: str = ""
    # Casework the stage raises from its tables (alerts, flags), in the transaction that publishes the
    # version: a build that does not publish raises nothing, and a published one never lacks its alerts.
    publish: Publish | None = None


def raise_alerts(conn: Connection, actor: Actor, frame: pl.DataFrame) -> None:
    """Raise a stage's alert rows (crossline.casework.alerts) while its version publishes; one audit entry per kind."""
    from crossline.access import audit
    from crossline.casework import alerts

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for (kind,), rows in frame.group_by("kind", maintain_order=True):
        counts = alerts.raise_alerts(conn, rows, now)
        if counts["new"] or counts["reopened"]:
            audit.record(conn, actor, "alert_raise", str(kind), counts)


def current_dir(ws: Workspace) -> Path | None:
    version = picture_store.current_version(ws.engine)
    return picture_store.version_dir(ws.path, version) if version is not None else None
