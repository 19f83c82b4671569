"""Progress bars for the long steps (import, build, simulate), and the import summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
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
    """Import with one bar: files read of the bundle's files, saying which file (and how many rows) is being read now."""
    from crossline.service.imports import import_bundle as run

    with _bar(MofNCompleteColumn()) as bar:
        task = bar.add_task("opening the bundle", total=None)

        def progress(phase: str, item: str, done: int, total: int | None) -> None:
            if phase == "reading":
                bar.update(task, description=f"reading {item} ({done:,} rows)")
            elif phase == "staged":
                bar.update(task, description=f"read {item}", completed=done, total=total)
            else:  # a later phase with its own count (merging comms: days)
                bar.update(task, description=f"{phase} ({item})", completed=done, total=total)

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


# Short headings so that a summary fits 80 columns: "same" rows were unchanged, "repeated" rows repeat another row of
# this import, "rejected" rows went to quarantine, "warnings" are values blanked (accepted = new + updated + same).
FIGURES = ("read", "new", "updated", "same", "repeated", "rejected", "warnings")


def print_import(result: ImportResult, detail: bool = False, next_step: str | None = "crossline build") -> None:
    """The import log: one row per kind of record with a totals row (``detail``: one row per file), then what to do next."""
    # no vertical rules: the nine columns fit 80 columns, and a kind is never cut
    table = DataTable(title=f"Imported {result.bundle} ({result.bundle_id}) in {result.seconds:.1f} s",
                      box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, pad_edge=False)
    table.add_column("file" if detail else "kind", overflow="fold", min_width=12, no_wrap=not detail)
    table.add_column("kind" if detail else "files", justify="left" if detail else "right")
    for col in FIGURES:
        table.add_column(col, justify="right")
    rows: list[tuple[str, str, list[int]]]
    if detail:
        rows = [(f.file, f.kind, _figures(f)) for f in result.feeds]
    else:
        totals: dict[str, list[int]] = {}
        files_of: dict[str, int] = {}
        for f in result.feeds:
            acc = totals.setdefault(f.kind, [0] * len(FIGURES))
            files_of[f.kind] = files_of.get(f.kind, 0) + 1
            for i, v in enumerate(_figures(f)):
                acc[i] += v
        rows = [(k, str(files_of[k]), v) for k, v in sorted(totals.items())]
    for label, second, figures in rows:
        table.add_row(*_cells(label, second, figures))
    everything = [sum(col) for col in zip(*(_figures(f) for f in result.feeds), strict=True)] if result.feeds else [0] * len(FIGURES)
    table.add_section()
    table.add_row(*_cells("total", "" if detail else str(len(result.feeds)), everything), style="bold")
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
    if not detail and len(result.feeds) > len(rows):
        console.print("One row per kind of record; [bold]--detail[/] lists every file.")
    if next_step:
        console.print(f"Next: [bold]{escape(next_step)}[/] puts what arrived into the picture.")


def _cells(label: str, second: str, figures: list[int]) -> list[str | Text]:
    *plain, quarantined, warnings = figures
    return [label, second, *(f"{v:,}" for v in plain), _warn(quarantined, "red"), _warn(warnings, "yellow")]


def _figures(f: FeedResult) -> list[int]:
    return [f.rows_read, f.new, f.updated, f.unchanged, f.duplicates, f.quarantined, f.warnings]


def _warn(n: int, colour: str) -> Text:
    return Text(f"{n:,}", style=colour) if n else Text("0")
