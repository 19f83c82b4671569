"""Issue 12, item 3: each need-to-know hole an insider or a careless partner could use, reproduced; each must stay shut.

The hand bundle (risk_fixtures.py) plus two children only the police hold a
record of: C50 (reported missing) and C51 (arrested for supply, so a suspect).
Every child C00..C40 has a school record and a police record; the council
holds C19, C30, C31 and C32, whose council events carry handling code C.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from crossline.access.actor import Actor
from crossline.errors import NotAllowed, NotFound
from crossline.service import alerts as alert_service
from crossline.service import lines as line_service
from crossline.service import safeguarding as sg
from crossline.service.exports import export
from crossline.service.persons import get_person
from crossline.workspace import Workspace, init_workspace
from risk_fixtures import COUNCIL, HEALTH, LINE, POLICE, SCHOOL, build_hand, current, hand_bundle

SCHOOL_LEAD = Actor("dsl", SCHOOL, "safeguarding")
SCHOOL_ANALYST = Actor("data", SCHOOL, "analyst")
COUNCIL_LEAD = Actor("sw", COUNCIL, "safeguarding")
HEALTH_LEAD = Actor("nurse", HEALTH, "safeguarding")
POLICE_LEAD = Actor("pc1", POLICE, "safeguarding")
ANALYST = Actor("ana", POLICE, "analyst")

POLICE_ONLY_CHILD, POLICE_ONLY_SUSPECT = "N-C50", "N-C51"
EXTRA_EVENTS = [
    {"source": POLICE, "event_type": "missing_episode", "occurred_at": "2026-10-25T20:00:00Z", "ended_at": "2026-10-26T09:00:00Z",
     "summary": "Did not return home.", "postcode": "NP44 1AA", "force_area": "gwent", "who": [("C50", "missing_person")]},
    {"source": POLICE, "event_type": "arrest", "occurred_at": "2026-10-24T16:00:00Z", "summary": "Arrested: supply of class A drugs.",
     "who": [("C51", "subject")]},
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("ntk")
    workspace = init_workspace(root / "ws")
    build_hand(workspace, hand_bundle(root / "bundle", extra_events=[dict(e) for e in EXTRA_EVENTS]))
    yield workspace
    workspace.close()


def _audited(ws: Workspace, action: str) -> list[tuple[str, str, str]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(text("SELECT user, subject, details FROM audit_log WHERE action = :a ORDER BY seq"), {"a": action})
        return [(r.user, r.subject, r.details) for r in rows]


def _referrals(ws: Workspace, nominal_id: str) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM referrals WHERE nominal_id = :n"), {"n": nominal_id}).scalar_one())


# --- a. a referral does not unlock a child the agency did not know -------------------------------------------------


def test_a_school_cannot_refer_a_police_only_child_to_unlock_their_view(ws: Workspace) -> None:
    with pytest.raises(NotFound):
        sg.partner_view(ws, SCHOOL_LEAD, POLICE_ONLY_CHILD)
    with pytest.raises(NotFound):
        sg.make_referral(ws, SCHOOL_LEAD, POLICE_ONLY_CHILD, COUNCIL, "mash", "Heard a rumour about this child.")
    assert _referrals(ws, POLICE_ONLY_CHILD) == 0
    with pytest.raises(NotFound):
        sg.partner_view(ws, SCHOOL_LEAD, POLICE_ONLY_CHILD)


def test_refusal_looks_like_a_child_who_does_not_exist(ws: Workspace) -> None:
    with pytest.raises(NotFound) as hidden:
        sg.partner_view(ws, SCHOOL_LEAD, POLICE_ONLY_CHILD)
    with pytest.raises(NotFound) as absent:
        sg.partner_view(ws, SCHOOL_LEAD, "N-NOBODY")
    assert str(hidden.value).replace(POLICE_ONLY_CHILD, "X") == str(absent.value).replace("N-NOBODY", "X")


def test_a_school_still_refers_a_child_it_knows_and_the_police_refer_any(ws: Workspace) -> None:
    ref = sg.make_referral(ws, SCHOOL_LEAD, "N-C05", COUNCIL, "mash", "Searched with cash and phones.")
    assert ref["made_by_agency"] == SCHOOL
    police = sg.make_referral(ws, POLICE_LEAD, POLICE_ONLY_CHILD, COUNCIL, "mash", "Missing overnight.")
    assert police["to_agency"] == COUNCIL
    assert sg.partner_view(ws, COUNCIL_LEAD, POLICE_ONLY_CHILD)["nominal_id"] == POLICE_ONLY_CHILD  # addressed to the council
    with pytest.raises(NotFound):  # still not the school's
        sg.partner_view(ws, SCHOOL_LEAD, POLICE_ONLY_CHILD)


# --- c. NRM: an agency check, and the suspect flag for police only --------------------------------------------------


def test_nrm_needs_the_agency_to_know_the_child(ws: Workspace) -> None:
    with pytest.raises(NotFound):
        sg.record_nrm(ws, SCHOOL_LEAD, POLICE_ONLY_SUSPECT, "Concerns of exploitation.", "2026-10-28")
    with pytest.raises(NotFound):
        sg.nrm_for(ws, HEALTH_LEAD, "N-C07")  # health holds no record of C07


def test_nrm_response_tells_the_suspect_status_to_police_only(ws: Workspace) -> None:
    by_school = sg.record_nrm(ws, SCHOOL_LEAD, "N-C08", "Older boys collect him from school.", "2026-10-28")  # C08: arrested
    assert "dual_status_flagged" not in by_school and "flag_new" not in by_school
    by_police = sg.record_nrm(ws, POLICE_LEAD, "N-C09", "Found holding wraps for older males.", "2026-10-28")  # C09: seizure suspect
    assert by_police["dual_status_flagged"] is True


def test_nrm_decisions_only_by_the_referring_agency_or_police(ws: Workspace) -> None:
    nrm = sg.record_nrm(ws, POLICE_LEAD, "N-C10", "Runs from a cuckooed flat.", "2026-10-28")
    with pytest.raises(NotFound):
        sg.record_nrm_decision(ws, SCHOOL_LEAD, nrm["nrm_id"], "reasonable", "positive", "2026-10-30")
    decided = sg.record_nrm_decision(ws, POLICE_LEAD, nrm["nrm_id"], "reasonable", "positive", "2026-10-30")
    assert decided["reasonable_grounds"] == "positive"
    listed = sg.nrm_for(ws, SCHOOL_LEAD, "N-C10")  # the school knows C10: the status, not the police's summary
    assert listed and "summary" not in listed[0] and listed[0]["reasonable_grounds"] == "positive"
    assert "summary" in sg.nrm_for(ws, POLICE_LEAD, "N-C10")[0]


# --- d. the agency's type counts, not the role alone -------------------------------------------------------------------


def test_a_school_analyst_cannot_read_police_person_records(ws: Workspace) -> None:
    with pytest.raises(NotFound) as hidden:
        get_person(ws, SCHOOL_ANALYST, POLICE, "C05")
    with pytest.raises(NotFound) as absent:
        get_person(ws, SCHOOL_ANALYST, POLICE, "NOBODY")
    assert str(hidden.value).replace("C05", "X") == str(absent.value).replace("NOBODY", "X")
    assert get_person(ws, SCHOOL_ANALYST, SCHOOL, "C05")["family_name"] == "FamilyC05"  # their own
    assert get_person(ws, ANALYST, POLICE, "C05")["family_name"] == "FamilyC05"
    refused = [d for u, s, d in _audited(ws, "read_person") if u == "data" and s == f"{POLICE}:C05"]
    assert refused and json.loads(refused[-1])["refused"] == "need to know"


@pytest.mark.parametrize("call", [
    lambda ws: sg.risk_detail(ws, SCHOOL_ANALYST, "N-C21"),
    lambda ws: sg.risk_list(ws, SCHOOL_ANALYST),
    lambda ws: sg.peer_groups(ws, SCHOOL_ANALYST),
    lambda ws: line_service.list_lines(ws, SCHOOL_ANALYST),
    lambda ws: line_service.line_detail(ws, SCHOOL_ANALYST, "L1"),
    lambda ws: line_service.list_applications(ws, SCHOOL_ANALYST),
], ids=["risk_detail", "risk_list", "peer_groups", "lines", "line_detail", "ddtro"])
def test_police_intelligence_and_comms_are_police_only(ws: Workspace, call: object) -> None:
    assert callable(call)
    with pytest.raises(NotAllowed, match="police and national agencies only"):
        call(ws)


def test_exports_are_police_only(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NotAllowed):
        export(ws, SCHOOL_ANALYST, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_alerts_for_a_partner_analyst_are_those_addressed_to_their_agency(ws: Workspace) -> None:
    from crossline.access.actor import LOCAL_ADMIN
    from crossline.casework import alerts as casework_alerts
    from crossline.stages.stage import raise_alerts

    with ws.engine.begin() as conn:  # one alert for the council alone, one line alert for the police
        raise_alerts(conn, LOCAL_ADMIN, casework_alerts.frame([
            {"kind": "safeguarding_risk", "subject_type": "nominal", "subject_id": "N-C31", "agencies": COUNCIL,
             "details": {"band": "high", "message": "N-C31: test alert for the council"}},
            {"kind": "ddtro_successor", "subject_type": "line", "subject_id": "L1", "agencies": POLICE,
             "details": {"number": LINE, "message": "L1: a new number"}},
        ]))
    mine = alert_service.list_alerts(ws, SCHOOL_ANALYST, status=None)
    everything = alert_service.list_alerts(ws, ANALYST, status=None)
    assert len(everything) > len(mine)
    assert all(r["kind"] == "safeguarding_risk" for r in mine)
    assert {r["alert_id"] for r in mine} == {r["alert_id"] for r in alert_service.list_alerts(ws, SCHOOL_LEAD, status=None)}


# --- e. handling code C never reaches a partner-facing reason or score --------------------------------------------------


def test_c_coded_council_records_are_left_out_of_partner_reasons_and_score(ws: Workspace) -> None:
    risk = current(ws, "risk").filter(pl.col("nominal_id") == "N-C19").row(0, named=True)
    assert "exploitation concerns" in risk["reasons"]  # the analysts' reasons keep it
    assert "concerns of exploitation" not in risk["partner_reasons"]
    assert risk["partner_score"] < risk["score"]
    view = sg.partner_view(ws, SCHOOL_LEAD, "N-C19")
    dumped = json.dumps(view, default=str)
    assert "concerns of exploitation" not in dumped and "consent needed" not in dumped.lower()
    assert view["risk"]["band"] == risk["partner_band"]


def test_c_coded_records_are_shown_to_their_owner_with_their_conditions(ws: Workspace) -> None:
    own = sg.partner_view(ws, COUNCIL_LEAD, "N-C19")["risk"]["conditional"]
    assert own == [{"reason": "a partner has raised concerns of exploitation", "agency": COUNCIL,
                    "conditions": "Children's services consent needed."}]
    detail = sg.risk_detail(ws, ANALYST, "N-C19")
    coded = [e for e in detail["evidence"] if e["handling_code"] == "C"]
    assert coded and coded[0]["handling_conditions"] == "Children's services consent needed."


def test_alerts_rest_on_the_partner_score(ws: Workspace) -> None:
    raised = current(ws, "risk_alerts")
    risk = current(ws, "risk").join(raised.select("nominal_id"), on="nominal_id", how="semi")
    assert risk.height and (risk["partner_band"].is_in(["high", "very_high"])).all()


# --- f. every function returning personal data takes an Actor, checks policy and audits ------------------------------


def test_suspect_status_is_police_only_and_audited(ws: Workspace) -> None:
    with pytest.raises(NotAllowed):
        sg.suspect_in(ws, SCHOOL_LEAD, "N-C07")
    events = sg.suspect_in(ws, POLICE_LEAD, "N-C07")
    assert [t for t, _ in events] == ["arrest"]
    assert ("pc1", "N-C07") in [(u, s) for u, s, _ in _audited(ws, "read_suspect_status")]


def test_linked_nominals_are_police_only_and_audited(ws: Workspace) -> None:
    with pytest.raises(NotAllowed):
        line_service.linked_nominals(ws, SCHOOL_ANALYST, [LINE], [])
    line_service.linked_nominals(ws, ANALYST, [LINE], [])
    assert any(u == "ana" and LINE in s for u, s, _ in _audited(ws, "read_linked_nominals"))
