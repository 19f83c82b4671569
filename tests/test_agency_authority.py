"""Agencies cannot overwrite each other: a bundle writes only its own agency's records and those it may send for.

The attack first: a school's bundle declares ``gwent-police`` (with another type
and name) and carries a police person record with changed values. Before issue
12 it replaced the record and the agency; now its feed is quarantined, the
record and the agency stay as they were, and only an administrator's grant or
``set-type`` changes that, audited.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import InvalidInput, NotAllowed
from crossline.service.agencies import allow_sender, list_agencies, revoke_sender, set_type
from crossline.service.imports import import_bundle
from crossline.workspace import Workspace
from helpers import write_bundle

POLICE, SCHOOL = "gwent-police", "valleys-schools-trust"
PERSONS = "record_id,given_name,family_name,date_of_birth\n"


def _police_bundle(root: Path) -> Path:
    return write_bundle(root, {"gp/persons.csv": ("persons", POLICE, PERSONS + "P1,Ann,Lee,2010-04-02\n")}, {POLICE: "police"})


def _forged_bundle(root: Path) -> Path:
    """A school's bundle that says it holds gwent-police's records, with gwent-police as a school named otherwise."""
    bundle = write_bundle(
        root,
        {"forged/persons.csv": ("persons", POLICE, PERSONS + "P1,Mallory,Forged,2001-01-01\nP9,New,Person,2011-01-01\n"),
         "school/pupils.csv": ("persons", SCHOOL, PERSONS + "S1,Bea,Cole,2011-05-06\n")},
        {POLICE: "education", SCHOOL: "education"},
    )
    manifest = (bundle / "manifest.toml").read_text(encoding="utf-8").replace(f'name = "{POLICE}"', 'name = "Not The Police"')
    (bundle / "manifest.toml").write_text(manifest, encoding="utf-8")
    return bundle


def _rows(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


@pytest.fixture
def policed(workspace: Workspace, tmp_path: Path) -> Workspace:
    import_bundle(workspace, LOCAL_ADMIN, _police_bundle(tmp_path / "police"), as_agency=POLICE)
    return workspace


def test_a_school_bundle_declaring_the_police_cannot_replace_a_police_record(policed: Workspace, tmp_path: Path) -> None:
    result = import_bundle(policed, LOCAL_ADMIN, _forged_bundle(tmp_path / "forged"), as_agency=SCHOOL)
    forged = result.feed("forged/persons.csv")
    assert forged.refused and f"not allowed to send for {POLICE}" in forged.refused and forged.accepted == 0
    assert result.feed("school/pupils.csv").accepted == 1  # its own records still go in
    assert _rows(policed, f"SELECT given_name, family_name FROM persons WHERE source = '{POLICE}' ORDER BY record_id") == [("Ann", "Lee")]
    assert _rows(policed, "SELECT file, severity FROM quarantine WHERE \"column\" = 'source'") == [("forged/persons.csv", "error")]
    assert _rows(policed, "SELECT count(*) FROM record_versions") == [(0,)]
    assert _rows(policed, f"SELECT from_agency FROM bundles WHERE bundle_id = '{result.bundle_id}'") == [(SCHOOL,)]


def test_a_manifest_cannot_change_a_known_agencys_type_or_name(policed: Workspace, tmp_path: Path) -> None:
    allow_sender(policed, LOCAL_ADMIN, SCHOOL, [POLICE])  # even a sender that may write the records
    result = import_bundle(policed, LOCAL_ADMIN, _forged_bundle(tmp_path / "forged"), as_agency=SCHOOL)
    assert _rows(policed, f"SELECT name, type FROM agencies WHERE agency_id = '{POLICE}'") == [(POLICE, "police")]
    assert any("type 'education'" in n and "'police'" in n for n in result.notes)
    warned = _rows(policed, "SELECT \"column\", value, severity FROM quarantine WHERE file = 'manifest.toml' ORDER BY \"column\"")
    assert warned == [("agency.name", POLICE, "warning"), ("agency.type", POLICE, "warning")]


def test_an_agency_allowed_to_send_may_write_and_loses_the_right_when_revoked(policed: Workspace, tmp_path: Path) -> None:
    assert allow_sender(policed, LOCAL_ADMIN, SCHOOL, [POLICE]) == [POLICE]
    allowed = import_bundle(policed, LOCAL_ADMIN, _forged_bundle(tmp_path / "a"), as_agency=SCHOOL)
    assert allowed.feed("forged/persons.csv").updated == 1 and not allowed.feed("forged/persons.csv").refused
    revoke_sender(policed, LOCAL_ADMIN, SCHOOL, POLICE)
    again = write_bundle(tmp_path / "b", {"x.csv": ("persons", POLICE, PERSONS + "P1,Eve,Again,2001-01-01\n")}, {POLICE: "police"})
    assert import_bundle(policed, LOCAL_ADMIN, again, as_agency=SCHOOL).feed("x.csv").refused
    assert _rows(policed, f"SELECT given_name FROM persons WHERE source = '{POLICE}' AND record_id = 'P1'") == [("Mallory",)]
    actions = [r[0] for r in _rows(policed, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("allow_sender") == 1 and actions.count("revoke_sender") == 1


def test_a_new_agency_is_added_only_when_the_bundle_may_send_for_it(workspace: Workspace, tmp_path: Path) -> None:
    import_bundle(workspace, LOCAL_ADMIN, _forged_bundle(tmp_path / "forged"), as_agency=SCHOOL)
    assert _rows(workspace, "SELECT agency_id FROM agencies") == [(SCHOOL,)]  # gwent-police is not defined by a school
    assert _rows(workspace, "SELECT count(*) FROM persons WHERE source = 'gwent-police'") == [(0,)]


def test_an_import_that_names_no_agency_is_refused_unless_the_workspace_has_one(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        import_bundle(workspace, LOCAL_ADMIN, _police_bundle(tmp_path / "p"))
    assert info.value.next_step == "import_as_agency"
    toml = workspace.path / "crossline.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[imports]\nagency = "{POLICE}"\n', encoding="utf-8")
    from crossline.workspace import open_workspace

    configured = open_workspace(workspace.path)
    try:
        assert import_bundle(configured, LOCAL_ADMIN, _police_bundle(tmp_path / "p")).from_agency == POLICE
    finally:
        configured.close()


def test_only_an_administrator_changes_an_agency_and_it_is_audited(policed: Workspace) -> None:
    analyst = Actor(user="ana", agency=POLICE, role="analyst")
    for call in (lambda: set_type(policed, analyst, POLICE, "education"), lambda: allow_sender(policed, analyst, SCHOOL, [POLICE]),
                 lambda: list_agencies(policed, analyst)):
        with pytest.raises(NotAllowed):
            call()
    with pytest.raises(InvalidInput):
        set_type(policed, LOCAL_ADMIN, POLICE, "wizards")
    set_type(policed, LOCAL_ADMIN, POLICE, "nca", name="Gwent Police (test)")
    assert _rows(policed, f"SELECT name, type FROM agencies WHERE agency_id = '{POLICE}'") == [("Gwent Police (test)", "nca")]
    assert _rows(policed, "SELECT action, subject FROM audit_log ORDER BY seq DESC LIMIT 1") == [("set_agency_type", POLICE)]


def test_the_agency_commands(tmp_path: Path) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crossline.cli", *args, *ws], capture_output=True, text=True, timeout=300,
                              env={**__import__("os").environ, "COLUMNS": "200"})

    assert run("init").returncode == 0
    assert run("import", str(_police_bundle(tmp_path / "p")), "--as-agency", POLICE).returncode == 0
    forged = run("import", str(_forged_bundle(tmp_path / "f")), "--as-agency", SCHOOL)
    assert forged.returncode == 0 and "Not imported" in forged.stdout and "forged/persons.csv" in forged.stdout
    assert run("agency", "allow-sender", SCHOOL, "--for", POLICE).returncode == 0
    listed = run("agency", "list")
    assert POLICE in listed.stdout and "police" in listed.stdout
    changed = run("agency", "set-type", POLICE, "nca")
    assert changed.returncode == 0, changed.stderr
    assert run("agency", "set-type", POLICE, "wizards").returncode == InvalidInput.exit_code


def test_a_partners_user_imports_only_as_their_own_agency(workspace: Workspace, tmp_path: Path) -> None:
    school_admin = Actor(user="sam", agency=SCHOOL, role="admin")
    with pytest.raises(NotAllowed):
        import_bundle(workspace, school_admin, _police_bundle(tmp_path / "p"), as_agency=POLICE)
    result = import_bundle(workspace, school_admin, _police_bundle(tmp_path / "p"))
    assert result.from_agency == SCHOOL and result.feed("gp/persons.csv").refused
