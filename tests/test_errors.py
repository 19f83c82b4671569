"""Typed errors: one exit code and one HTTP status per kind, next steps worded by each interface, never by the core."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from crossline import errors
from crossline.cli.hints import HINTS, hint

SRC = Path(__file__).resolve().parents[1] / "src" / "crossline"
CORE = ("service", "casework", "stages", "store", "evaluate", "access", "ingest", "contract", "engine", "settings")
KINDS = [errors.InvalidInput, errors.NotFound, errors.NotAllowed, errors.Conflict, errors.ConfigurationError, errors.IntegrityError]


def test_each_kind_has_its_own_exit_code_and_a_fitting_http_status() -> None:
    assert len({k.exit_code for k in KINDS}) == len(KINDS) and all(k.exit_code not in (0, 1) for k in KINDS)
    assert {k.__name__: k.http_status for k in KINDS} == {
        "InvalidInput": 422, "NotFound": 404, "NotAllowed": 403, "Conflict": 409, "ConfigurationError": 500, "IntegrityError": 500,
    }
    assert issubclass(errors.BundleError, errors.InvalidInput)


def test_every_next_step_has_words_for_the_command_line() -> None:
    assert set(HINTS) == errors.NEXT_STEPS
    assert hint("list_lines").startswith("`crossline lines`") and hint(None) == ""


def _strings(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


@pytest.mark.parametrize("package", CORE)
def test_the_core_never_names_a_command(package: str) -> None:
    """Messages from casework, services and stages are read by the API and the pages too: the CLI words its own hints."""
    command = re.compile(r"`crossline [a-z]|run crossline |crossline (build|import|init|lines|risk|refer|nrm|review|status)\b")
    found = [f"{p.relative_to(SRC)}:{line}: {text[:80]!r}"
             for p in sorted((SRC / package).rglob("*.py")) for line, text in _strings(p)
             if command.search(text) and not _is_docstring_or_comment_about_cli(text)]
    assert not found, found


def _is_docstring_or_comment_about_cli(text: str) -> bool:
    # module and function docstrings may describe which command calls them; a message is one line
    return "\n" in text
