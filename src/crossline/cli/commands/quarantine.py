"""``crossline quarantine``: what imports rejected or warned about, read where it is stored (no export needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console
from crossline.cli.output import Col, FormatOpt, check_format, emit

app = typer.Typer()


@app.command("quarantine")
def quarantine(
    bundle: Annotated[str | None, typer.Option(help="Only this bundle (its name or id, as `crossline status` shows).")] = None,
    file: Annotated[str | None, typer.Option(help="Only files whose path contains this.")] = None,
    severity: Annotated[str | None, typer.Option(help="error (rejected rows) or warning (rows kept with a problem noted).")] = None,
    limit: Annotated[int, typer.Option(help="How many rows to show, in import order.")] = 200,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Rows imports rejected or warned about: file, line, column, value and why (an audited read; police and national analysts)."""
    from crossline.service.quarantine import list_quarantine

    check_format(format_)
    rows = call(workspace, list_quarantine, bundle, file, severity, limit)
    emit(rows, [Col("file", "file", keep=6), Col("line", "line", whole=True, right=True), Col("column", "column", keep=5),
                Col("value", "value", keep=4), Col("reason", "reason", keep=7), Col("severity", "severity", keep=3)],
         format_, title=f"{len(rows)} quarantined row(s)" + (" (the first; --limit shows more)" if len(rows) == limit else ""),
         empty="Nothing in quarantine" + (" matches." if bundle or file or severity else "."))
    if format_ == "table" and rows:
        console.print("The whole quarantine is also exported as quarantine.csv by [bold]crossline export[/].")
