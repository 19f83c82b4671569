"""What the published picture holds, in counts: for the demo's summary, ``status`` and the dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.store import picture as picture_store
from crossline.workspace import Workspace


@dataclass
class PictureSummary:
    version: int | None
    records: int = 0
    nominals: int | None = None  # None: the stage that makes the table has not run
    lines: int | None = None
    line_numbers: int = 0
    successions: int = 0
    bands: dict[str, int] = field(default_factory=dict)  # risk band -> young people


def summary(ws: Workspace, actor: Actor) -> PictureSummary:
    """Counts only, never personal data: any role that may see the workspace's status may see them."""
    require(actor, "status")

    def table(name: str, columns: list[str]) -> pl.DataFrame | None:
        path = picture_store.current_table(ws.engine, ws.path, name)
        return pl.read_parquet(path, columns=columns) if path is not None else None

    out = PictureSummary(version=picture_store.current_version(ws.engine))
    nominals = table("nominals", ["nominal_id"])
    if nominals is not None:
        out.records, out.nominals = nominals.height, nominals["nominal_id"].n_unique()
    lines = table("lines", ["line_id"])
    if lines is not None:
        out.lines = lines.height
        numbers = table("line_numbers", ["number"])
        successions = table("successions", ["new_number"])
        out.line_numbers = numbers.height if numbers is not None else 0
        out.successions = successions.height if successions is not None else 0
    risk = table("risk", ["band"])
    if risk is not None:
        out.bands = {str(k): int(v) for k, v in risk.group_by("band").len().iter_rows()}
    return out
