"""Commands for the workspace itself: init, import, build, export, status, person, simulate (audit: commands/audit.py)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from crossline.cli import progress
from crossline.cli.common import DEFAULT, DataTable, WorkspaceOpt, call, console, esc, local
from crossline.cli.output import FormatOpt, as_json, check_format
from crossline.errors import InvalidInput
from crossline.workspace import CONFIG_NAME, init_workspace

app = typer.Typer()


def _command(name: str, workspace: Path) -> str:
    """A crossline command line for this workspace that can be pasted into a shell as it is."""
    return f"crossline {name}" + ("" if workspace == DEFAULT else f" --workspace {shlex.quote(str(workspace))}")


@app.command()
def init(
    workspace: WorkspaceOpt = DEFAULT,
    database_url: Annotated[
        str, typer.Option(help="PostgreSQL URL for the system of record; blank keeps SQLite in the workspace.")
    ] = "",
) -> None:
    """Create a workspace: crossline.toml, crossline.db, lake/ and exports/ (an existing workspace is left as it is)."""
    existed = (Path(workspace) / CONFIG_NAME).exists()
    ws = init_workspace(workspace, database_url)
    try:
        if existed:
            console.print(f"A workspace already exists at [bold]{esc(ws.path)}[/] (database: {esc(ws.database_label)}); nothing was changed.")
            console.print(f"Next: [bold]crossline status --workspace {esc(shlex.quote(str(ws.path)))}[/]")
            return
        console.print(f"Workspace ready at [bold]{esc(ws.path)}[/] (database: {esc(ws.database_label)}).")
        console.print(f"Next: [bold]crossline import BUNDLE --workspace {esc(ws.path)}[/]")
    finally:
        ws.close()


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder or .zip with manifest.toml at its root.")],
    as_agency: Annotated[
        str | None,
        typer.Option("--as-agency", help="The agency the bundle is from (default: agency in [imports] of crossline.toml). "
                     "It writes only its own records and those of agencies it is allowed to send for."),
    ] = None,
    detail: Annotated[bool, typer.Option("--detail", help="One row per file instead of one per kind of record.")] = False,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Import a partner bundle (DATA-CONTRACT v1), whole or not at all; prints what arrived, by kind of record."""
    with local(workspace) as (ws, actor):
        result = progress.import_bundle(ws, actor, bundle, as_agency)
    progress.print_import(result, detail=detail, next_step=_command("build", workspace))


