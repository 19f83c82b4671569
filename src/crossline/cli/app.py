"""The root command: the command modules, listed once, and the one place errors become messages and exit codes."""

from __future__ import annotations

import errno
import shlex
import sys

import typer

from crossline.cli.commands import agencies, alerts, audit, demo, lines, network, quarantine, resolve, safeguarding, service, workspace
from crossline.cli.common import err, esc
from crossline.cli.hints import hint
from crossline.errors import BundleError, CrosslineError, disk_full, os_error_line
from crossline.store import files

app = typer.Typer(
    help="Crossline: one shared, cross-border picture of county lines, and the workflows to act on it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (workspace, quarantine, resolve, lines, network, safeguarding, alerts, agencies, service, demo, audit)
for module in COMMAND_MODULES:
    app.add_typer(module.app)


# What to do about the operating-system errors a user meets most: a path that is a file, missing, or not theirs.
OS_ADVICE: dict[int, str] = {
    errno.EEXIST: "a file is in the way: name a folder, or a path that does not exist yet",
    errno.ENOTDIR: "part of that path is a file, not a folder: name a folder",
    errno.EISDIR: "that is a folder: name a file",
    errno.ENOENT: "check the path: a folder in it does not exist",
    errno.EACCES: "you may not write (or read) there: choose a folder of your own, or ask its owner",
    errno.EPERM: "the system refused: choose a folder of your own, or ask its owner",
    errno.EROFS: "that file system is read-only: choose another folder",
}


def main() -> None:
    """Run the command; a Crossline error is one line (with what to do next) and its kind's exit code.

    A full disk is one line and exit code 8 wherever it surfaces (the OS, SQLite, DuckDB, Polars, PostgreSQL);
    any other operating-system error is one line and exit code 1. Other exceptions are bugs and keep their traceback.
    """
    files.owner_only_umask()  # before anything is written, whatever the shell's umask
    try:
        try:
            app()
        except Exception as exc:
            full = disk_full(exc)  # also under a Crossline error that wrapped it (a migration that could not write)
            if full is not None and full is not exc:
                raise full from exc
            if isinstance(exc, OSError):
                advice = OS_ADVICE.get(exc.errno or 0, "")
                err.print(f"[red]Error[/]: {esc(os_error_line(exc))}" + (f"; {advice}" if advice else ""), soft_wrap=True)
                sys.exit(1)
            raise
    except BundleError as exc:
        err.print(f"[red]Import failed, nothing was written[/]: {esc(exc.file)}: {esc(exc.problem)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except CrosslineError as exc:
        then = hint(exc.next_step)
        where = getattr(exc, "path", None)
        if exc.next_step == "init_workspace" and where is not None:
            then = (f"create it with `crossline init --workspace {shlex.quote(str(where))}`, "
                    "or point --workspace (or $CROSSLINE_WORKSPACE) at an existing one")
        err.print(f"[red]Error[/]: {esc(exc.message)}" + (f"; {esc(then)}" if then else ""), soft_wrap=True)
        sys.exit(exc.exit_code)
