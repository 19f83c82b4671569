""""Is this child known?" and the review commands, against the resolved scenario, as a user runs them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.cli import app
from crossline.errors import NotAllowed
from crossline.service import resolve as svc
from resolve_support import Resolved

runner = CliRunner()


def test_resolve_known_child_is_found(resolved: Resolved) -> None:
    """A referral spelling the name another way, with the date the wrong way round, finds the child's nominal."""
    safeguarding = Actor("sam", "gwent-police", "safeguarding")  # police standing: the detail (partners: test_need_to_know_known.py)
    result = svc.match_record(resolved.ws, safeguarding, {
        "given_name": "Osian", "family_name": "PENHALLOW", "date_of_birth": "2010-07-03", "postcode": "np23 5tg",
    })
    assert result.known
    assert result.candidates[0].nominal_id == resolved.nominal("case-school", "CS-2")
    assert result.candidates[0].records_in_nominal == 2
    reasons = result.candidates[0].reasons()
    assert any(line.startswith("Date of birth") for line in reasons)
    with resolved.ws.engine.connect() as conn:
        entry = conn.execute(text("SELECT details FROM audit_log WHERE action = 'match_record' ORDER BY seq DESC")).first()
    assert entry is not None and resolved.nominal("case-school", "CS-2") in entry.details


def test_resolve_unknown_child_is_not_known(resolved: Resolved) -> None:
    result = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Peredur", "family_name": "Quenby", "date_of_birth": "2011-01-30", "postcode": "NP7 9ZZ",
    })
    assert not result.known


def test_resolve_twin_is_not_taken_for_her_sister(resolved: Resolved) -> None:
    result = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Mali", "family_name": "Trevaskis", "date_of_birth": "2012-08-19", "postcode": "NP13 2PX",
        "address": "6 Gwern Close",
    })
    assert result.known and result.candidates[0].nominal_id == resolved.nominal("case-school", "CS-5")
    assert all(c.nominal_id != resolved.nominal("case-school", "CS-4") or c.match_probability < 0.9
               for c in result.candidates)


def test_resolve_matching_checks_policy(resolved: Resolved) -> None:
    with pytest.raises(NotAllowed):
        svc.match_record(resolved.ws, Actor("pat", "x", "auditor"), {"given_name": "Osian"})


def test_resolve_cli_review_and_known(resolved: Resolved) -> None:
    ws = ["--workspace", str(resolved.ws.path)]
    listed = runner.invoke(app, ["review", "-n", "2", *ws])
    assert listed.exit_code == 0, listed.output
    assert "Before looking at any field" in listed.output and "#1" in listed.output
    known = runner.invoke(app, ["known", "--given-name", "Bill", "--family-name", "Tregarthen", "--dob", "1990-04-17", *ws])
    assert known.exit_code == 0, known.output
    assert "Known" in known.output and resolved.nominal("case-police", "CP-3") in known.output
    decided = runner.invoke(app, ["review", "decide", "1", "--different", "--reason", "checked by the test", *ws])
    assert decided.exit_code == 0, decided.output
    assert "Decision" in decided.output and "not the same person" in decided.output
    both = runner.invoke(app, ["review", "decide", "1", "--same", "--different", "--reason", "x", *ws])
    assert both.exit_code != 0
    listed = runner.invoke(app, ["review", "decisions", *ws])
    assert listed.exit_code == 0 and "1 decision(s)" in listed.output and "different" in listed.output
