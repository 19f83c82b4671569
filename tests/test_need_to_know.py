"""The need-to-know tables themselves: pure answers for each standing, and docs/need-to-know.md shows the tables the code holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossline.access import need_to_know as ntk
from crossline.access.actor import Actor
from crossline.access.policy import POLICE_ONLY, permissions_markdown, require
from crossline.errors import NotAllowed

ROOT = Path(__file__).resolve().parents[1]
POLICE = ntk.Viewer(Actor("ana", "gwent-police", "analyst"), "police")
NCA = ntk.Viewer(Actor("n", "nca", "safeguarding"), "nca")
SCHOOL_ANALYST = ntk.Viewer(Actor("data", "v-school", "analyst"), "education")
POLICE_PARTNER_ACCOUNT = ntk.Viewer(Actor("p", "gwent-police", "partner"), "police")
UNKNOWN_AGENCY = ntk.Viewer(Actor("x", "made-up", "analyst"), None)
ADMIN = ntk.Viewer(Actor("root", "local", "admin"), None)
AUDITOR = ntk.Viewer(Actor("aud", "gwent-police", "auditor"), "police")

INTEL = ntk.RecordRef("gwent-police", "event", "intelligence", "P")
COUNCIL_C = ntk.RecordRef("gv-council", "event", "safeguarding_referral", "C", "Consent needed.")
COUNCIL_C_BARE = ntk.RecordRef("gv-council", "event", "safeguarding_referral", "C", " ")
SCHOOL_PERSON = ntk.RecordRef("v-school", "person")


def test_standing_is_role_and_agency_type_together() -> None:
    assert [v.standing for v in (POLICE, NCA, SCHOOL_ANALYST, POLICE_PARTNER_ACCOUNT, UNKNOWN_AGENCY, ADMIN, AUDITOR)] == [
        "police", "police", "partner", "partner", "partner", "admin", "auditor"]


@pytest.mark.parametrize(("viewer", "record", "sees"), [
    (POLICE, INTEL, True), (SCHOOL_ANALYST, INTEL, False), (SCHOOL_ANALYST, SCHOOL_PERSON, True),
    (SCHOOL_ANALYST, ntk.RecordRef("gwent-police", "person"), False), (SCHOOL_ANALYST, ntk.RecordRef("gwent-police", "comms"), False),
    (POLICE, COUNCIL_C, True), (POLICE, COUNCIL_C_BARE, False), (SCHOOL_ANALYST, COUNCIL_C, False),
    (ntk.Viewer(Actor("sw", "gv-council", "safeguarding"), "local_authority"), COUNCIL_C_BARE, True),  # the owner
    (AUDITOR, INTEL, False), (ADMIN, INTEL, True),
])
def test_can_see_record(viewer: ntk.Viewer, record: ntk.RecordRef, sees: bool) -> None:
    assert ntk.can_see_record(viewer, record) is sees


def test_knowing_a_child_needs_a_record_or_something_addressed_to_the_agency() -> None:
    assert ntk.knows_child(POLICE, [], [])
    assert not ntk.knows_child(SCHOOL_ANALYST, ["gwent-police"], ["gv-council"])
    assert ntk.knows_child(SCHOOL_ANALYST, ["gwent-police", "v-school"], [])
    assert ntk.knows_child(SCHOOL_ANALYST, [], ["v-school"])
    assert not ntk.knows_child(AUDITOR, ["gwent-police"], [])


def test_disclosure_and_visible_agencies() -> None:
    assert (ntk.disclosure(POLICE), ntk.disclosure(SCHOOL_ANALYST)) == ("detail", "summary")
    agencies = ["gwent-police", "v-school", "gv-council"]
    assert ntk.visible_agencies(SCHOOL_ANALYST, agencies) == {"v-school"}
    assert ntk.visible_agencies(POLICE, agencies) == set(agencies)
    assert ntk.holder_types(["gwent-police", "v-school", "x"], {"gwent-police": "police", "v-school": "education"}) == [
        "education", "other", "police"]


def test_police_only_permissions_need_standing_and_a_bare_actor_fails_closed() -> None:
    for permission in POLICE_ONLY:
        require(POLICE if permission != "read_suspect_status" else NCA, permission)
        require(ADMIN.actor, permission)
        with pytest.raises(NotAllowed):
            require(SCHOOL_ANALYST, permission)
        with pytest.raises(NotAllowed):
            require(POLICE.actor, permission)  # no agency type given: refused


def _between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0].strip()


def test_the_docs_page_shows_the_tables_the_code_holds() -> None:
    page = (ROOT / "docs" / "need-to-know.md").read_text(encoding="utf-8")
    assert _between(page, "from need_to_know.RULES; tests/test_need_to_know.py keeps them the same -->", "<!-- end rules -->") == \
        ntk.rules_markdown()
    assert _between(page, "from policy.PERMISSIONS and POLICE_ONLY -->", "<!-- end permissions -->") == permissions_markdown()
