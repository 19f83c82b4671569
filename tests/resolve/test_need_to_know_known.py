"""Issue 12, item 3 b and f: "is this child known?" tells a partner known or not and who holds records, never the police's
record ids or reasons by field; reading one pair of the review queue is police-only and audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from crossline.access.actor import Actor
from crossline.errors import NotAllowed
from crossline.service import resolve as svc
from crossline.stages.resolve.known import KnownResult
from resolve_support import Resolved

SCHOOL_LEAD = Actor("dsl", "case-school", "safeguarding")  # an education agency of the resolve cases
POLICE_LEAD = Actor("pc", "case-police", "safeguarding")
BILL = {"given_name": "Bill", "family_name": "Tregarthen", "date_of_birth": "1990-04-17"}  # records at case-police and case-health


def test_a_partner_is_told_known_and_which_kinds_of_agency_hold_records(resolved: Resolved) -> None:
    answer = svc.match_record(resolved.ws, SCHOOL_LEAD, BILL)
    assert isinstance(answer, svc.KnownSummary)
    assert answer.known and answer.held_by == ["health", "police"] and "safeguarding lead" in answer.what_to_do
    dumped = json.dumps(answer.__dict__)
    for leaked in ("CP-3", "CH-1", "case-police", "case-health", resolved.nominal("case-police", "CP-3"), "probability", "Date of birth"):
        assert leaked not in dumped


def test_a_partner_is_told_not_known(resolved: Resolved) -> None:
    answer = svc.match_record(resolved.ws, SCHOOL_LEAD, {"given_name": "Peredur", "family_name": "Quenby", "date_of_birth": "2011-01-30",
                                                         "postcode": "NP7 9ZZ"})
    assert isinstance(answer, svc.KnownSummary) and not answer.known and answer.held_by == []


def test_police_get_the_candidates_and_reasons(resolved: Resolved) -> None:
    svc.match_record(resolved.ws, SCHOOL_LEAD, BILL)  # the partner's summary too, whichever test ran first
    result = svc.match_record(resolved.ws, POLICE_LEAD, BILL)
    assert isinstance(result, KnownResult) and result.known
    assert result.candidates[0].nominal_id == resolved.nominal("case-police", "CP-3") and result.candidates[0].reasons()
    with resolved.ws.engine.connect() as conn:
        disclosed = [json.loads(d)["disclosed"] for (d,) in conn.execute(
            text("SELECT details FROM audit_log WHERE action = 'match_record' AND user IN ('dsl', 'pc') ORDER BY seq"))]
    assert "summary" in disclosed and "detail" in disclosed


def test_reading_one_review_pair_is_police_only_and_audited(resolved: Resolved) -> None:
    with pytest.raises(NotAllowed):
        svc.queue_item(resolved.ws, Actor("data", "case-school", "analyst"), 1)
    item = svc.queue_item(resolved.ws, Actor("ana", "case-police", "analyst"), 1)
    with resolved.ws.engine.connect() as conn:
        rows = conn.execute(text("SELECT user, details FROM audit_log WHERE action = 'read_review_pair' ORDER BY seq")).all()
    assert rows and rows[-1].user == "ana" and f"{item.source_a}:{item.record_a}" in rows[-1].details
