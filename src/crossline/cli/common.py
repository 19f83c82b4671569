"""What the command modules share: the consoles, the workspace option, and opening a workspace as the local administrator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer
from rich.console import Console

from crossline.access.actor import Actor, local_admin
from crossline.workspace import DEFAULT_WORKSPACE, Workspace, open_workspace

console = Console()
err = Console(stderr=True)

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


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))
