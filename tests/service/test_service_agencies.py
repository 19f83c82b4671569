"""Agencies as tenants: every type of the issue can be added, each with its readable name, and its type decides the standing.

A business (a hotel chain, a taxi firm, a rail operator) has ``reporter``
standing: it reports concerns and sees what it reported, nothing else, whatever
role it is given; transport police hold police standing; a build needs police
standing or the administrator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crossline.access import need_to_know as ntk
from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.access.policy import PERMISSIONS, REPORTER_MAY, require
from crossline.access.roles import check_role_for_agency
from crossline.cli.app import app
from crossline.contract.enums import AGENCY_TYPE_NAMES, AGENCY_TYPES
from crossline.errors import Conflict, InvalidInput, NotAllowed
from crossline.service.agencies import add_agency, list_agencies
from crossline.workspace import Workspace

ISSUE_TYPES = {"police", "nca", "local_authority", "education", "health", "youth_service", "charity", "housing", "business",
               "transport_police"}


def test_every_agency_type_of_the_issue_can_be_added_with_its_readable_name(workspace: Workspace) -> None:
    assert ISSUE_TYPES <= AGENCY_TYPES == set(AGENCY_TYPE_NAMES)
    assert (AGENCY_TYPE_NAMES["nca"], AGENCY_TYPE_NAMES["housing"]) == ("national (NCA / NCLCC)", "housing provider")
    for kind in sorted(AGENCY_TYPES):
        add_agency(workspace, LOCAL_ADMIN, f"a-{kind.replace('_', '-')}", f"Made-up {kind}", kind, "gwent")
    listed = {a.agency_id: a for a in list_agencies(workspace, LOCAL_ADMIN)}
    assert listed["a-housing"].type == "housing" and listed["a-housing"].type_name == "housing provider"
    assert listed["a-business"].type_name.startswith("business")
    with workspace.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'add_agency'")).scalar() == len(AGENCY_TYPES)
    with pytest.raises(Conflict):
        add_agency(workspace, LOCAL_ADMIN, "a-housing", "Again", "housing")
    with pytest.raises(InvalidInput, match="housing provider"):  # the refusal lists the types in words
        add_agency(workspace, LOCAL_ADMIN, "a-wizards", "Wizards", "wizards")
    with pytest.raises(NotAllowed):
        add_agency(workspace, Actor("ana", "gwent-police", "analyst"), "a-new", "New", "charity")


def test_the_agency_add_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", "-w", ws]).exit_code == 0
    added = runner.invoke(app, ["agency", "add", "sevenways-taxis", "--type", "business", "--name", "Sevenways Taxis", "-w", ws])
    assert added.exit_code == 0, added.output
    assert "Sevenways Taxis" in added.output and "business" in added.output
    listed = runner.invoke(app, ["agency", "list", "-w", ws], env={"COLUMNS": "200"})
    assert "sevenways-taxis" in listed.output and "hotel" in listed.output
    assert isinstance(runner.invoke(app, ["agency", "add", "x", "--type", "wizards", "-w", ws]).exception, InvalidInput)


def test_a_business_is_a_reporter_whatever_its_role() -> None:
    for role in ("partner", "analyst", "officer"):
        who = ntk.Viewer(Actor("bo", "sevenways-taxis", role), "business")  # type: ignore[arg-type]
        assert who.standing == "reporter"
        assert not ntk.knows_child(who, ["sevenways-taxis"], ["sevenways-taxis"])
        assert not ntk.can_see_record(who, ntk.RecordRef("gwent-police", "person"))
    reporter = ntk.Viewer(Actor("bo", "sevenways-taxis", "partner"), "business")
    for permission, roles in PERMISSIONS.items():
        if "partner" not in roles:
            continue
        if permission in REPORTER_MAY:
            require(reporter, permission)
        else:
            with pytest.raises(NotAllowed, match="reports concerns"):
                require(reporter, permission)
    assert check_role_for_agency("reporter", "business").actor_role == "partner"
    with pytest.raises(InvalidInput):
        check_role_for_agency("practitioner", "business")


def test_transport_police_hold_police_standing_and_a_build_needs_it() -> None:
    btp = ntk.Viewer(Actor("tom", "rail-police", "analyst"), "transport_police")
    assert btp.standing == "police"
    require(btp, "build")
    require(ntk.Viewer(Actor("nia", "nca", "analyst"), "nca"), "build")
    with pytest.raises(NotAllowed):
        require(ntk.Viewer(Actor("data", "v-school", "analyst"), "education"), "build")
    with pytest.raises(NotAllowed):
        require(Actor("ana", "gwent-police", "analyst"), "build")  # no agency type known: fails closed