@app.command()
def build(
    stage: Annotated[
        list[str] | None, typer.Option("--stage", "-s", help="Run only this stage (repeatable); others carry over.")
    ] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Build the picture (resolve, lines, ...) as a new version, publish it atomically, then export; says what changed."""
    from crossline.service.picture import changes, summary

    with local(workspace) as (ws, actor):
        before = summary(ws, actor)
        result, exported = progress.build(ws, actor, stage or None)
        after = summary(ws, actor)
    was = f", replacing version {before.version}" if before.version is not None else ""
    console.print(f"Picture version [bold]{result.version}[/] published{esc(was)} in {sum(result.stages.values()):.0f} s.")
    for line in changes(before, after):
        console.print(f"  {esc(line)}")
    for note in result.notes:
        console.print(f"[yellow]{esc(note)}[/]")
    console.print(f"Exports written to {esc(exported.directory)}")


@app.command()
def export(
    directory: Annotated[Path | None, typer.Argument(help="Folder to write to; default: the workspace's exports/.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Write the contract's exports (CSV and Parquet)."""
    from crossline.service.exports import export as run_export

    result = call(workspace, run_export, directory)
    for name, rows in result.files.items():
        console.print(f"  {esc(result.directory / name)}  ({rows:,} rows, and .parquet)")


@app.command()
def status(workspace: WorkspaceOpt = DEFAULT) -> None:
    """Summarise the workspace: bundles, when the picture was built and whether imports arrived since, rows, quarantine, audit head."""
    from crossline.service.status import status as get_status

    st = call(workspace, get_status)
    console.print(f"Workspace [bold]{esc(st.workspace)}[/], database {esc(st.database)}")
    latest = f" (latest: {st.bundles[-1][1]}, {st.bundles[-1][2]})" if st.bundles else ""
    console.print(f"Bundles imported: {len(st.bundles)}{esc(latest)}")
    if st.picture_version is None:
        console.print("Picture: [yellow]not built yet[/]" + (f": run [bold]{esc(_command('build', workspace))}[/]" if st.bundles else ""))
    else:
        since = ("no imports since" if not st.imports_since
                 else f"[yellow]{st.imports_since} bundle(s) imported since[/]: run [bold]{esc(_command('build', workspace))}[/]")
        console.print(f"Picture: version {st.picture_version}, built {esc(st.built_at)}; {since}")
    table = DataTable(title="Records by kind and source")
    for col in ("kind", "source", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for (kind, source), n in sorted(st.rows.items()):
        table.add_row(kind, source, f"{n:,}")
    table.add_row("comms", "(lake)", f"{st.comms_events:,} events over {st.comms_days} day(s)")
    console.print(table)
    console.print(
        f"Quarantine: {st.quarantine.get('error', 0):,} rejected row(s), {st.quarantine.get('warning', 0):,} warning(s)"
    )
    console.print(f"Audit log: {st.audit_entries:,} entries, head {esc(st.audit_head[:16] or '-')}")


@app.command()
def person(
    source: Annotated[str, typer.Argument(help="Agency id that holds the record.")],
    record_id: Annotated[str, typer.Argument(help="The record's id in that agency.")],
    history: Annotated[bool, typer.Option("--history", help="Show every version of the record that imports replaced.")] = False,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Show one person record as stored, with provenance and the safeguarding context (the read is audited)."""
    check_format(format_)
    if history:
        from dataclasses import asdict

        from crossline.service.history import record_history

        versions = [asdict(v) for v in call(workspace, record_history, source, record_id)]
        if as_json(format_, versions):
            return
        for v in versions:
            _section(f"Version {v.get('version', '')}".strip(), list(v.items()))
        return
    from crossline.service.network import record_groups
    from crossline.service.safeguarding import record_context

    opened = call(workspace, record_context, source, record_id)
    groups = call(workspace, record_groups, source, record_id).to_dicts()
    if as_json(format_, {**opened, "groups": groups}):
        return
    context = opened["safeguarding"]
    if context.get("flags") or context.get("band") in ("high", "very_high"):
        lines = [f"[bold]{esc(f['kind'])}[/]: {esc(f['reason'])}" for f in context.get("flags", [])]
        if context.get("band"):
            reasons = " - " + "; ".join(context["reasons"]) if context.get("reasons") else ""
            lines.append(f"Exploitation risk: [bold]{esc(context['band'])}[/]{esc(reasons)}")
        console.print(Panel.fit("\n".join(lines), title="Safeguarding context", border_style="red"))
    r = opened["record"]
    name = " ".join(str(p) for p in (r.get("given_name"), r.get("other_names"), r.get("family_name")) if p) or "(no name)"
    console.print(f"[bold]{esc(name)}[/]  ({esc(r['source'])} {esc(r['record_id'])})")
    _section("Record", [
        ("aliases", ", ".join(r.get("aliases") or [])), ("date of birth", r.get("date_of_birth")), ("sex", r.get("sex")),
        ("address", ", ".join(str(p) for p in (r.get("address"), r.get("town"), r.get("postcode")) if p)),
        ("phones", ", ".join(r.get("phone") or [])), ("PNC", r.get("pnc_id")), ("NHS number", r.get("nhs_number")),
        ("UPN", r.get("upn")), ("other ids", ", ".join(r.get("other_ids") or [])),
        ("not valid as given", ", ".join(f"{k}: {v}" for k, v in (r.get("invalid") or {}).items()) if isinstance(r.get("invalid"), dict) else r.get("invalid")),
    ])
    _section("Where it came from", [("bundle", r.get("bundle_id")), ("file", r.get("file")), ("line", r.get("line"))])
    _section("Safeguarding", [
        ("nominal", context.get("nominal_id") or "not resolved into a nominal yet"), ("risk band", (context.get("band") or "").replace("_", " ")),
        ("reasons", "; ".join(context.get("reasons") or [])),
        ("NRM", "; ".join(f"{n['nrm_id']} referred {n['referred_at']}" for n in context.get("nrm") or [])),
    ])
    if groups:
        console.rule("Groups", align="left")
    for g in groups:
        console.print(f"  [bold]{esc(g['ocg_id'])}[/]: {esc(g['role'])}{' (key player)' if g.get('key_player') else ''} - {esc(g['reasons'])}")


def _section(title: str, pairs: list[tuple[str, object]]) -> None:
    """A heading and ``label: value`` lines; empty values are left out."""
    console.rule(esc(title), align="left")
    for label, value in pairs:
        if value not in (None, "", [], {}):
            console.print(f"  [bold]{esc(label)}[/]: {esc(value)}")


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
