"""The purpose a user stated for a read, carried to every audit entry the read makes.

DPA 2018 Part 3 asks why personal data was processed, not only by whom. The API
asks callers for a purpose on reads of a person and sets it here for the
length of the request; ``audit.record`` adds it (and the channel) to the entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_stated: ContextVar[dict[str, str] | None] = ContextVar("crossline_purpose", default=None)


@contextmanager
def stated(purpose: str | None, channel: str) -> Iterator[None]:
    token = _stated.set({"channel": channel, **({"purpose": purpose} if purpose else {})})
    try:
        yield
    finally:
        _stated.reset(token)


def current() -> dict[str, str]:
    return dict(_stated.get() or {})
