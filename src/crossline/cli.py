"""The ``crossline`` command: thin, every command calls crossline.service as the local administrator."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crossline.access.actor import local_admin
from crossline.errors import BundleError, CrosslineError
from crossline.ingest.report import ImportResult
from crossline.workspace import DEFAULT_WORKSPACE, Workspace, init_workspace, open_workspace

app = typer.Typer(
    help="Crossline: one shared, cross-border picture of county lines, and the workflows to act on it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", envvar="CROSSLINE_WORKSPACE", help="Workspace folder.", show_default=True
    ),
]


def _open(path: Path) -> Workspace:
    return open_workspace(path)


@app.command()
def init(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    database_url: Annotated[
        str, typer.Option(help="PostgreSQL URL for the system of record; blank keeps SQLite in the workspace.")
    ] = "",
) -> None:
    """Create a workspace: crossline.toml, crossline.db, lake/ and exports/."""
    ws = init_workspace(workspace, database_url)
    console.print(f"Workspace ready at [bold]{ws.path}[/] (database: {ws.database_label}).")
    console.print(f"Next: [bold]crossline import BUNDLE --workspace {ws.path}[/]")


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder or .zip with manifest.toml at its root.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Import a partner bundle (DATA-CONTRACT v1), whole or not at all."""
    ws = _open(workspace)
    result = import_with_progress(ws, bundle)
    print_import(result)


def import_with_progress(ws: Workspace, bundle: Path) -> ImportResult:
    from crossline.service.imports import import_bundle

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(phase: str, item: str, done: int, total: int | None) -> None:
            key = f"{phase}:{item}" if phase == "reading" else phase
            if key not in tasks:
                label = f"reading {item}" if phase == "reading" else phase
                tasks[key] = bar.add_task(label, total=total)
            bar.update(tasks[key], completed=done, total=total)

        return import_bundle(ws, local_admin(), bundle, progress)


def print_import(result: ImportResult, by_kind: bool = False) -> None:
    """The import log as a table: per feed, or per kind of feed when there are many (``by_kind``)."""
    table = Table(title=f"Imported {result.bundle} ({result.bundle_id}) in {result.seconds:.1f} s")
    first = "kind" if by_kind else "file"
    table.add_column(first, overflow="fold", min_width=12)
    if not by_kind:
        table.add_column("kind")
    for col in ("read", "accepted", "new", "updated", "unchanged", "duplicates", "quarantined", "warnings"):
        table.add_column(col, justify="right")
    rows: list[tuple[str, list[int]]] = []
    if by_kind:
        totals: dict[str, list[int]] = {}
        for f in result.feeds:
            acc = totals.setdefault(f.kind, [0] * 8)
            for i, v in enumerate(_figures(f)):
                acc[i] += v
        rows = [(f"{k} ({sum(1 for f in result.feeds if f.kind == k)} files)", v) for k, v in totals.items()]
    for label, figures in rows or [(f.file, _figures(f)) for f in result.feeds]:
        kind = [] if by_kind else [next(f.kind for f in result.feeds if f.file == label)]
        *plain, quarantined, warnings = figures
        table.add_row(label, *kind, *(f"{v:,}" for v in plain), _warn(quarantined, "red"), _warn(warnings, "yellow"))
    console.print(table)
    if result.quarantined or result.warnings:
        console.print(
            f"{result.quarantined:,} row(s) quarantined and {result.warnings:,} value(s) blanked with a warning: "
            "see them with [bold]crossline export[/] (quarantine.csv)."
        )


def _figures(f) -> list[int]:  # type: ignore[no-untyped-def]
    return [f.rows_read, f.accepted, f.new, f.updated, f.unchanged, f.duplicates, f.quarantined, f.warnings]


def _warn(n: int, colour: str) -> str:
    return f"[{colour}]{n:,}[/]" if n else "0"


