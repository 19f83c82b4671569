"""Timestamps as the system of record keeps them: ISO 8601 UTC text to the second (see store/models.py)."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
