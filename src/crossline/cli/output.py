"""Lists as a person or a program reads them: a table that never cuts an id, or CSV, or JSON (``--format``).

A table at 80 columns (or piped, where Rich assumes 80) has no room for
twelve columns: ids and phone numbers are what a user copies into the next
command, so they keep their full width and the other columns are shortened
(folded) or, when even that is not enough, dropped, least useful first, with
a note saying which and how to see them (``--format csv``).
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import polars as pl
import typer
from rich.text import Text

from crossline.cli.common import DataTable, console, err, print_json
from crossline.errors import InvalidInput

FORMATS = ("table", "csv", "json")

FormatOpt = Annotated[str, typer.Option("--format", help="table (for reading), csv or json (for programs: every column, nothing cut).")]

MIN_TEXT = 8  # narrowest a shortened text column gets
MAX_WORD = 20  # a longer "word" (a URL, a path) may still be folded inside


@dataclass(frozen=True)
class Col:
    """One column: ``key`` in the rows, ``header`` shown, ``whole`` for ids and numbers (never cut, never wrapped),
    ``keep`` the order in which columns are dropped when the width runs out (lowest first; ids are never dropped),
    ``cut`` for free text that would otherwise wrap a row onto many lines (reasons, details): kept on one line and
    ended with an ellipsis where the width runs out, so a list stays one line per row (the whole text is in
    ``--format csv|json`` and in the command that shows one item)."""

    key: str
    header: str
    whole: bool = False
    keep: int = 5
    right: bool = False
    ids: bool = False  # a list of ids (split at ";", "," or spaces): wrapped between ids, never inside one
    cut: bool = False  # one line, ellipsis at the width (never for ids: they are ``whole`` or ``ids``)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"--format is table, csv or json, not {fmt!r}")
    return fmt


def as_json(fmt: str, value: Any) -> bool:
    """Print one record as JSON unless its readable sections were asked for; True when it did, so the command stops there."""
    if check_format(fmt) == "table":
        return False
    print_json(value)
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _raw(value: Any) -> str:
    """A value for CSV: every digit kept (a table rounds, a file must not)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(_raw(v) for v in value)
    return str(value)


def _token(value: Any) -> int:
    """The longest id in a list of ids."""
    return max((len(t) for t in re.split(r"[;,\s]+", _text(value)) if t), default=0)


def _word(value: Any) -> int:
    """The longest word in a text: a folded column narrower than it would break the word in two ("safeguar/ding")."""
    return min(MAX_WORD, max((len(t) for t in _text(value).split()), default=0))


def _least(c: Col, rows: Sequence[dict[str, Any]], one_line: bool = False) -> int:
    """The narrowest the column may be: the whole of its longest value (ids), its longest id (lists of ids), its longest
    word (folded text, so a name or a date wraps between words, never inside one), else a few letters (cut text)."""
    longest = max([len(c.header), *(len(_text(r.get(c.key))) for r in rows)])
    if c.whole:
        return longest
    if c.ids:
        return max([*(_token(r.get(c.key)) + 1 for r in rows), min(longest, max(MIN_TEXT, len(c.header)))])  # + its separator
    if c.cut or one_line:
        return min(longest, max(MIN_TEXT, len(c.header)))
    return min(longest, max([MIN_TEXT, len(c.header), *(_word(r.get(c.key)) for r in rows)]))


def _fits(cols: Sequence[Col], rows: Sequence[dict[str, Any]], width: int, one_line: bool) -> bool:
    return 1 + sum(_least(c, rows, one_line) + 3 for c in cols) <= width


def _spaced(c: Col, value: str) -> str:
    """A list of ids with a space after each separator, so the table wraps between ids."""
    return re.sub(r"([;,])(?=\S)", r"\1 ", value) if c.ids else value


def _clip(text: str, width: int) -> str:
    """``text`` on one line of ``width``: cut after a whole word and ended with an ellipsis, so an id or a phone number
    in free text is shown whole or not at all ("gives line DL-8478…" would be a wrong id to copy)."""
    if len(text) <= width:
        return text
    head = text[: max(width - 1, 1)]
    space = len(head) if text[len(head)] == " " else head.rfind(" ")  # a head that ends a word keeps it
    return (head[:space].rstrip(" ;,") if space > 0 else head) + "…"


