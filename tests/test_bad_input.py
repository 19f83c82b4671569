"""Every case of DATA-CONTRACT section 4, on real files, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN
from crossline.errors import BundleError
from crossline.service.imports import import_bundle
from crossline.workspace import Workspace
from helpers import TEST_HUB, allow_hub, import_as_hub, snapshot, write_bundle

PERSONS = "record_id,given_name,family_name,date_of_birth,phone\n"


def _rows(ws: Workspace, sql: str) -> list[tuple]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def _fails(ws: Workspace, bundle: Path, file_fragment: str, problem_fragment: str) -> BundleError:
    allow_hub(ws, bundle)
    before = snapshot(ws)
    with pytest.raises(BundleError) as info:
        import_bundle(ws, LOCAL_ADMIN, bundle, None, TEST_HUB)
    assert file_fragment in info.value.file
    assert problem_fragment in info.value.problem
    assert "\n" not in str(info.value)  # one line
    assert snapshot(ws) == before  # nothing written
    return info.value


def test_missing_manifest_fails_naming_it(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    _fails(workspace, tmp_path / "b", "manifest.toml", "missing")


def test_unknown_kind_fails_naming_the_file(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"x/vehicles.csv": ("vehicles", "gp", "vrm\nAB12CDE\n")})
    _fails(workspace, b, "x/vehicles.csv", "unknown kind")


def test_listed_file_not_in_bundle_fails(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,,\n")})
    (b / "p.csv").unlink()
    _fails(workspace, b, "p.csv", "not in the bundle")


def test_missing_required_column_names_it_and_the_columns_found(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(
        tmp_path / "b",
        {
            "ok.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,,\n"),
            "e.csv": ("events", "gp", "record_id,occurred_at\nE1,2026-10-01\n"),
        },
    )
    error = _fails(workspace, b, "e.csv", "missing required column event_type")
    assert "record_id, occurred_at" in error.problem


def test_a_bad_file_after_good_ones_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(
        tmp_path / "b",
        {
            "p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,,\n"),
            "c.csv": ("comms", "csp", "a_number,b_number,kind,started_at\n07711123456,07722123456,sms,2026-10-01T10:00:00Z\n"),
            "z.parquet": ("cell_sites", "csp", b"this is not parquet"),
        },
    )
    _fails(workspace, b, "z.parquet", "not a readable Parquet")
    assert not any(workspace.lake.rglob("*.parquet"))


def test_cp1252_is_read_and_undecodable_text_fails(workspace: Workspace, tmp_path: Path) -> None:
    body = (PERSONS + "P1,Siân,Müller,,\n").encode("cp1252")
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", body)})
    import_as_hub(workspace, b)
    assert _rows(workspace, "SELECT given_name, family_name FROM persons") == [("Siân", "Müller")]
    bad = write_bundle(tmp_path / "c", {"q.csv": ("persons", "gp", PERSONS.encode() + b"P2,A\x81n,Lee,,\n")})
    _fails(workspace, bad, "q.csv", "neither UTF-8 nor Windows-1252")


def test_utf8_bom_is_stripped(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", "\ufeff" + PERSONS + "P1,Ann,Lee,,\n")})
    result = import_as_hub(workspace, b)
    assert result.feed("p.csv").accepted == 1 and result.quarantined == 0


def test_bad_required_value_rejects_only_that_row(workspace: Workspace, tmp_path: Path) -> None:
    body = "record_id,event_type,occurred_at\nE1,arrest,2026-10-01\nE2,arrest,not a date\nE3,,2026-10-02\nE4,arrest,2026-10-03\n"
    b = write_bundle(tmp_path / "b", {"e.csv": ("events", "gp", body)})
    result = import_as_hub(workspace, b)
    assert result.feed("e.csv").accepted == 2 and result.feed("e.csv").quarantined == 2
    assert _rows(workspace, 'SELECT line, "column", severity FROM quarantine ORDER BY line') == [
        (3, "occurred_at", "error"), (4, "event_type", "error"),
    ]


def test_bad_optional_value_is_blanked_and_kept_raw(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,2009-02-30,07711123456;12\n")})
    import_as_hub(workspace, b)
    dob, phone, invalid = _rows(workspace, "SELECT date_of_birth, phone, invalid FROM persons")[0]
    assert dob is None and json.loads(phone) == ["+447711123456"]  # the good phone of the two is kept
    assert json.loads(invalid)["date_of_birth"] == "2009-02-30"
    assert _rows(workspace, 'SELECT "column", value, severity FROM quarantine ORDER BY "column"') == [
        ("date_of_birth", "2009-02-30", "warning"), ("phone", "07711123456;12", "warning"),
    ]


def test_duplicate_record_id_later_row_wins_with_a_warning(workspace: Workspace, tmp_path: Path) -> None:
    body = PERSONS + "P1,Ann,Lee,,\nP2,Bob,Ray,,\nP1,Anne,Lee,,\n"
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", body)})
    result = import_as_hub(workspace, b)
    assert _rows(workspace, "SELECT given_name, line FROM persons WHERE record_id = 'P1'") == [("Anne", 4)]
    assert result.feed("p.csv").duplicates == 1 and result.feed("p.csv").warnings == 1
    (line, column, reason, sev), = _rows(workspace, 'SELECT line, "column", reason, severity FROM quarantine')
    assert (line, column, sev) == (2, "record_id", "warning") and "line 4" in reason


def test_reference_to_unknown_record_is_quarantined(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(
        tmp_path / "b",
        {
            "p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,,\n"),
            "e.csv": ("events", "gp", "record_id,event_type,occurred_at\nE1,arrest,2026-10-01\n"),
            "ep.csv": ("event_people", "gp", "event_id,person_id,role\nE1,P1,suspect\nE9,P1,suspect\nE1,P7,victim\n"),
        },
    )
    result = import_as_hub(workspace, b)
    assert result.feed("ep.csv").accepted == 1 and result.feed("ep.csv").quarantined == 2
    assert _rows(workspace, 'SELECT line, "column" FROM quarantine ORDER BY line') == [(3, "event_id"), (4, "person_id")]


def test_references_may_point_at_records_from_an_earlier_bundle(workspace: Workspace, tmp_path: Path) -> None:
    first = write_bundle(tmp_path / "a", {"p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,,\n"),
                                          "e.csv": ("events", "gp", "record_id,event_type,occurred_at\nE1,arrest,2026-10-01\n")})
    import_as_hub(workspace, first)
    second = write_bundle(tmp_path / "b", {"ep.csv": ("event_people", "gp", "event_id,person_id,role\nE1,P1,suspect\n")})
    assert import_as_hub(workspace, second).quarantined == 0


def test_handling_code_c_without_conditions_is_kept_unshareable(workspace: Workspace, tmp_path: Path) -> None:
    body = "record_id,event_type,occurred_at,handling_code,handling_conditions\nE1,intelligence,2026-10-01,C,\nE2,intelligence,2026-10-01,C,DI approval\n"
    b = write_bundle(tmp_path / "b", {"e.csv": ("events", "gp", body)})
    result = import_as_hub(workspace, b)
    assert result.feed("e.csv").accepted == 2 and result.feed("e.csv").warnings == 1
    assert _rows(workspace, "SELECT record_id, shareable FROM events ORDER BY record_id") == [("E1", False), ("E2", True)]


def test_malformed_csv_row_is_quarantined_with_its_line(workspace: Workspace, tmp_path: Path) -> None:
    body = PERSONS + 'P1,Ann,Lee,,\nP2,Bob,Ray,,,,,extra\nP3,"Multi\nline",Jones,,\nP4,Cy\nP5,Di,Fox,,\n'
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", body)})
    result = import_as_hub(workspace, b)
    assert result.feed("p.csv").accepted == 3 and result.feed("p.csv").quarantined == 2
    assert _rows(workspace, 'SELECT line, severity FROM quarantine ORDER BY line') == [(3, "error"), (6, "error")]
    assert _rows(workspace, "SELECT record_id, line FROM persons ORDER BY line") == [("P1", 2), ("P3", 4), ("P5", 7)]


def test_extra_columns_are_kept_as_attributes(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", "record_id,given_name,Ward,Keyworker\nP1,Ann,St Julians,Jo\n")})
    import_as_hub(workspace, b)
    assert json.loads(_rows(workspace, "SELECT attributes FROM persons")[0][0]) == {"Ward": "St Julians", "Keyworker": "Jo"}


def test_zip_gzip_parquet_and_jsonl_feeds(workspace: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "src" / "bundle"
    write_bundle(src, {"p.csv.gz": ("persons", "gp", b""), "e.parquet": ("events", "gp", b""), "l.jsonl": ("links", "gp", b"")})
    (src / "p.csv.gz").write_bytes(gzip.compress((PERSONS + "P1,Ann,Lee,,\n").encode()))
    pl.DataFrame({"record_id": ["E1"], "event_type": ["arrest"], "occurred_at": ["2026-10-01T10:00:00Z"]}).write_parquet(src / "e.parquet")
    (src / "l.jsonl").write_text(json.dumps({"left": "person:P1", "relation": "uses_phone", "right": "phone:07711 123456"}) + "\n")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in src.rglob("*"):
            zf.write(p, p.relative_to(src.parent).as_posix())  # a zip of the folder: manifest one level down
    result = import_as_hub(workspace, archive)
    assert {f.file: f.accepted for f in result.feeds} == {"p.csv.gz": 1, "e.parquet": 1, "l.jsonl": 1}
    assert _rows(workspace, 'SELECT "right" FROM links') == [("phone:+447711123456",)]
    assert not (workspace.lake / ".staging").exists() or not any((workspace.lake / ".staging").iterdir())


def test_manifest_mapping_to_a_column_the_file_lacks_fails(workspace: Workspace, tmp_path: Path) -> None:
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", "Ref,Forename\nP1,Ann\n")},
                     extra_feed_toml={"p.csv": '[feed.columns]\nrecord_id = "Ref"\ngiven_name = "FirstName"\n'})
    _fails(workspace, b, "p.csv", "FirstName")


def test_values_of_only_spaces_are_blank_not_bad(workspace: Workspace, tmp_path: Path) -> None:
    body = "record_id,given_name,family_name,date_of_birth,phone,sex\n  P1 , Ann ,Lee,   ,  ,  \n   ,Bob,Ray,,,\n"
    b = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", body)})
    result = import_as_hub(workspace, b)
    assert result.feed("p.csv").accepted == 1 and result.feed("p.csv").warnings == 0
    assert _rows(workspace, "SELECT record_id, given_name, date_of_birth, phone, sex FROM persons") == [("P1", "Ann", None, None, None)]
    assert _rows(workspace, 'SELECT line, "column", severity FROM quarantine') == [(3, "record_id", "error")]
