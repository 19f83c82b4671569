"""Commands for the workspace itself: init, import, build, export, status, person, audit, simulate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from crossline.cli import progress
from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, err, local, print_json
from crossline.errors import IntegrityError, InvalidInput
from crossline.workspace import init_workspace

app = typer.Typer()
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@app.command()
def init(
    workspace: WorkspaceOpt = DEFAULT,
    database_url: Annotated[
        str, typer.Option(help="PostgreSQL URL for the system of record; blank keeps SQLite in the workspace.")
    ] = "",
) -> None:
    """Create a workspace: crossline.toml, crossline.db, lake/ and exports/."""
    ws = init_workspace(workspace, database_url)
    try:
        console.print(f"Workspace ready at [bold]{ws.path}[/] (database: {ws.database_label}).")
        console.print(f"Next: [bold]crossline import BUNDLE --workspace {ws.path}[/]")
    finally:
        ws.close()


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder or .zip with manifest.toml at its root.")],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Import a partner bundle (DATA-CONTRACT v1), whole or not at all."""
    with local(workspace) as (ws, actor):
        result = progress.import_bundle(ws, actor, bundle)
    progress.print_import(result)


@app.command()
def build(
    stage: Annotated[
        list[str] | None, typer.Option("--stage", "-s", help="Run only this stage (repeatable); others carry over.")
    ] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Build the picture (resolve, lines, ...) as a new version, publish it atomically, then export."""
    with local(workspace) as (ws, actor):
        result, exported = progress.build(ws, actor, stage or None)
    table = Table(title=f"Picture version {result.version}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in sorted(result.tables.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]{note}[/]")
    console.print("Stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.stages.items()))
    console.print(f"Exports written to {exported.directory}")


@app.command()
def export(
    directory: Annotated[Path | None, typer.Argument(help="Folder to write to; default: the workspace's exports/.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Write the contract's exports (CSV and Parquet)."""
    from crossline.service.exports import export as run_export

    result = call(workspace, run_export, directory)
    for name, rows in result.files.items():
        console.print(f"  {result.directory / name}  ({rows:,} rows, and .parquet)")


@app.command()
def status(workspace: WorkspaceOpt = DEFAULT) -> None:
    """Summarise the workspace: bundles, rows per kind and source, quarantine, audit head."""
    from crossline.service.status import status as get_status

    st = call(workspace, get_status)
    console.print(f"Workspace [bold]{st.workspace}[/], database {st.database}")
    latest = f" (latest: {st.bundles[-1][1]}, {st.bundles[-1][2]})" if st.bundles else ""
    console.print(f"Bundles imported: {len(st.bundles)}{latest}")
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
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Show one person record as stored, with provenance and the safeguarding context (the read is audited)."""
    from crossline.service.safeguarding import record_context

    opened = call(workspace, record_context, source, record_id)
    context = opened["safeguarding"]
    if context.get("flags") or context.get("band") in ("high", "very_high"):
        lines = [f"[bold]{f['kind']}[/]: {f['reason']}" for f in context.get("flags", [])]
        if context.get("band"):
            reasons = " - " + "; ".join(context["reasons"]) if context.get("reasons") else ""
            lines.append(f"Exploitation risk: [bold]{context['band']}[/]{reasons}")
        console.print(Panel.fit("\n".join(lines), title="Safeguarding context", border_style="red"))
    from crossline.service.network import record_groups

    for g in call(workspace, record_groups, source, record_id).iter_rows(named=True):
        console.print(f"Group [bold]{g['ocg_id']}[/]: {g['role']}{' (key player)' if g.get('key_player') else ''} - {g['reasons']}")
    print_json(opened)


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceOpt = DEFAULT) -> None:
    """Recompute the audit log's hash chain; exit 7 if any entry was edited or deleted."""
    from crossline.service.audit import verify

    result = call(workspace, verify)
    if result.ok:
        console.print(f"[green]Audit log intact[/]: {result.entries:,} entries, head {result.head[:16]}")
        return
    err.print(f"[red]Audit log BROKEN[/]: {len(result.problems)} problem(s) in {result.entries:,} entries")
    for p in result.problems:
        err.print(f"  - {p}")
    raise typer.Exit(IntegrityError.exit_code)


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
    from crossline.sim.scenario import DEFAULT_MONTHS, MAX_MONTHS

    if not DEFAULT_MONTHS <= months <= MAX_MONTHS:
        raise InvalidInput(f"give --months from {DEFAULT_MONTHS} to {MAX_MONTHS} (programmes start up to day 70 and need follow-up)")
    console.print(progress.simulate(outdir, seed, scale, months).describe())
