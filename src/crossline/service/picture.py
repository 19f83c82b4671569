"""What the published picture holds, in counts: for the demo's summary, ``status``, ``build`` and the dashboards.

``changes`` says what a build changed in the words an analyst uses
(nominals, lines, numbers, young people at risk, new alerts), so nobody has
to read the picture's internal table sizes to know whether a build mattered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import func, select

from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.store import picture as picture_store
from crossline.store.models import Alert, PictureVersion
from crossline.workspace import Workspace

AT_RISK = ("high", "very_high")  # the bands a practitioner is asked to act on


@dataclass
class PictureSummary:
    version: int | None
    built_at: str = ""  # when the current version was published (UTC, ISO); "" when none is
    records: int = 0
    nominals: int | None = None  # None: the stage that makes the table has not run
    lines: int | None = None
    line_numbers: int = 0
    successions: int = 0
    bands: dict[str, int] = field(default_factory=dict)  # risk band -> young people
    alerts: int = 0  # alerts ever raised (open or acknowledged); a build raises new ones, never removes any
    groups: int | None = None  # organised crime groups around lines (None: the network stage has not run)
    group_members: int = 0
    cross_border_groups: int = 0  # groups run from one force area that sell into another

    @property
    def at_risk(self) -> int:
        return sum(self.bands.get(b, 0) for b in AT_RISK)


def summary(ws: Workspace, actor: Actor) -> PictureSummary:
    """Counts only, never personal data: any role that may see the workspace's status may see them."""
    require(actor, "status")

    def table(name: str, columns: list[str]) -> pl.DataFrame | None:
        path = picture_store.current_table(ws.engine, ws.path, name)
        return pl.read_parquet(path, columns=columns) if path is not None else None

    out = PictureSummary(version=picture_store.current_version(ws.engine))
    with ws.engine.connect() as conn:
        if out.version is not None:
            built = conn.execute(select(PictureVersion.built_at).where(PictureVersion.version == out.version)).scalar()
            out.built_at = str(built or "")
        out.alerts = int(conn.execute(select(func.count()).select_from(Alert)).scalar_one())
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
    groups = table("ocgs", ["ocg_id", "run_from", "sells_into"])
    if groups is not None:
        members = table("ocg_members", ["nominal_id"])
        out.groups, out.group_members = groups.height, members["nominal_id"].n_unique() if members is not None else 0
        out.cross_border_groups = sum(1 for run_from, sells in groups.select("run_from", "sells_into").iter_rows()
                                      if set(filter(None, (sells or "").split(";"))) - set(filter(None, (run_from or "").split(";"))))
    return out


def changes(before: PictureSummary, after: PictureSummary) -> list[str]:
    """What a build changed, one plain line per figure: the new count and how it moved (a first build: the counts)."""
    first = before.version is None

    def moved(now: int, was: int | None) -> str:
        if first or was is None:
            return f"{now:,}"
        delta = now - was
        return f"{now:,} (unchanged)" if delta == 0 else f"{now:,} ({delta:+,})"

    out: list[str] = []
    if after.nominals is not None:
        out.append(f"Nominals (people): {moved(after.nominals, before.nominals)} from {after.records:,} records")
    if after.lines is not None:
        out.append(f"Deal lines: {moved(after.lines, before.lines)}")
        out.append(f"Numbers used by lines: {moved(after.line_numbers, None if before.lines is None else before.line_numbers)}; "
                   f"number changes followed: {moved(after.successions, None if before.lines is None else before.successions)}")
    if after.bands:
        b = after.bands
        out.append(f"Young people at high risk or above: {moved(after.at_risk, before.at_risk if before.bands else None)} "
                   f"({b.get('very_high', 0):,} very high, {b.get('high', 0):,} high; {b.get('medium', 0):,} medium)")
    if after.groups is not None:
        out.append(f"Organised crime groups around the lines: {moved(after.groups, before.groups)} "
                   f"({after.group_members:,} people; {after.cross_border_groups:,} selling across a force border)")
    new_alerts = after.alerts - before.alerts
    out.append(f"New alerts: {new_alerts:,}" if new_alerts else "New alerts: none")
    return out
