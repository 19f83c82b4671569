"""Generate docs/settings.md and docs/cli.md from the code, so the docs cannot drift.

    python -m crossline.docgen          # rewrite both files

tests/test_docs.py fails when a committed file differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import typer

DOCS = Path(__file__).resolve().parents[2] / "docs"


def settings_md() -> str:
    from crossline.settings import SECTIONS, TOP_LEVEL, Settings

    lines = [
        "# Settings",
        "",
        "Each workspace has a `crossline.toml`; `crossline init` writes it with every",
        "top-level setting at its default and its help as a comment. Each table below",
        "(`[resolve]`, `[lines]`, ...) may be added with any of its keys; the rest keep",
        "their defaults. The file is checked when it loads: a value of the wrong type",
        "(a bool is not a number), a value outside its choices, an unknown key or an",
        "unknown table is an error naming the file and key, and all of them are",
        "reported at once. This page is generated from `src/crossline/settings/` by",
        "`python -m crossline.docgen`.",
        "",
        "| setting | default | what it does |",
        "| --- | --- | --- |",
    ]
    for name in TOP_LEVEL:
        info = Settings.model_fields[name]
        lines.append(f"| `{name}` | `{info.default!r}` | {info.description} |")
    for name, cls in sorted(SECTIONS.items()):
        lines += ["", f"## `[{name}]`", "", "| setting | default | what it does |", "| --- | --- | --- |"]
        for key, info in cls.model_fields.items():
            choices = get_args(info.annotation) if get_origin(info.annotation) is Literal else ()
            also = f" One of: {', '.join(f'`{c}`' for c in choices)}." if choices else ""
            lines.append(f"| `{key}` | `{info.default!r}` | {info.description}{also} |")
    return "\n".join(lines) + "\n"


def _walk(cmd: Any, prefix: str) -> list[tuple[str, Any]]:
    """Every command under ``cmd`` (Typer's click commands, duck-typed: Typer vendors click)."""
    out = [(prefix, cmd)]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += _walk(sub, f"{prefix} {name}")
    return out


def cli_md() -> str:
    from crossline.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# Command line",
        "",
        "Generated from the commands' own help by `python -m crossline.docgen`.",
        "Every command acts as the workspace's local administrator, and takes",
        "`--workspace` (default `./crossline-workspace`, or `$CROSSLINE_WORKSPACE`).",
        "",
    ]
    for name, cmd in _walk(root, "crossline")[1:]:
        if hasattr(cmd, "commands"):
            continue
        lines += [f"## `{name}`", "", (cmd.help or "").strip(), ""]
        rows = []
        for p in cmd.params:
            if p.name == "help":
                continue
            if p.param_type_name == "argument":
                rows.append(f"| `{p.name.upper()}` | argument | {getattr(p, 'help', '') or ''} |")
            else:
                opt = ", ".join(f"`{o}`" for o in p.opts)
                default = "" if p.default in (None, "") else f" (default: `{p.default}`)"
                rows.append(f"| {opt} | option | {(getattr(p, 'help', '') or '')}{default} |")
        if rows:
            lines += ["| name | kind | what |", "| --- | --- | --- |", *rows, ""]
    return "\n".join(lines)


GENERATED = {"settings.md": settings_md, "cli.md": cli_md}


def main() -> None:
    for name, make in GENERATED.items():
        (DOCS / name).write_text(make(), encoding="utf-8")
        print(f"wrote docs/{name}", file=sys.stderr)


if __name__ == "__main__":
    main()
