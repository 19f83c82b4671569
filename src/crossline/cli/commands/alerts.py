"""Commands for alerts of every kind: list them, acknowledge one. ``line-alerts`` and ``risk alerts`` are the same list, narrowed to a kind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, esc
from crossline.cli.output import Col, FormatOpt, check_format, emit

app = typer.Typer()
KINDS = {"ddtro_successor": "DDTRO successor", "safeguarding_risk": "at risk"}  # short words, so the kind fits at 80 columns


def show(workspace: Path, kind: str | None, all_: bool, ack: int | None, format_: str = "table") -> None:
    """List (or acknowledge one of) the alerts of ``kind``; the one body behind every alerts command."""
    from crossline.service.alerts import acknowledge, list_alerts

    if ack is not None:
        done = call(workspace, acknowledge, ack, kind)
        console.print(f"Alert {esc(ack)} acknowledged ({esc(done['kind'].replace('_', ' '))}: {esc(done['message'])}).")
        return
    check_format(format_)
    rows = call(workspace, list_alerts, kind, None if all_ else "open")
    if format_ != "table":
        emit(rows, [], format_)
        return
    if not rows:
        console.print("No alerts." if all_ else "No open alerts.")
        return
    shown = [{**r, "message": r["message"].removeprefix(f"{r['subject_id']}: "),
              "kind": KINDS.get(r["kind"], r["kind"].replace("_", " ")), "raised": r["raised_at"][:16].replace("T", " "),
              "for": ", ".join(r["agencies"]) or "analysts"}
             for r in rows]
    emit(shown, [Col("alert_id", "alert", whole=True, right=True), Col("kind", "kind", keep=6), Col("raised", "raised", keep=4),
                 Col("status", "status", keep=3), Col("subject_id", "about", whole=True), Col("who", "who", keep=6), Col("for", "for", keep=2, ids=True),
                 Col("message", "what", keep=8, ids=True)], format_, title=f"{len(rows)} alert(s)")
    console.print("Acknowledge one with [bold]--ack ALERT[/].")


@app.command("alerts")
def alerts(
    kind: Annotated[str | None, typer.Option(help="Only this kind: ddtro_successor or safeguarding_risk.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include acknowledged alerts.")] = False,
    ack: Annotated[int | None, typer.Option("--ack", help="Acknowledge this alert.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Alerts raised by builds: successor numbers after a DDTRO, young people newly at high risk."""
    show(workspace, kind, all_, ack, format_)
