"""Commands for deal lines and DDTRO casework: thin, each calls crossline.service.lines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, DataTable, WorkspaceOpt, call, console, esc, plain
from crossline.cli.output import Col, FormatOpt, check_format, emit

app = typer.Typer()
case_app = typer.Typer(help="DDTRO applications: draft, move on (applied, granted, refused, disconnected), list.",
                       no_args_is_help=True)
app.add_typer(case_app, name="ddtro-case")


@app.command("lines")
def lines_(
    status: Annotated[str | None, typer.Option(help="Only lines with this status: active, dormant or disrupted.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """List the deal lines in the current picture, strongest first."""
    from crossline.service.lines import list_lines

    check_format(format_)
    lines = call(workspace, list_lines, status)
    if format_ != "table":
        emit(lines.to_dicts(), [], format_)
        return
    rows = [{**r, "confidence": f"{r['confidence']:.2f}", "msgs": f"{r['daily_messages']:.0f}", "last_seen": (r["last_seen"] or "")[:10],
             "route": f"{r['controller_area'] or '?'} -> {r['market_areas'] or '?'}"} for r in lines.iter_rows(named=True)]
    emit(rows, [
        Col("line_id", "line", whole=True), Col("status", "status", keep=8), Col("confidence", "conf", keep=9, right=True),
        Col("current_number", "current number", whole=True), Col("numbers", "numbers", keep=6, right=True),
        Col("route", "from -> into", keep=4), Col("reach", "reach", keep=2), Col("customers", "customers", keep=5, right=True),
        Col("confirmed_customers", "confirmed", keep=3, right=True), Col("msgs", "msgs/day", keep=3, right=True),
        Col("last_seen", "last seen", keep=7),
    ], format_, title=f"{lines.height} deal line(s)")
    if lines.height:
        console.print("Next: [bold]crossline line LINE_ID[/] for the evidence (a unique start of the id, or any of its numbers, will do), "
                      "[bold]crossline ddtro LINE_ID[/] for the pack.")


@app.command("line")
def line(
    line_id: Annotated[str, typer.Argument(help="A line id from `crossline lines`, a unique start of one, or any of the line's phone numbers.")],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Show one line: its numbers and handsets, successions, the evidence for its score, runners, casework."""
    from crossline.service.lines import line_detail

    d = call(workspace, line_detail, line_id)
    ln = d.line
    console.print(f"[bold]{esc(ln['line_id'])}[/] {esc(ln['status'])}, confidence {ln['confidence']:.2f} ({esc(ln['method'])}); "
                  f"{esc(ln['controller_area'])} -> {esc(ln['market_areas'])} ({esc(ln['reach'])}); {esc(ln['customers'])} potential, "
                  f"{esc(ln['confirmed_customers'])} confirmed customers; seen {esc(ln['first_seen'])} to {esc(ln['last_seen'])}")
    emit([{**r, "imeis": (r["imeis"] or "").replace(";", " "), "score": f"{r['score']:.2f}", "from": (r["active_from"] or "")[:10],
            "to": (r["active_to"] or "")[:10]} for r in d.numbers.sort("active_from", "number").iter_rows(named=True)],
         [Col("number", "number", whole=True), Col("from", "active from", keep=7), Col("to", "active to", keep=6),
          Col("imeis", "IMEIs", keep=5, ids=True), Col("found_by", "found by", keep=3), Col("score", "score", keep=4, right=True)],
         "table", title="Numbers")
    if d.successions.height:
        emit([{**r, "kept": f"{r['shared']}/{r['old_customers']}", "same": "yes" if r["same_imei"] else "no",
               "at": (r["detected_at"] or "")[:10]} for r in d.successions.iter_rows(named=True)],
             [Col("old_number", "old", whole=True), Col("new_number", "new", whole=True), Col("at", "detected", keep=6),
              Col("kept", "customers kept", keep=5), Col("same", "same handset", keep=4)], "table", title="Successions")
    t = DataTable(title=f"Evidence for {ln['current_number']}")
    for col in ("feature", "value", "weight", "adds"):
        t.add_column(col, justify="left" if col == "feature" else "right")
    for r in d.evidence.filter(d.evidence["number"] == ln["current_number"]).iter_rows(named=True):
        t.add_row(r["feature"], "-" if r["value"] is None else f"{r['value']:.2f}", f"{r['weight']:.1f}",
                  "-" if r["contribution"] is None else f"{r['contribution']:.2f}")
    console.print(t)
    console.print(f"Runners: {esc(', '.join(d.runners['number'].to_list()) or 'none identified')}")
    for a in d.applications:
        console.print(f"Application {esc(a['application_id'])}: {esc(a['status'])}")
    if d.nominals is None:
        console.print(plain(d.nominals_note))
    elif d.nominals.height:
        console.print(f"Linked records: {esc(d.nominals.height)} (in the pack)")


