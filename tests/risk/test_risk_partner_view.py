"""A partner's view carries that the child is at risk and why, never the intelligence; need to know; audited reads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from crossline.access.actor import Actor
from crossline.errors import NotAllowed, NotFound
from crossline.service import alerts
from crossline.service import safeguarding as sg
from crossline.workspace import Workspace
from risk_fixtures import COUNCIL, INTEL_TEXT, POLICE, SCHOOL, current

PARTNER = Actor("teacher", SCHOOL, "partner")
COUNCIL_LEAD = Actor("sw", COUNCIL, "safeguarding")
ANALYST = Actor("ana", POLICE, "analyst")
STRANGER = Actor("x", "some-charity", "partner")


def _audit(ws: Workspace, action: str) -> list[tuple[str, str]]:
    with ws.engine.connect() as conn:
        return [(r.user, r.subject) for r in conn.execute(text("SELECT user, subject FROM audit_log WHERE action = :a"), {"a": action})]


def test_partner_view_says_why_in_plain_words_without_intelligence(hand_ws: Workspace) -> None:
    view = sg.partner_view(hand_ws, PARTNER, "N-C21")  # named in graded intelligence
    dumped = json.dumps(view, default=str)
    assert view["risk"]["reasons"] and "police hold further information" in " ".join(view["risk"]["reasons"])
    assert INTEL_TEXT not in dumped
    evidence = current(hand_ws, "risk_evidence")
    for rid in evidence["record_id"].to_list():  # no record ids (events, links, phones) of any evidence
        assert f'"{rid}"' not in dumped
    for graded in ('"source_eval"', '"intel_assessment"', '"handling_code"', '"summary"', '"detail"', '"points"'):
        assert graded not in dumped
    assert ("teacher", "N-C21") in _audit(hand_ws, "read_safeguarding_view")


def test_partner_view_of_a_searched_child_has_no_record_text(hand_ws: Workspace) -> None:
    view = sg.partner_view(hand_ws, PARTNER, "N-C05")
    dumped = json.dumps(view, default=str)
    assert "£300" not in dumped and "Searched;" not in dumped
    assert any("stopped and searched" in r for r in view["risk"]["reasons"])
    assert view["known_as"] == [{"given_name": "GivenC05", "family_name": "FamilyC05", "date_of_birth": "2011-03-01"}]


def test_partner_sees_only_its_own_records_names(hand_ws: Workspace) -> None:
    view = sg.partner_view(hand_ws, COUNCIL_LEAD, "N-C19")  # the council holds C19's record
    assert [n["family_name"] for n in view["known_as"]] == ["FamilyC19"]
    other = sg.partner_view(hand_ws, COUNCIL_LEAD, "N-C05")  # no council record, but the council is responsible (home area)
    assert other["known_as"] == []


def test_need_to_know(hand_ws: Workspace) -> None:
    with pytest.raises(NotFound, match="no young person"):
        sg.partner_view(hand_ws, STRANGER, "N-C05")


def test_partners_cannot_read_the_analysts_detail(hand_ws: Workspace) -> None:
    with pytest.raises(NotAllowed):
        sg.risk_detail(hand_ws, PARTNER, "N-C21")
    with pytest.raises(NotAllowed):
        sg.risk_list(hand_ws, PARTNER)


def test_analysts_see_the_records_behind_each_reason(hand_ws: Workspace) -> None:
    detail = sg.risk_detail(hand_ws, ANALYST, "N-C21")
    assert any(e["indicator"] == "intelligence" and e["source"] == POLICE and e["record_id"] for e in detail["evidence"])
    assert {r["source"] for r in detail["records"]} == {POLICE, SCHOOL}
    assert ("ana", "N-C21") in _audit(hand_ws, "read_risk")


def test_places_for_partners_have_no_members(hand_ws: Workspace) -> None:
    rows = sg.places(hand_ws, PARTNER)
    assert rows and all("at_risk_members" not in r for r in rows)
    assert all("at_risk_members" in r for r in sg.places(hand_ws, ANALYST))


def test_partners_see_the_alerts_for_their_agency_only(hand_ws: Workspace) -> None:
    mine = alerts.list_alerts(hand_ws, PARTNER)
    assert mine and all(SCHOOL in a["agencies"] and a["kind"] == "safeguarding_risk" for a in mine)
    assert alerts.list_alerts(hand_ws, STRANGER) == []
    with pytest.raises(NotFound):  # another agency's alert is not there to acknowledge, whatever its number
        alerts.acknowledge(hand_ws, STRANGER, mine[0]["alert_id"])
    with pytest.raises(NotFound):  # `line-alerts --ack` acknowledges successor alerts only, never a safeguarding one
        alerts.acknowledge(hand_ws, Actor("ana", POLICE, "analyst"), mine[0]["alert_id"], "ddtro_successor")
    dumped = json.dumps(mine, default=str)
    assert INTEL_TEXT not in dumped and "£" not in dumped
    done = alerts.acknowledge(hand_ws, PARTNER, mine[0]["alert_id"])
    assert done["status"] == "acknowledged"
    assert mine[0]["alert_id"] not in [a["alert_id"] for a in alerts.list_alerts(hand_ws, PARTNER)]


def test_an_officer_opening_a_record_sees_the_safeguarding_context(hand_ws: Workspace) -> None:
    admin = Actor("officer", POLICE, "admin")
    opened = sg.record_context(hand_ws, admin, POLICE, "C40")  # searched, arrested for supply, missing, stabbed
    assert opened["record"]["record_id"] == "C40"
    assert opened["safeguarding"]["band"] in ("high", "very_high")
    assert any(f["kind"] == "dual_status" and "safeguard first" in f["reason"] for f in opened["safeguarding"]["flags"])
