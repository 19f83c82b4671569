"""The conformance bundles import with exactly their expected outcome.

The project keeps its own copy in tests/contract-examples (a plain clone runs these tests); the first test
below checks it is still byte for byte the shared/contract-examples that the contract's owners publish.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from crossline.store.lake import dataset_paths
from crossline.workspace import Workspace
from helpers import import_as_hub

SHARED_EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "contract-examples"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_projects_copy_is_identical_to_shared(examples: Path) -> None:
    if not SHARED_EXAMPLES.is_dir():
        pytest.skip(f"no shared/contract-examples beside the checkout ({SHARED_EXAMPLES}): nothing to compare the copy with")
    ours, theirs = _files(examples), _files(SHARED_EXAMPLES)
    assert sorted(ours) == sorted(theirs), "the copy and shared/ hold different files: copy shared/contract-examples in again"
    differ = [name for name in ours if ours[name] != theirs[name]]
    assert not differ, f"these files differ from shared/contract-examples (copy them in again): {differ}"


def _one(ws: Workspace, sql: str, **params: object) -> object:
    with ws.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _comms(ws: Workspace) -> list[tuple]:
    paths = dataset_paths(ws.engine, ws.lake, "comms")
    return duckdb.sql(
        f"SELECT a_number, b_number, kind, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), line FROM read_parquet({paths}) ORDER BY line"
    ).fetchall()


# Each "normalised" entry of good/expected.json, and how to read that value back from the store.
NORMALISED = {
    "persons P1 postcode": lambda ws: _one(ws, "SELECT postcode FROM persons WHERE record_id='P1'"),
    "persons P1 phone": lambda ws: json.loads(_one(ws, "SELECT phone FROM persons WHERE record_id='P1'")),
    "persons P1 aliases": lambda ws: json.loads(_one(ws, "SELECT aliases FROM persons WHERE record_id='P1'")),
    "persons P2 postcode": lambda ws: _one(ws, "SELECT postcode FROM persons WHERE record_id='P2'"),
    "persons P2 date_of_birth": lambda ws: "{} (partial: {})".format(
        *[_one(ws, f"SELECT {c} FROM persons WHERE record_id='P2'") for c in ("date_of_birth", "date_of_birth_precision")]
    ).replace("partial: year", "partial: year only"),
    "persons P3 phone": lambda ws: json.loads(_one(ws, "SELECT phone FROM persons WHERE record_id='P3'")),
    "persons P3 date_of_birth": lambda ws: "{} (partial: {})".format(
        *[_one(ws, f"SELECT {c} FROM persons WHERE record_id='P3'") for c in ("date_of_birth", "date_of_birth_precision")]
    ).replace("partial: month", "partial: year and month"),
    "pupils S-001 date_of_birth": lambda ws: _one(ws, "SELECT date_of_birth FROM persons WHERE record_id='S-001'"),
    "pupils S-001 postcode": lambda ws: _one(ws, "SELECT postcode FROM persons WHERE record_id='S-001'"),
    "pupils S-001 phone": lambda ws: json.loads(_one(ws, "SELECT phone FROM persons WHERE record_id='S-001'")),
    "pupils S-001 attributes": lambda ws: json.loads(_one(ws, "SELECT attributes FROM persons WHERE record_id='S-001'")),
    "events E2 occurred_at (naive, read as Europe/London, BST)": lambda ws: _one(
        ws, "SELECT occurred_at FROM events WHERE record_id='E2'"
    ),
    "events E3 phone": lambda ws: _one(ws, "SELECT phone FROM events WHERE record_id='E3'"),
    "events E4 occurred_at": lambda ws: _one(ws, "SELECT occurred_at FROM events WHERE record_id='E4'"),
    "links row 2 left": lambda ws: _one(ws, "SELECT \"left\" FROM links WHERE line = 3"),
    "links row 2 right": lambda ws: _one(ws, "SELECT \"right\" FROM links WHERE line = 3"),
    "comms row 3 b_number": lambda ws: _comms(ws)[2][1],
    "comms row 6 started_at": lambda ws: next(c for c in _comms(ws) if c[4] == 7)[3],
    "cell_sites 234-15-100-2 force_area (derived from lat/lon)": lambda ws: _one(
        ws, "SELECT force_area FROM cell_sites WHERE cell_id='234-15-100-2'"
    ),
}


def _quarantine(ws: Workspace) -> list[dict[str, object]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(text('SELECT file, line, "column", severity FROM quarantine')).all()
    return sorted(({"file": r[0], "line": r[1], "column": r[2], "severity": r[3]} for r in rows), key=str)


@pytest.mark.parametrize("name", ["good", "bad"])
def test_example_bundle_imports_exactly_as_expected(workspace: Workspace, examples: Path, name: str) -> None:
    expected = json.loads((examples / name / "expected.json").read_text())
    result = import_as_hub(workspace, examples / name)

    assert {f.file: f.accepted for f in result.feeds} == expected["accepted"]
    assert _quarantine(workspace) == sorted(expected["quarantine"], key=str)
    if "comms_duplicates_counted_once" in expected:
        assert result.feed("csp/comms.csv").duplicates == expected["comms_duplicates_counted_once"]
    for key, want in expected.get("normalised", {}).items():
        assert key in NORMALISED, f"no check written for expected.json entry {key!r}"
        assert NORMALISED[key](workspace) == want, key


def test_the_line_numbers_in_links_count_the_header(workspace: Workspace, examples: Path) -> None:
    # "links row 2" in expected.json is the second data row, which sits on line 3 of the file.
    import_as_hub(workspace, examples / "good")
    assert _one(workspace, "SELECT relation FROM links WHERE line = 3") == "resides_at"


def test_good_then_bad_loses_none_of_the_good_rows(workspace: Workspace, examples: Path) -> None:
    import_as_hub(workspace, examples / "good")
    result = import_as_hub(workspace, examples / "bad")
    assert _one(workspace, "SELECT COUNT(*) FROM persons") == 11
    assert result.feed("csp/comms.csv").new == 0  # the same five calls, counted once across both bundles
    assert len(_comms(workspace)) == 5
