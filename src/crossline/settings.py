"""Workspace settings, declared once: name, default and help feed ``crossline.toml``, the docs and the tests."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from crossline.errors import WorkspaceError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "",
        "Where the system of record lives. Blank: crossline.db (SQLite) in the workspace. "
        "A PostgreSQL URL such as postgresql://postgres@127.0.0.1:5432/crossline moves it there.",
    )
    duckdb_memory_limit: str = _setting("1GB", "Memory DuckDB may use before spilling to disk (e.g. 1GB, 4GB).")
    threads: int = _setting(0, "Worker threads for DuckDB; 0 means one per core.")
    import_batch_rows: int = _setting(
        500_000, "Rows per batch when reading Parquet and JSON-lines feeds (CSV is read in 48 MB blocks); bounds import memory."
    )

    @classmethod
    def load(cls, path: Path) -> "Settings":
        """Read crossline.toml; unknown or ill-typed keys are errors that name the key."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise WorkspaceError(f"{path}: cannot read settings ({exc}); fix or remove the file") from exc
        known = {f.name: f for f in fields(cls)}
        problems = [f"unknown setting {k!r}" for k in data if k not in known]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in known:
                expected = type(getattr(cls(), key))
                if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
                    problems.append(f"{key} should be {expected.__name__}, not {value!r}")
                values[key] = value
        if problems:
            raise WorkspaceError(f"{path}: " + "; ".join(problems) + f". Settings are listed in docs/settings.md.")
        return cls(**values)


def render_toml(overrides: dict[str, Any] | None = None) -> str:
    """A commented crossline.toml with every setting at its default (or the override)."""
    overrides = overrides or {}
    out = ["# Crossline workspace settings. Every setting is described in docs/settings.md.", ""]
    for f in fields(Settings):
        value = overrides.get(f.name, f.default)
        out.append(f"# {f.metadata['help']}")
        out.append(f"{f.name} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)
