"""Reading the person records as one JSON text a row gives exactly what reading each column does (SQLite and PostgreSQL)."""

from __future__ import annotations

import polars as pl
from sqlalchemy import insert, text

from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA
from crossline.stages.resolve.records import read_persons
from crossline.store.models import Person
from crossline.workspace import Workspace

AWKWARD = [
    'Ann "Nan" O\'Brien', "back\\slash", "tab\there", "new\nline", "unit\x1fseparator", "Siân Cwmbrân", "emoji 😀",
    "", " ", "[1, 2]", '{"a": null}', "null", "\u2028", "\x7f",
]

SHORT = {"sex": 1, "date_of_birth": 10, "date_of_birth_precision": 8, "postcode": 32}


def _row(i: int, value: str | None, flag: bool | None) -> dict[str, object]:
    row: dict[str, object] = {c: value for c in PERSON_COLUMNS if PERSON_SCHEMA[c] == pl.String}
    for column, length in SHORT.items():  # PostgreSQL holds these to their declared length
        row[column] = None if value is None else value[:length]
    row.update(source="src", record_id=f"R{i}", postcode_is_uk=flag, bundle_id="b", file="f.csv", line=i, row_hash="h")
    return row


def test_read_persons_keeps_every_value_exactly(workspace: Workspace) -> None:
    rows = [_row(i, v, [True, False, None][i % 3]) for i, v in enumerate([*AWKWARD, None])]
    with workspace.engine.begin() as conn:
        conn.execute(insert(Person), rows)
    with workspace.engine.connect() as conn:
        stored = conn.execute(text(f"SELECT {', '.join(PERSON_COLUMNS)} FROM persons")).all()
    expected = pl.DataFrame([tuple(r) for r in stored], schema=PERSON_SCHEMA, orient="row").sort("record_id")
    got = read_persons(workspace.engine).sort("record_id")
    assert got.schema == pl.Schema(PERSON_SCHEMA)
    assert got.equals(expected)
    assert got.filter(pl.col("record_id") == "R0")["given_name"].item() == AWKWARD[0]


def test_read_persons_of_an_empty_store(workspace: Workspace) -> None:
    got = read_persons(workspace.engine)
    assert got.height == 0 and got.schema == pl.Schema(PERSON_SCHEMA)
