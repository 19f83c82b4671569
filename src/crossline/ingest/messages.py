"""Library errors turned into messages that name files and positions, never a file's content.

A parser's error often quotes the offending row; printed to a terminal or kept
in a log, that would copy a partner's (or, through a bad link, any) file's
content into places it was never meant to go.
"""

from __future__ import annotations

import re

_AFTER_COUNT = re.compile(r"(got \d+)\s*:.*$", re.DOTALL)  # Arrow: "Expected 3 columns, got 4: <the row>"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


def describe(exc: BaseException, limit: int = 160) -> str:
    """The kind of problem and where, with quoted text and echoed rows left out."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    first = _AFTER_COUNT.sub(r"\1", first)
    first = _QUOTED.sub("…", first)
    first = first[:limit].rstrip()
    return first or type(exc).__name__


def column_names(header: list[str], shown: int = 40) -> str:
    """The header's names as a list for a message; a first line that is not a header is not echoed."""
    names = [h for h in header if h]
    plain = [h for h in names if re.fullmatch(r"[\w .()/#&+-]{1,64}", h)]
    if len(plain) < len(names):
        return f"{len(names)} values that do not all look like column names (is the first line a header?)"
    listed = ", ".join(plain[:shown])
    return listed + (f" and {len(plain) - shown} more" if len(plain) > shown else "")
