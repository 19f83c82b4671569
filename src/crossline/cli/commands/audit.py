"""Commands for the audit log: verify it (against anchors kept elsewhere), anchor it, and the PostgreSQL application role."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, err, local
from crossline.cli.output import Col, FormatOpt, check_format, emit
from crossline.errors import IntegrityError

app = typer.Typer()
audit_app = typer.Typer(help="The authenticated, hash-chained audit log: read it, verify it, anchor it.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    workspace: WorkspaceOpt = DEFAULT,
    anchor: Annotated[Path | None, typer.Option("--anchor", help="A file of anchors (`audit anchor --out`); the log must still extend each.")] = None,
) -> None:
    """Recompute the audit log's chain and authentication codes; exit 7 if any entry was edited, cut or forged. Writes nothing."""
    from crossline.service.audit import verify

    result = call(workspace, verify, anchor)
    if result.ok:
        console.print(f"[green]Audit log intact[/]: {result.entries:,} entries, head {result.head[:16]}")
        for note in result.notes:
            console.print(f"  ({escape(note)})")
        return
    err.print(f"[red]Audit log BROKEN[/]: {len(result.problems)} problem(s) in {result.entries:,} entries")
    for p in result.problems:
        err.print(f"  - {escape(p)}")
    raise typer.Exit(IntegrityError.exit_code)


@audit_app.command("log")
def audit_log(
    user: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. read_person, export, make_referral.")] = None,
    subject: Annotated[str | None, typer.Option(help="Only subjects containing this (a record, a nominal, a line...).")] = None,
    since: Annotated[str | None, typer.Option(help="From this day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="To this day, YYYY-MM-DD (inclusive).")] = None,
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Who did what, to what, when: the audit log's entries, newest first (administrators and auditors).

    The read is audited; in a read-only workspace it cannot be, and a line says so.
    """
    from crossline.service.audit import log

    check_format(format_)
    read = call(workspace, log, user, action, subject, since, until, limit)
    rows = read.rows
    shown = rows if format_ != "table" else [
        {**r, "at": r["at"][:19].replace("T", " "), "who": f"{r['user']} ({r['agency']})",
         "details": ", ".join(f"{k} {v}" for k, v in r["details"].items() if v not in (None, "", [], {}))} for r in rows]
    emit(shown, [Col("seq", "entry", whole=True, right=True), Col("at", "at (UTC)", keep=8), Col("who", "who", keep=7),
                 Col("action", "action", whole=True), Col("subject", "subject", whole=True), Col("details", "details", keep=2)],
         format_, title=f"{len(rows)} audit entr{'y' if len(rows) == 1 else 'ies'}, newest first", empty="No audit entries match.")
    for note in read.notes:  # on stderr, so csv and json stay whole for a program
        err.print(f"Note: {escape(note)}.")


@audit_app.command("anchor")
def audit_anchor(
    workspace: WorkspaceOpt = DEFAULT,
    out: Annotated[Path | None, typer.Option("--out", help="Append the anchor to this file (outside the workspace); printed either way.")] = None,
) -> None:
    """Sign the log's head for a logbook or a file the workspace's users cannot change; `audit verify --anchor` checks it later."""
    from crossline.service.audit import anchor

    taken = call(workspace, anchor, out)
    print(taken.line())
    if out is not None:
        err.print(f"Anchor for entry {taken.seq} appended to {escape(str(out))}")


@audit_app.command("app-role")
def audit_app_role(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the application will connect as.")] = "crossline_app",
    apply: Annotated[bool, typer.Option("--apply", help="Run the statements now (connected as the database owner).")] = False,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Print (or apply) the grants for a PostgreSQL application role that cannot truncate the audit log or disable its triggers."""
    from sqlalchemy import inspect

    from crossline.store.db import app_role_sql, apply_app_role

    with local(workspace) as (ws, _actor):
        if apply:
            statements = apply_app_role(ws.engine, role)
        else:
            statements = app_role_sql(role, inspect(ws.engine).get_table_names())
    for sql in statements:
        print(sql + ";")
    if apply:
        err.print(f"Applied. Set a password or certificate for {escape(role)}, then point database_url at it (docs/audit.md).")
