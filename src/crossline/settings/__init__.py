"""Workspace settings, declared once and validated once, when crossline.toml loads.

Each table of crossline.toml is a section model in its own module
(``settings/resolve.py``, ``settings/lines.py``, ...); :class:`Settings` is the
whole file. :func:`load` reports every problem at once, each with the file and
the key, before any work starts: a bool where a number belongs, a value
outside an enumeration, an unknown key, a misspelt table. The same
declarations write the commented crossline.toml (:func:`render_toml`) and
docs/settings.md (``crossline.docgen``).
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError, field_validator

from crossline.errors import ConfigurationError
from crossline.settings.declare import Section, setting
from crossline.settings.evaluate import EvaluateSettings
from crossline.settings.imports import ImportsSettings
from crossline.settings.lines import LinesSettings
from crossline.settings.network import NetworkSettings
from crossline.settings.resolve import ResolveSettings
from crossline.settings.risk import RiskSettings
from crossline.settings.service import ServiceSettings

__all__ = ["SECTIONS", "Settings", "load", "parse", "render_toml", "setting", "url_has_password"]


class Settings(Section):
    """crossline.toml: a few top-level settings, then one table per section."""

    database_url: str = setting(
        "",
        "Where the system of record lives. Blank: crossline.db (SQLite) in the workspace. "
        "A PostgreSQL URL such as postgresql://crossline_app@127.0.0.1:5432/crossline moves it there. "
        "Never a password: give it in $CROSSLINE_DATABASE_PASSWORD or in database_password_file.",
    )
    database_password_file: str = setting(
        "",
        "A file holding the database password on its first line, readable by its owner only (mode 600); "
        "a relative path is read from the workspace folder. Blank: $CROSSLINE_DATABASE_PASSWORD, or no password.",
    )
    audit_key_file: str = setting(
        "",
        "The audit key file (32 random bytes, owner-only). Blank: audit.key in the workspace. Keep it off the database host "
        "so that someone who can write the database cannot also forge the audit log; $CROSSLINE_AUDIT_KEY_FILE overrides it.",
    )
    duckdb_memory_limit: str = setting("1GB", "Memory DuckDB may use before spilling to disk (e.g. 1GB, 4GB).")
    threads: int = setting(0, "Worker threads for DuckDB; 0 means one per core.")
    import_batch_rows: int = setting(
        500_000, "Rows per batch when reading Parquet and JSON-lines feeds (CSV is read in 48 MB blocks); bounds import memory."
    )

    imports: ImportsSettings = setting(ImportsSettings(), "Imports: the agency a bundle is from by default, and the limits a .zip bundle must keep.")
    resolve: ResolveSettings = setting(ResolveSettings(), "Resolving person records into nominals (Splink).")
    lines: LinesSettings = setting(LinesSettings(), "Deal lines: thresholds, feature weights and the engine.")
    risk: RiskSettings = setting(RiskSettings(), "Exploitation risk, alerts, groups and the what-works evaluation.")
    service: ServiceSettings = setting(ServiceSettings(), "The multi-agency service: address, sessions, uploads, anonymous reports.")
    evaluate: EvaluateSettings = setting(EvaluateSettings(), "What programmes cost, for the cost per harm event avoided in the what-works evaluation.")
    network: NetworkSettings = setting(NetworkSettings(), "Organised crime groups, roles, key players, cross-border flows and harm priorities.")

    @field_validator("database_url")
    @classmethod
    def _no_password(cls, url: str) -> str:
        if url_has_password(url):
            raise ValueError(
                "holds a password, and crossline.toml is not the place for one: remove it from the URL and give it in "
                "$CROSSLINE_DATABASE_PASSWORD or in a file named by database_password_file (mode 600)"
            )
        return url


def url_has_password(url: str) -> bool:
    """Whether a database URL carries a password, in its user part or as a ``password=`` query parameter."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if ":" in userinfo:
        return True
    return any(key.lower() == "password" for key, _ in parse_qsl(parts.query, keep_blank_values=True))


def _section_names() -> dict[str, type[Section]]:
    out: dict[str, type[Section]] = {}
    for name, info in Settings.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, Section):
            out[name] = kind
    return out


SECTIONS: dict[str, type[Section]] = _section_names()  # table name -> its model, for docs and checks
TOP_LEVEL: tuple[str, ...] = tuple(n for n in Settings.model_fields if n not in SECTIONS)


def parse(data: dict[str, Any], origin: str = "crossline.toml") -> Settings:
    """Settings from a parsed TOML mapping; every problem reported at once, each naming the table and key."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, data) for err in exc.errors()]
    raise ConfigurationError(
        f"{origin} has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems),
        next_step="settings_docs",
    )


def load(path: Path) -> Settings:
    """Read crossline.toml; a file that cannot be read or parsed is one message naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read settings ({exc}); fix or remove the file") from exc
    return parse(data, str(path))


def _describe(err: Any, data: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    where = (f"[{loc[0]}] " + ".".join(loc[1:])) if loc and loc[0] in SECTIONS and len(loc) > 1 else ".".join(loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        if len(loc) == 1:
            close = difflib.get_close_matches(loc[0], [*SECTIONS, *TOP_LEVEL], n=1)
            what = "table" if isinstance(value, dict) else "setting"
            return f"{'[' + loc[0] + ']' if what == 'table' else loc[0]}: unknown {what}" + (
                f" (did you mean {'[' + close[0] + ']' if close[0] in SECTIONS else close[0]}?)" if close else "")
        model = SECTIONS.get(loc[0])
        close = difflib.get_close_matches(loc[-1], list(model.model_fields) if model else [], n=1)
        return f"{where}: unknown setting" + (f" (did you mean {close[0]}?)" if close else "")
    if kind == "literal_error":
        return f"{where}: should be one of {err['ctx']['expected']}, not {value!r}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{where}: should be a whole number, not {_toml(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"{where}: should be a number, not {_toml(value)}"
    if kind == "bool_type":
        return f"{where}: should be true or false, not {_toml(value)}"
    if kind == "string_type":
        return f"{where}: should be text in quotes, not {_toml(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{where}: should be a table [{loc[-1]}], not {_toml(value)}"
    if kind == "value_error":
        return f"{where or 'crossline.toml'}: {str(err['msg']).removeprefix('Value error, ')}"
    return f"{where}: {err['msg']}"


def _toml(value: Any) -> str:
    return _toml_value(value) if isinstance(value, (str, bool, int, float)) else repr(value)


def render_toml(overrides: dict[str, Any] | None = None) -> str:
    """A commented crossline.toml with every top-level setting at its default (or the override).

    Sections are left out: each is at its defaults until a table is added
    (docs/settings.md lists every key).
    """
    overrides = overrides or {}
    out = ["# Crossline workspace settings. Every setting is described in docs/settings.md.", ""]
    for name in TOP_LEVEL:
        info = Settings.model_fields[name]
        value = overrides.get(name, info.default)
        out.append(f"# {info.description}")
        out.append(f"{name} = {_toml_value(value)}")
        out.append("")
    out.append("# Tables such as [resolve], [lines] and [risk] tune the build stages; see docs/settings.md.")
    out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)
