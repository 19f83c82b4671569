"""Casework on SQLite and PostgreSQL: the migration matches the models; referral and NRM workflows; dual status; audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from crossline.access.actor import Actor
from crossline.casework import models
from crossline.errors import CrosslineError, NotAllowed, NotFound
from crossline.service import safeguarding as sg
from crossline.workspace import Workspace
from risk_fixtures import COUNCIL, POLICE, SCHOOL, build_hand, hand_bundle

ANALYST = Actor("ana", POLICE, "analyst")
FIRST_RESPONDER = Actor("pc1", POLICE, "safeguarding")
MENTORS = Actor("mentor", "valleys-mentoring", "partner")
SCHOOL_LEAD = Actor("dsl", SCHOOL, "safeguarding")
CASEWORK_TABLES = ("referrals", "referral_updates", "interventions", "outcomes", "nrm_referrals", "nrm_decisions",
                   "safeguarding_flags", "alert_recipients")


def test_migration_0003_creates_the_models_tables(workspace: Workspace) -> None:
    insp = inspect(workspace.engine)
    tables = set(insp.get_table_names())
    assert set(CASEWORK_TABLES) <= tables
    for name in CASEWORK_TABLES:
        model = models.Base.metadata.tables[name]
        cols = {c["name"]: c for c in insp.get_columns(name)}
        assert set(cols) == {c.name for c in model.columns}, name
        for c in model.columns:
            assert cols[c.name]["nullable"] == c.nullable, f"{name}.{c.name}"
        assert set(insp.get_pk_constraint(name)["constrained_columns"]) == {c.name for c in model.primary_key.columns}
    with workspace.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() >= "0003"


@pytest.fixture
def built(workspace: Workspace, tmp_path: Path) -> Workspace:
    from sqlalchemy import insert

    from crossline.store.models import Agency

    build_hand(workspace, hand_bundle(tmp_path / "bundle"))
    with workspace.engine.begin() as conn:  # a charity that takes referrals but sent no data yet
        conn.execute(insert(Agency).values(agency_id="valleys-mentoring", name="Valleys Mentoring", type="charity", force_area="gwent"))
    return workspace


def test_referral_to_a_charity_accept_intervene_and_record_outcomes(built: Workspace) -> None:
    ref = sg.make_referral(built, ANALYST, "N-C40", "valleys-mentoring", "charity", "Missing three times; knife exclusion.", "mentoring")
    assert ref["status"] == "made"
    with pytest.raises(NotFound):  # a referral between two other agencies: as if it did not exist
        sg.decide_referral(built, SCHOOL_LEAD, ref["referral_id"], True, "not ours to accept")
    accepted = sg.decide_referral(built, MENTORS, ref["referral_id"], True, "Mentor available from next week.")
    assert accepted["status"] == "accepted" and accepted["decision_reason"] == "Mentor available from next week."
    with pytest.raises(CrosslineError, match="is accepted; it can be closed, not declined"):
        sg.decide_referral(built, MENTORS, ref["referral_id"], False, "changed our mind")
    iv = sg.start_intervention(built, MENTORS, ref["referral_id"], "2026-11-02")
    assert iv["programme"] == "mentoring" and iv["ended_at"] is None
    with pytest.raises(CrosslineError, match="cannot end"):
        sg.end_intervention(built, MENTORS, iv["intervention_id"], "2026-10-01", "completed")
    ended = sg.end_intervention(built, MENTORS, iv["intervention_id"], "2027-01-15", "completed")
    assert ended["ended_at"] == "2027-01-15"
    sg.record_outcome(built, MENTORS, "N-C40", "missing_episodes", "2027-02-01", 0, "No missing episodes since December.", iv["intervention_id"])
    sg.record_outcome(built, MENTORS, "N-C40", "engagement", "2027-02-01", None, "Attends every session.")
    detail = sg.risk_detail(built, ANALYST, "N-C40")
    assert [o["measure"] for o in detail["outcomes"]] == ["missing_episodes", "engagement"]
    history = sg.referral(built, ANALYST, ref["referral_id"])["history"]
    assert [h["status"] for h in history] == ["made", "accepted"]
    closed = sg.close_referral(built, MENTORS, ref["referral_id"], "Programme completed.")
    assert closed["status"] == "closed"
    view = sg.partner_view(built, MENTORS, "N-C40")  # the charity now has a referral for the child: need to know
    assert view["referrals"][0]["status"] == "closed" and view["interventions"][0]["end_reason"] == "completed"


def test_declining_needs_a_reason_and_ends_the_referral(built: Workspace) -> None:
    ref = sg.make_referral(built, ANALYST, "N-C05", SCHOOL, "school", "Searched with cash and phones.")
    with pytest.raises(CrosslineError, match="reason"):
        sg.decide_referral(built, SCHOOL_LEAD, ref["referral_id"], False, "  ")
    declined = sg.decide_referral(built, SCHOOL_LEAD, ref["referral_id"], False, "Already supported by the school's own mentor.")
    assert declined["status"] == "declined"
    with pytest.raises(CrosslineError, match="intervention starts only on an accepted referral"):
        sg.start_intervention(built, SCHOOL_LEAD, ref["referral_id"], "2026-11-01")
    with pytest.raises(CrosslineError, match="changed no further"):
        sg.close_referral(built, SCHOOL_LEAD, ref["referral_id"], "x")


BAD_REFERRALS = [  # (what is wrong, the message that says what to do)
    ({"service": "police"}, "unknown service"),
    ({"service": "charity", "programme": None}, "names its programme"),
    ({"programme": "boxing"}, "unknown programme"),
    ({"to_agency": "nobody"}, "unknown agency"),
    ({"nominal_id": "N-NOBODY"}, "no young person"),
    ({"reason": " "}, "reason for the referral is required"),
]


def test_bad_referrals_are_refused_with_what_to_do(built: Workspace) -> None:
    for bad, message in BAD_REFERRALS:
        args = {"nominal_id": "N-C05", "to_agency": COUNCIL, "service": "mash", "reason": "Concerns.", "programme": None, **bad}
        with pytest.raises(CrosslineError, match=message):
            sg.make_referral(built, ANALYST, **args)
    assert sg.list_referrals(built, ANALYST) == []  # nothing half-written


def test_partners_cannot_refer_and_analysts_cannot_accept(built: Workspace) -> None:
    with pytest.raises(NotAllowed):
        sg.make_referral(built, MENTORS, "N-C05", COUNCIL, "mash", "x")
    ref = sg.make_referral(built, ANALYST, "N-C05", COUNCIL, "mash", "Searched with cash and phones.")
    with pytest.raises(NotAllowed):
        sg.decide_referral(built, ANALYST, ref["referral_id"], True, "x")


def test_nrm_referral_of_a_child_suspect_flags_dual_status(built: Workspace) -> None:
    # C07 was arrested for supply; nothing else marks them as a potential victim until the NRM referral
    before = sg.record_context(built, Actor("pc2", POLICE, "admin"), POLICE, "C07")["safeguarding"]["flags"]
    assert before == []
    nrm = sg.record_nrm(built, FIRST_RESPONDER, "N-C07", "Found holding drugs for older males; county lines.", "2026-11-01")
    assert nrm["reasonable_grounds"] == "pending" and nrm["dual_status_flagged"] and nrm["flag_new"]
    opened = sg.record_context(built, Actor("pc3", POLICE, "admin"), POLICE, "C07")
    flags = opened["safeguarding"]["flags"]
    assert len(flags) == 1 and "also a suspect (arrest" in flags[0]["reason"] and "safeguard first" in flags[0]["reason"]
    assert opened["safeguarding"]["nrm"][0]["nrm_id"] == nrm["nrm_id"]
    with pytest.raises(CrosslineError, match="follows a positive reasonable grounds"):
        sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "conclusive", "positive", "2026-12-01")
    with pytest.raises(CrosslineError, match="cannot come before"):
        sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "reasonable", "positive", "2026-10-01")
    sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "reasonable", "positive", "2026-11-06", "Reasonable grounds met.")
    with pytest.raises(CrosslineError, match="already positive"):
        sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "reasonable", "negative", "2026-11-07")
    done = sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "conclusive", "positive", "2027-03-01")
    assert (done["reasonable_grounds"], done["conclusive_grounds"]) == ("positive", "positive")
    shown = sg.nrm_for(built, FIRST_RESPONDER, "N-C07")
    assert [d["stage"] for d in shown[0]["decisions"]] == ["reasonable", "conclusive"]


def test_nrm_referral_of_a_child_who_is_no_suspect_raises_no_flag(built: Workspace) -> None:
    nrm = sg.record_nrm(built, FIRST_RESPONDER, "N-C01", "Missing; found with older males.", "2026-11-01")
    assert not nrm["dual_status_flagged"]
    negative = sg.record_nrm_decision(built, FIRST_RESPONDER, nrm["nrm_id"], "reasonable", "negative", "2026-11-03")
    assert negative["conclusive_grounds"] == "not_reached"


def test_nrm_referral_counts_in_the_next_build(built: Workspace) -> None:
    from crossline.access.actor import LOCAL_ADMIN
    from crossline.evaluate.truth import build_risk_with
    from risk_fixtures import current, hand_lines, hand_nominals

    sg.record_nrm(built, FIRST_RESPONDER, "N-C08", "Shoplifting to order for an older group.", "2026-10-30")
    build_risk_with(built, LOCAL_ADMIN, {"nominals": hand_nominals(built), **hand_lines()})
    row = current(built, "risk").filter(current(built, "risk")["nominal_id"] == "N-C08").to_dicts()[0]
    assert "nrm_referral" in row["indicators"]


def test_every_change_is_audited(built: Workspace) -> None:
    ref = sg.make_referral(built, ANALYST, "N-C05", COUNCIL, "mash", "Searched with cash and phones.")
    sg.decide_referral(built, Actor("sw", COUNCIL, "safeguarding"), ref["referral_id"], True, "MASH will assess.")
    sg.record_nrm(built, FIRST_RESPONDER, "N-C05", "Cash and phones; county lines.", "2026-11-01")
    with built.engine.connect() as conn:
        actions = [a for (a,) in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    for action in ("make_referral", "referral_accepted", "nrm_referral", "raise_flag", "alert_raise"):
        assert action in actions
    from crossline.service.audit import verify

    assert verify(built, Actor("aud", "local", "auditor")).ok