def _share(room: int, wants: list[int], floors: list[int]) -> list[int]:
    """Widths for columns wanting ``wants`` within ``room``: each gets its floor, then the narrow ones what they want,
    and the rest share what is left."""
    got = [min(f, w) for f, w in zip(floors, wants, strict=True)]
    room -= sum(got)
    left = sorted((i for i in range(len(wants)) if wants[i] > got[i]), key=lambda i: wants[i] - got[i])
    while left and room > 0:
        fair = max(1, room // len(left))
        i = left.pop(0)
        more = min(wants[i] - got[i], fair)
        got[i] += more
        room -= more
    return got


def _widths(room: int, texts: Sequence[Col], longest: dict[str, int], rows: Sequence[dict[str, Any]], one_line: bool) -> list[int]:
    """Widths for the text columns: the folded ones are served first (what they want, within their share), the cut
    ones then share what is left, since a cut column is the one meant to give way (it loses only its tail)."""
    floors = [_least(c, rows, one_line) for c in texts]
    cut = [(c.cut or one_line) and not c.ids for c in texts]
    folded = [i for i in range(len(texts)) if not cut[i]]
    got = [0] * len(texts)
    spare = room - sum(min(floors[i], longest[texts[i].key]) for i in range(len(texts)) if cut[i])
    for i, w in zip(folded, _share(spare, [longest[texts[i].key] for i in folded], [floors[i] for i in folded]), strict=True):
        got[i] = w
    rest = [i for i in range(len(texts)) if cut[i]]
    for i, w in zip(rest, _share(room - sum(got), [longest[texts[i].key] for i in rest], [floors[i] for i in rest]), strict=True):
        got[i] = w
    return got


def emit(rows: Sequence[dict[str, Any]], cols: Sequence[Col], fmt: str, title: str | None = None, empty: str | None = None,
         one_line: bool = False) -> None:
    """Print ``rows`` as a table fitted to the terminal, or as CSV or JSON (every key of every row, nothing shortened).

    ``one_line``: each row on one line, every text column ``cut`` (ids stay whole).
    """
    check_format(fmt)
    if fmt == "json":
        sys.stdout.write(json.dumps(list(rows), default=str, indent=2) + "\n")
        return
    if fmt == "csv":
        from crossline.exports.csv_safe import write_csv

        frame = pl.DataFrame([{k: _raw(v) for k, v in r.items()} for r in rows]) if rows else pl.DataFrame(
            {c.key: [] for c in cols}, schema={c.key: pl.String for c in cols})
        buffer = io.StringIO()
        write_csv(frame, buffer)
        sys.stdout.write(buffer.getvalue())
        return
    if not rows and empty is not None:
        console.print(empty)
        return
    shown = list(cols)
    width = console.width
    dropped: list[str] = []
    while not _fits(shown, rows, width, one_line):
        droppable = [c for c in shown if not c.whole]
        if not droppable:
            break
        victim = min(droppable, key=lambda c: (c.keep, -shown.index(c)))
        shown.remove(victim)
        dropped.append(victim.header)
    longest = {c.key: max([len(c.header), *(len(_text(r.get(c.key))) for r in rows)]) for c in shown}
    texts = [c for c in shown if not c.whole]
    room = width - 1 - 3 * len(shown) - sum(longest[c.key] for c in shown if c.whole)
    widths = _widths(room, texts, longest, rows, one_line)
    table = DataTable(title=title)
    for c in shown:
        if c.whole:
            table.add_column(c.header, no_wrap=True, min_width=longest[c.key], justify="right" if c.right else "left")
        else:
            cut = (c.cut or one_line) and not c.ids
            table.add_column(c.header, overflow="ellipsis" if cut else "fold", no_wrap=cut,
                             width=widths[texts.index(c)], justify="right" if c.right else "left")
    clip = {c.key: widths[texts.index(c)] for c in texts if (c.cut or one_line) and not c.ids}
    for r in rows:
        table.add_row(*(v if isinstance(v := r.get(c.key), Text) else
                        _clip(_text(v), clip[c.key]) if c.key in clip else _spaced(c, _text(v)) for c in shown))
    console.print(table)
    if dropped:
        err.print(f"[dim]Not shown at {width} columns: {', '.join(dropped)}; --format csv or json gives every column.[/]")