@app.command()
def build(
    stage: Annotated[
        Optional[list[str]], typer.Option("--stage", "-s", help="Run only this stage (repeatable); others carry over.")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Build the picture (resolve, lines, ...) as a new version, publish it atomically, then export."""
    from crossline.service.build import build as run_build

    ws = _open(workspace)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage_name: str, what: str, fraction: float) -> None:
            if stage_name not in tasks:
                tasks[stage_name] = bar.add_task(stage_name, total=1.0)
            bar.update(tasks[stage_name], description=f"{stage_name}: {what}", completed=fraction)

        result, exported = run_build(ws, local_admin(), stage or None, progress)
    table = Table(title=f"Picture version {result.version}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in sorted(result.tables.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print("Stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.stages.items()))
    console.print(f"Exports written to {exported.directory}")


@app.command()
def export(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder to write to; default: the workspace's exports/.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Write the contract's exports (CSV and Parquet)."""
    from crossline.service.exports import export as run_export

    ws = _open(workspace)
    result = run_export(ws, local_admin(), directory)
    for name, rows in result.files.items():
        console.print(f"  {result.directory / name}  ({rows:,} rows, and .parquet)")


@app.command()
def status(workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE)) -> None:
    """Summarise the workspace: bundles, rows per kind and source, quarantine, audit head."""
    from crossline.service.status import status as get_status

    st = get_status(_open(workspace), local_admin())
    console.print(f"Workspace [bold]{st.workspace}[/], database {st.database}")
    console.print(f"Bundles imported: {len(st.bundles)}" + (f" (latest: {st.bundles[-1][1]}, {st.bundles[-1][2]})" if st.bundles else ""))
    table = Table(title="Records by kind and source")
    for col in ("kind", "source", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for (kind, source), n in sorted(st.rows.items()):
        table.add_row(kind, source, f"{n:,}")
    table.add_row("comms", "(lake)", f"{st.comms_events:,} events over {st.comms_days} day(s)")
    console.print(table)
    console.print(
        f"Quarantine: {st.quarantine.get('error', 0):,} rejected row(s), {st.quarantine.get('warning', 0):,} warning(s)"
    )
    console.print(f"Audit log: {st.audit_entries:,} entries, head {st.audit_head[:16] or '-'}")


@app.command()
def person(
    source: Annotated[str, typer.Argument(help="Agency id that holds the record.")],
    record_id: Annotated[str, typer.Argument(help="The record's id in that agency.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Show one person record as stored, with provenance and the safeguarding context (the read is audited)."""
    from crossline.service.safeguarding import record_context

    opened = record_context(_open(workspace), local_admin(), source, record_id)
    context = opened["safeguarding"]
    if context.get("flags") or context.get("band") in ("high", "very_high"):
        lines = [f"[bold]{f['kind']}[/]: {f['reason']}" for f in context.get("flags", [])]
        if context.get("band"):
            lines.append(f"Exploitation risk: [bold]{context['band']}[/]" + (
                " - " + "; ".join(context.get("reasons", [])) if context.get("reasons") else ""))
        console.print(Panel.fit("\n".join(lines), title="Safeguarding context", border_style="red"))
    console.print_json(json.dumps(opened, default=str))


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE)) -> None:
    """Recompute the audit log's hash chain; exit 1 if any entry was edited or deleted."""
    from crossline.service.audit import verify

    result = verify(_open(workspace), local_admin())
    if result.ok:
        console.print(f"[green]Audit log intact[/]: {result.entries:,} entries, head {result.head[:16]}")
        return
    err.print(f"[red]Audit log BROKEN[/]: {len(result.problems)} problem(s) in {result.entries:,} entries")
    for p in result.problems:
        err.print(f"  - {p}")
    raise typer.Exit(1)


@app.command()
def simulate(
    outdir: Annotated[Path, typer.Argument(help="Folder for bundle/ and truth/.")],
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
    scale: Annotated[float, typer.Option(help="1 for tests, 10 regional, 100 national.")] = 1.0,
    months: Annotated[int, typer.Option(
        help="Length of the period from 1 June 2026, in calendar months (5 to 36; 5 ends on 31 October 2026). "
             "Programmes start in its first 70 days: 14 months give most participants 12 months of follow-up.",
    )] = 5,
) -> None:
    """Write a synthetic county lines scenario (a contract bundle) with its ground truth."""
    summary = _simulate_with_progress(outdir, seed, scale, months)
    console.print(summary.describe())


def _simulate_with_progress(outdir: Path, seed: int, scale: float, months: int = 5):  # type: ignore[no-untyped-def]
    from crossline.sim import Scenario
    from crossline.sim import simulate as run_simulation
    from crossline.sim.scenario import DEFAULT_MONTHS, MAX_MONTHS

    if not DEFAULT_MONTHS <= months <= MAX_MONTHS:
        raise typer.BadParameter(f"give --months from {DEFAULT_MONTHS} to {MAX_MONTHS} (programmes start up to day 70 and need follow-up)",
                                 param_hint="--months")
    scenario = Scenario(seed=seed, scale=scale).with_months(months)

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("simulating", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=f"simulating: {stage}", completed=fraction)

        return run_simulation(outdir, seed=seed, scale=scale, progress=progress, scenario=scenario)


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Folder for the demo's scenario and workspace.")] = Path("crossline-demo"),
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    scale: Annotated[float, typer.Option(help="Scenario scale.")] = 1.0,
) -> None:
    """Simulate a small scenario into a fresh workspace, import it, export, and say what was found."""
    from crossline.demo import run_demo

    run_demo(directory, seed, scale, console)


# Command modules of later capabilities add their commands to ``app`` (and sub-apps) on import.
COMMAND_MODULES: tuple[str, ...] = ("crossline.commands.lines", "crossline.commands.safeguarding", "crossline.commands.resolve")


def _load_commands() -> None:
    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(module)


_load_commands()


def main() -> None:
    try:
        app()
    except BundleError as exc:
        err.print(f"[red]Import failed, nothing was written[/]: {exc.file}: {exc.problem}")
        sys.exit(2)
    except CrosslineError as exc:
        err.print(f"[red]Error[/]: {exc}")
        sys.exit(1)


if __name__ == "__main__":
    # Run the imported module's main: command modules attach to crossline.cli.app, not to this __main__ copy.
    from crossline.cli import main as _main

    _main()
