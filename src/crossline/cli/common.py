"""What the command modules share: the consoles, the workspace option, and opening a workspace as the local administrator."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from crossline.access.actor import Actor, local_admin
from crossline.workspace import DEFAULT_WORKSPACE, Workspace, open_workspace

# Emoji codes off: a value such as ":police_car:" is printed as it is. Markup stays on for Crossline's own words;
# every value that came from data goes through esc() or plain(), or into a DataTable.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)

# C0 controls but tab and newline, DEL, and C1 controls: an ESC in a value could recolour, retitle or clear the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="CROSSLINE_WORKSPACE", help="Workspace folder.", show_default=True),
]
DEFAULT = Path(DEFAULT_WORKSPACE)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def local(workspace: Path) -> Iterator[tuple[Workspace, Actor]]:
    """The workspace opened as its local administrator, closed when the command is done."""
    ws = open_workspace(workspace)
    try:
        yield ws, local_admin()
    finally:
        ws.close()


def call(workspace: Path, fn: Callable[Concatenate[Workspace, Actor, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """One service call as the local administrator: open the workspace, call, close."""
    with local(workspace) as (ws, actor):
        return fn(ws, actor, *args, **kwargs)


def clean(value: object) -> str:
    """A value as printable text: control characters shown as ``\\xNN`` instead of reaching the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def esc(value: object) -> str:
    """A value from data for a markup string: ``[/bold]`` in a bundle label is printed, not obeyed."""
    return escape(clean(value))


def plain(value: object) -> Text:
    """A value from data as a Text, which Rich never reads as markup."""
    return Text(clean(value))


class DataTable(Table):
    """A table whose title and string cells are data, printed as they are; styled cells are passed as Text."""

    def __init__(self, *headers: str, title: str | None = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=plain(title) if title is not None else None, **kwargs)

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        super().add_row(*(plain(r) if isinstance(r, str) else r for r in renderables), **kwargs)


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))
