"""The root command: the command modules, listed once, and the one place errors become messages and exit codes."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from crossline.cli.commands import alerts, demo, lines, network, resolve, safeguarding, workspace
from crossline.cli.common import err
from crossline.cli.hints import hint
from crossline.errors import BundleError, CrosslineError

app = typer.Typer(
    help="Crossline: one shared, cross-border picture of county lines, and the workflows to act on it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (workspace, resolve, lines, network, safeguarding, alerts, demo)
for module in COMMAND_MODULES:
    app.add_typer(module.app)


def main() -> None:
    """Run the command; a Crossline error is one line (with what to do next) and its kind's exit code."""
    try:
        app()
    except BundleError as exc:
        err.print(f"[red]Import failed, nothing was written[/]: {escape(exc.file)}: {escape(exc.problem)}")
        sys.exit(exc.exit_code)
    except CrosslineError as exc:
        then = hint(exc.next_step)
        err.print(f"[red]Error[/]: {escape(exc.message)}" + (f"; {escape(then)}" if then else ""))
        sys.exit(exc.exit_code)