@app.command("ddtro")
def ddtro(
    line_id: Annotated[str, typer.Argument(help="A line id from `crossline lines`.")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the pack; default: the workspace's packs/.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Write the DDTRO evidence pack for a line (HTML and PDF)."""
    from crossline.service.lines import write_evidence_pack

    pack = call(workspace, write_evidence_pack, line_id, out)
    console.print(f"Evidence pack written:\n  {esc(pack.html)}\n  {esc(pack.pdf)}")
    console.print(f"Next: [bold]crossline ddtro-case draft {esc(line_id)}[/] to start an application.")


@case_app.command("draft")
def case_draft(
    line_id: Annotated[str, typer.Argument(help="The line the order is for.")],
    note: Annotated[str, typer.Option(help="Why, or anything the next person should know.")] = "",
    number: Annotated[list[str] | None, typer.Option("--number", help="Name only these numbers (repeatable); default: all of the line's.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Draft an application naming the line's numbers and handsets (IMEIs)."""
    from crossline.service.lines import draft_application

    app_ = call(workspace, draft_application, line_id, note, number or None)
    console.print(f"Drafted [bold]{esc(app_['application_id'])}[/]: {len(app_['numbers'])} number(s), {len(app_['imeis'])} handset(s).")
    console.print(f"Next: [bold]crossline ddtro-case set {esc(app_['application_id'])} applied[/]")


@case_app.command("set")
def case_set(
    application_id: Annotated[str, typer.Argument(help="The application, e.g. DDTRO-DL-0123456789-1.")],
    status: Annotated[str, typer.Argument(help="applied, granted, refused or disconnected.")],
    note: Annotated[str, typer.Option(help="The court, the reference, the CSP's confirmation...")] = "",
    granted_on: Annotated[str | None, typer.Option("--granted-on", help="With granted: the day the court granted the order (YYYY-MM-DD), "
                                                   "if not today; successor numbers are looked for from then.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Move an application on: drafted -> applied -> granted | refused; granted -> disconnected."""
    from crossline.service.lines import set_application_status

    r = call(workspace, set_application_status, application_id, status, note, granted_on)
    console.print(f"{esc(r['application_id'])}: {esc(r['previous'])} -> [bold]{esc(r['status'])}[/] at {esc(r['at'])}")


@case_app.command("list")
def case_list(
    line_id: Annotated[str | None, typer.Option("--line", help="Only this line's applications.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """List applications with their status history."""
    from crossline.service.lines import list_applications

    check_format(format_)
    apps = call(workspace, list_applications, line_id)
    if format_ != "table":
        emit(apps, [], format_)
        return
    if not apps:
        console.print("No applications.")
    for a in apps:
        console.print(f"[bold]{esc(a['application_id'])}[/] ({esc(a['line_id'])}): {esc(a['status'])}; numbers {esc(', '.join(a['numbers']))}; "
                      f"IMEIs {esc(', '.join(a['imeis']) or '-')}")
        for h in a["history"]:
            console.print(f"    {esc(h['at'])}  {esc(h['status']):<12} {esc(h['user'])}  {esc(h['note'])}")


@app.command("line-review")
def line_review(
    line_id: Annotated[str, typer.Argument(help="The line reviewed.")],
    decision: Annotated[str, typer.Argument(help="confirmed or rejected.")],
    reason: Annotated[str, typer.Option(help="Why: kept with the line's evidence.")] = "",
    number: Annotated[str | None, typer.Option(help="Review only this number of the line.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Confirm or reject a detected line; the next build honours it (and the supervised model learns from it)."""
    from crossline.service.lines import review_line

    n = call(workspace, review_line, line_id, decision, reason, number)
    console.print(f"Recorded: {esc(line_id)} {esc(decision)} ({esc(n)} number(s)). It takes effect at the next `crossline build`.")


@app.command("line-alerts")
def line_alerts(
    all_: Annotated[bool, typer.Option("--all", help="Include acknowledged alerts.")] = False,
    ack: Annotated[int | None, typer.Option("--ack", help="Acknowledge this alert (a successor alert only).")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Successor numbers on lines under a granted DDTRO, raised by builds (`crossline alerts --kind ddtro_successor`)."""
    from crossline.cli.commands.alerts import show

    show(workspace, "ddtro_successor", all_, ack, format_)
