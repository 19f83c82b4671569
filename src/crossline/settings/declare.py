"""How a setting is declared: its default and its help, in one place that crossline.toml, the docs and the checks read.

Sections are pydantic models in strict mode: a bool is not a number, a number
is not text, an unknown key is an error, and an enumeration is a ``Literal``
whose choices the error message lists.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def setting(default: Any, help: str) -> Any:
    """A setting: its default and the help that crossline.toml and docs/settings.md show."""
    return Field(default=default, description=help)


class Section(BaseModel):
    """A table of crossline.toml (or its top level): strict types, no unknown keys, frozen once loaded."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, validate_default=False)
