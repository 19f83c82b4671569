"""Commands for alerts of every kind: list them, acknowledge one. ``line-alerts`` and ``risk alerts`` are the same list, narrowed to a kind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, DataTable, WorkspaceOpt, call, console, esc

app = typer.Typer()


def show(workspace: Path, kind: str | None, all_: bool, ack: int | None) -> None:
    """List (or acknowledge one of) the alerts of ``kind``; the one body behind every alerts command."""
    from crossline.service.alerts import acknowledge, list_alerts

    if ack is not None:
        done = call(workspace, acknowledge, ack, kind)
        console.print(f"Alert {esc(ack)} acknowledged ({esc(done['kind'].replace('_', ' '))}: {esc(done['message'])}).")
        return
    rows = call(workspace, list_alerts, kind, None if all_ else "open")
    if not rows:
        console.print("No alerts." if all_ else "No open alerts.")
        return
    table = DataTable(title=f"{len(rows)} alert(s)")
    for col in ("alert", "kind", "raised", "status", "for", "what"):
        table.add_column(col, overflow="fold", no_wrap=col == "alert")
    for r in rows:
        table.add_row(str(r["alert_id"]), r["kind"].replace("_", " "), r["raised_at"][:16], r["status"],
                      ", ".join(r["agencies"]) or "analysts", r["message"])
    console.print(table)
    console.print("Acknowledge one with [bold]--ack ALERT[/].")


@app.command("alerts")
def alerts(
    kind: Annotated[str | None, typer.Option(help="Only this kind: ddtro_successor or safeguarding_risk.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include acknowledged alerts.")] = False,
    ack: Annotated[int | None, typer.Option("--ack", help="Acknowledge this alert.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Alerts raised by builds: successor numbers after a DDTRO, young people newly at high risk."""
    show(workspace, kind, all_, ack)
