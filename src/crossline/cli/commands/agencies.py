"""``crossline agency``: the agencies, their types, and who may send records for whom (administrators)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console
from crossline.cli.output import Col, FormatOpt, check_format, emit
from crossline.contract.enums import AGENCY_TYPE_NAMES

app = typer.Typer()
agency_app = typer.Typer(help="Agencies and who may send records for whom (administrators only; every change is audited).", no_args_is_help=True)
app.add_typer(agency_app, name="agency")


@agency_app.command("list")
def list_(format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """Every agency, its type, and the agencies it may send records for."""
    from dataclasses import asdict

    from crossline.service.agencies import list_agencies

    check_format(format_)
    rows = [asdict(a) for a in call(workspace, list_agencies)]
    shown = [{**r, "sends_for": ", ".join(r["sends_for"]) or "-",
              "type": AGENCY_TYPE_NAMES.get(r["type"], r["type"])}  # read by people; --format csv|json keeps the contract's code
             for r in rows]
    emit(rows if format_ != "table" else shown,
         [Col("agency_id", "agency", whole=True), Col("name", "name", keep=5), Col("type", "type", keep=8),
          Col("sends_for", "sends for", keep=4, ids=True)], format_, title=f"{len(rows)} agenc{'y' if len(rows) == 1 else 'ies'}")


TYPE_HELP = "The agency's type: " + ", ".join(f"{code} ({name})" for code, name in AGENCY_TYPE_NAMES.items()) + "."


@agency_app.command("add")
def add(
    agency: Annotated[str, typer.Argument(help="The agency id (lower-case letters, digits and hyphens).")],
    agency_type: Annotated[str, typer.Option("--type", help=TYPE_HELP)],
    name: Annotated[str, typer.Option(help="The agency's name as people know it.")] = "",
    force_area: Annotated[str | None, typer.Option(help="The police force area it works in.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Add an agency (a tenant of the service) with its type, which decides what its users may know."""
    from crossline.service.agencies import add_agency

    info = call(workspace, add_agency, agency, name, agency_type, force_area)
    console.print(f"Agency {escape(info.agency_id)} added: {escape(info.name)}, {escape(info.type_name)}.")


@agency_app.command("allow-sender")
def allow_sender(
    sender: Annotated[str, typer.Argument(help="The agency whose bundles may carry others' records (a data hub, a CSP).")],
    for_agency: Annotated[list[str] | None, typer.Option("--for", help="An agency it may send records for (repeatable).")] = None,
    for_bundle: Annotated[
        Path | None, typer.Option("--for-bundle", help="Every agency this bundle's manifest declares (read, not imported).")
    ] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Let SENDER's bundles write records of the --for agencies (or of every agency a bundle you trust declares)."""
    from crossline.service.agencies import allow_sender as run
    from crossline.service.agencies import allow_sender_for_bundle

    new = call(workspace, run, sender, for_agency or []) if for_agency or for_bundle is None else []
    if for_bundle is not None:
        new += call(workspace, allow_sender_for_bundle, sender, for_bundle)
    console.print(f"{escape(sender)} may now send for: {escape(', '.join(new))}." if new else f"{escape(sender)} already could.")


@agency_app.command("revoke-sender")
def revoke_sender(
    sender: Annotated[str, typer.Argument(help="The sending agency.")],
    for_agency: Annotated[str, typer.Option("--for", help="The agency it may no longer send for.")],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Stop SENDER's bundles writing records of the --for agency (records already imported stay)."""
    from crossline.service.agencies import revoke_sender as run

    call(workspace, run, sender, for_agency)
    console.print(f"{escape(sender)} may no longer send for {escape(for_agency)}.")


@agency_app.command("set-type")
def set_type(
    agency: Annotated[str, typer.Argument(help="The agency id.")],
    agency_type: Annotated[str, typer.Argument(help=", ".join(AGENCY_TYPE_NAMES) + ".")],
    name: Annotated[str | None, typer.Option(help="A new name for the agency too.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Change an agency's type (and name): bundles cannot, whatever their manifest says."""
    from crossline.service.agencies import set_type as run

    info = call(workspace, run, agency, agency_type, name)
    console.print(f"{escape(info.agency_id)} is now {info.type} ({escape(info.name)}).")
