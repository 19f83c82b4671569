"""Progress bars for the long steps (import, build, simulate), and the import table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from crossline.access.actor import Actor
from crossline.cli.common import DataTable, console
from crossline.ingest.report import FeedResult, ImportResult
from crossline.workspace import Workspace

if TYPE_CHECKING:
    from crossline.service.exports import ExportResult
    from crossline.sim.summary import SimulationSummary
    from crossline.stages.pipeline import BuildResult


@contextmanager
def _bar(*columns: ProgressColumn) -> Iterator[Progress]:
    # markup off: a description names a bundle's file, and a file may be called "[red]x.csv"
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), *columns, TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        yield bar


def import_bundle(ws: Workspace, actor: Actor, bundle: Path, as_agency: str | None = None) -> ImportResult:
    """Import with a bar per phase (and per file while reading)."""
    from crossline.service.imports import import_bundle as run

    with _bar(MofNCompleteColumn()) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, item: str, done: int, total: int | None) -> None:
            key = f"{phase}:{item}" if phase == "reading" else phase
            if key not in tasks:
                label = f"reading {item}" if phase == "reading" else phase
                tasks[key] = bar.add_task(label, total=total)
            bar.update(tasks[key], completed=done, total=total)

        return run(ws, actor, bundle, progress, as_agency)


def build(ws: Workspace, actor: Actor, only: list[str] | None = None) -> tuple[BuildResult, ExportResult]:
    """Build with one bar per stage, saying what the stage is doing."""
    from crossline.service.build import build as run

    with _bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage_name: str, what: str, fraction: float) -> None:
            if stage_name not in tasks:
                tasks[stage_name] = bar.add_task(stage_name, total=1.0)
            bar.update(tasks[stage_name], description=f"{stage_name}: {what}", completed=fraction)

        return run(ws, actor, only, progress)


def simulate(outdir: Path, seed: int, scale: float, months: int) -> SimulationSummary:
    from crossline.sim import Scenario
    from crossline.sim import simulate as run

    scenario = Scenario(seed=seed, scale=scale).with_months(months)
    with _bar() as bar:
        task = bar.add_task("simulating", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=f"simulating: {stage}", completed=fraction)

        return run(outdir, seed=seed, scale=scale, progress=progress, scenario=scenario)


def print_import(result: ImportResult, by_kind: bool = False) -> None:
    """The import log as a table: per feed, or per kind of feed when there are many (``by_kind``)."""
    table = DataTable(title=f"Imported {result.bundle} ({result.bundle_id}) in {result.seconds:.1f} s")
    table.add_column("kind" if by_kind else "file", overflow="fold", min_width=12)
    if not by_kind:
        table.add_column("kind")
    for col in ("read", "accepted", "new", "updated", "unchanged", "duplicates", "quarantined", "warnings"):
        table.add_column(col, justify="right")
    rows: list[tuple[str, str | None, list[int]]] = []
    if by_kind:
        totals: dict[str, list[int]] = {}
        for f in result.feeds:
            acc = totals.setdefault(f.kind, [0] * 8)
            for i, v in enumerate(_figures(f)):
                acc[i] += v
        rows = [(f"{k} ({sum(1 for f in result.feeds if f.kind == k)} files)", None, v) for k, v in totals.items()]
    else:
        rows = [(f.file, f.kind, _figures(f)) for f in result.feeds]
    for label, kind, figures in rows:
        *plain, quarantined, warnings = figures
        cells = [label, *([kind] if kind is not None else []), *(f"{v:,}" for v in plain)]
        table.add_row(*cells, _warn(quarantined, "red"), _warn(warnings, "yellow"))
    console.print(table)
    for f in result.feeds:
        if f.refused:
            console.print(f"[red]Not imported[/]: {escape(f.file)}: {escape(f.refused)}")
    for note in result.notes:
        console.print(f"[yellow]Manifest not taken[/]: {escape(note)}")
    if result.quarantined or result.warnings:
        console.print(
            f"{result.quarantined:,} row(s) quarantined and {result.warnings:,} value(s) blanked with a warning: "
            "see them with [bold]crossline export[/] (quarantine.csv)."
        )


def _figures(f: FeedResult) -> list[int]:
    return [f.rows_read, f.accepted, f.new, f.updated, f.unchanged, f.duplicates, f.quarantined, f.warnings]


def _warn(n: int, colour: str) -> Text:
    return Text(f"{n:,}", style=colour) if n else Text("0")
