"""Workspace settings, declared once: name, default and help feed ``crossline.toml``, the docs and the tests."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from crossline.errors import WorkspaceError


def setting(default: Any, help: str) -> Any:
    """A setting: its default and the help that crossline.toml and docs/settings.md show."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "",
        "Where the system of record lives. Blank: crossline.db (SQLite) in the workspace. "
        "A PostgreSQL URL such as postgresql://postgres@127.0.0.1:5432/crossline moves it there.",
    )
    duckdb_memory_limit: str = setting("1GB", "Memory DuckDB may use before spilling to disk (e.g. 1GB, 4GB).")
    threads: int = setting(0, "Worker threads for DuckDB; 0 means one per core.")
    import_batch_rows: int = setting(
        500_000, "Rows per batch when reading Parquet and JSON-lines feeds (CSV is read in 48 MB blocks); bounds import memory."
    )

    # [section] tables of crossline.toml, each owned and validated by one build stage (see ``section``).
    sections: dict[str, dict[str, Any]] = field(default_factory=dict, metadata={"help": ""}, compare=False)

    @classmethod
    def load(cls, path: Path) -> "Settings":
        """Read crossline.toml; unknown or ill-typed keys are errors that name the key."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise WorkspaceError(f"{path}: cannot read settings ({exc}); fix or remove the file") from exc
        sections = {k: v for k, v in data.items() if isinstance(v, dict)}
        data = {k: v for k, v in data.items() if not isinstance(v, dict)}
        known = {f.name: f for f in fields(cls) if f.name != "sections"}
        problems = [f"unknown setting {k!r}" for k in data if k not in known]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in known:
                expected = type(getattr(cls(), key))
                if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
                    problems.append(f"{key} should be {expected.__name__}, not {value!r}")
                values[key] = value
        if problems:
            raise WorkspaceError(f"{path}: " + "; ".join(problems) + ". Settings are listed in docs/settings.md.")
        return cls(**values, sections=sections)


T = TypeVar("T")
SECTIONS: dict[str, type] = {}  # section name -> its dataclass, for docs and validation


def register_section(name: str) -> Callable[[type[T]], type[T]]:
    """Declare a ``[name]`` table of crossline.toml as a dataclass whose fields use ``_setting``."""

    def wrap(cls: type[T]) -> type[T]:
        SECTIONS[name] = cls
        return cls

    return wrap


def section(settings: Settings, name: str, cls: type[T]) -> T:
    """The ``[name]`` table as ``cls``: defaults for what is absent, an error naming any unknown or ill-typed key."""
    data = settings.sections.get(name, {})
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    problems = [f"unknown setting [{name}] {k!r}" for k in data if k not in known]
    for key, value in data.items():
        if key in known:
            default = known[key].default
            if default is not MISSING and default is not None and not isinstance(value, type(default)):
                if not (isinstance(default, float) and isinstance(value, int)):
                    problems.append(f"[{name}] {key} should be {type(default).__name__}, not {value!r}")
    if problems:
        raise WorkspaceError("crossline.toml: " + "; ".join(problems) + ". Settings are listed in docs/settings.md.")
    return cls(**data)


def render_toml(overrides: dict[str, Any] | None = None) -> str:
    """A commented crossline.toml with every setting at its default (or the override)."""
    overrides = overrides or {}
    out = ["# Crossline workspace settings. Every setting is described in docs/settings.md.", ""]
    for f in fields(Settings):
        if f.name == "sections":
            continue
        value = overrides.get(f.name, f.default)
        out.append(f"# {f.metadata['help']}")
        out.append(f"{f.name} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)
