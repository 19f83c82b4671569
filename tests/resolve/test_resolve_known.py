""""Is this child known?" and the review commands, against the resolved scenario, as a user runs them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.cli import app
from crossline.errors import InvalidInput, NotAllowed
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


def test_resolve_brother_of_one_name_is_not_taken_for_his_brother(resolved: Resolved) -> None:
    """Asked about Jaden, the practitioner finds Jaden, not his elder brother Jayden of the same home (namesakes guard)."""
    result = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Jaden", "family_name": "Pengelly", "date_of_birth": "2011-02-08", "postcode": "CF82 7AB",
        "address": "3 Heol y Nant",
    })
    assert result.known and result.candidates[0].nominal_id == resolved.nominal("case-council", "CC-41")
    elder = resolved.nominal("case-council", "CC-40")
    assert all(c.nominal_id != elder or c.match_probability < 0.9 for c in result.candidates)


def test_resolve_known_child_whose_nominal_holds_a_wholly_wrong_date(resolved: Resolved) -> None:
    """Her school keyed her mother's date into her record; the UPN tied it to her. Asked with her own date, she is known."""
    girl = resolved.nominal("case-health", "CH-50")
    assert resolved.nominal("case-school", "CS-50") == girl  # the build joined the record, its date a lone error
    result = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Morwenna", "family_name": "Polglase", "date_of_birth": "2010-04-12", "postcode": "NP22 3QR",
    })
    assert result.known and result.candidates[0].nominal_id == girl
    # asked with her year of birth alone (an approximate age), her nominal is still a candidate, not left out
    by_year = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Morwenna", "family_name": "Polglase", "date_of_birth": "2010", "postcode": "NP22 3QR",
    })
    assert by_year.candidates and by_year.candidates[0].nominal_id == girl
    assert result.excluded == by_year.excluded == 0  # her own record with the wrong date is no one "alike left out"
    # asked with the mother's date, the girl's own records rule it out: not her
    other = svc.match_record(resolved.ws, LOCAL_ADMIN, {
        "given_name": "Morwenna", "family_name": "Polglase", "date_of_birth": "1983-09-27", "postcode": "NP22 3QR",
    })
    assert all(c.nominal_id != girl for c in other.candidates)


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
    assert "Decision" in decided.output and "not the same person" in " ".join(decided.output.split())
    both = runner.invoke(app, ["review", "decide", "1", "--same", "--different", "--reason", "x", *ws])
    assert both.exit_code != 0
    listed = runner.invoke(app, ["review", "decisions", *ws])
    assert listed.exit_code == 0 and "1 decision(s)" in listed.output and "different" in listed.output


# Issue 13 item 6: every way a practitioner asks finds the child (Corey Pendlebury: school CS-18 and health CH-18).
COREY = {"given_name": "Corey", "family_name": "Pendlebury"}
ASKED = [
    ("given and family name", COREY),
    ("misspelt family name", {"given_name": "Corey", "family_name": "Pendelbury"}),
    ("family name and postcode", {"family_name": "Pendlebury", "postcode": "CF83 1PP"}),
    ("date of birth", {"date_of_birth": "2011-09-20"}),
    ("family name and year of birth", {"family_name": "Pendlebury", "date_of_birth": "2011"}),
    ("given name and year of birth", {"given_name": "Corey", "date_of_birth": "2011"}),
    ("NHS number alone", {"nhs_number": "4020000093"}),
    ("address", {"address": "9 Bryn Teg", "postcode": "CF83 1PP"}),
]


@pytest.mark.parametrize(("how", "record"), ASKED, ids=[h for h, _ in ASKED])
def test_resolve_known_never_says_not_known_for_a_known_child(resolved: Resolved, how: str, record: dict[str, str]) -> None:
    result = svc.match_record(resolved.ws, LOCAL_ADMIN, record)
    wanted = resolved.nominal("case-health", "CH-18")
    assert result.status in ("known", "cannot tell"), (how, result.status)
    assert wanted in [c.nominal_id for c in result.candidates], how
    found = next(c for c in result.candidates if c.nominal_id == wanted)
    assert found.agencies == ["case-health", "case-school"]


def test_resolve_known_by_name_and_an_age_asks_both_years_it_allows(resolved: Resolved) -> None:
    """A referral says "Corey Pendlebury, 14": on 1 June 2026 a fourteen-year-old was born in 2011 or 2012 (Corey:
    2011-09-20, his birthday still to come). Both years are asked; the year 2026 - 14 alone misses him."""
    wanted = resolved.nominal("case-health", "CH-18")
    aged = svc.match_record(resolved.ws, LOCAL_ADMIN, COREY, age=14, on=date(2026, 6, 1))
    assert aged.born_in == [2011, 2012] and aged.candidates[0].nominal_id == wanted and aged.status == "known"
    naive = svc.match_record(resolved.ws, LOCAL_ADMIN, {**COREY, "date_of_birth": "2012"})  # his year of birth disagrees
    assert not naive.known and naive.status == "cannot tell"
    # fifteen on 1 December 2026 (his birthday passed): 2010 or 2011
    assert svc.match_record(resolved.ws, LOCAL_ADMIN, COREY, age=15, on=date(2026, 12, 1)).candidates[0].nominal_id == wanted
    # forty: both years a generation from his, so he is left out, and counted so
    old = svc.match_record(resolved.ws, LOCAL_ADMIN, COREY, age=40, on=date(2026, 6, 1))
    assert wanted not in [c.nominal_id for c in old.candidates] and old.excluded >= 1
    with pytest.raises(InvalidInput, match="a date of birth or an age, not both"):
        svc.match_record(resolved.ws, LOCAL_ADMIN, {**COREY, "date_of_birth": "2011"}, age=14)
    with pytest.raises(InvalidInput, match="is no age"):
        svc.match_record(resolved.ws, LOCAL_ADMIN, COREY, age=-1)
    # from the command line, the age is today's
    today = date.today()
    age = today.year - 2011 - ((today.month, today.day) < (9, 20))
    out = runner.invoke(app, ["known", "--given-name", "Corey", "--family-name", "Pendlebury", "--age", str(age),
                              "--workspace", str(resolved.ws.path)])
    assert out.exit_code == 0, out.output
    flat = " ".join(out.output.split())
    assert f"Aged {age} today: born in {today.year - age - 1} or {today.year - age}, both asked." in flat and wanted in flat


def test_resolve_known_by_phone_and_by_name_and_phone(resolved: Resolved) -> None:
    """Jade Ormsby: council CC-3 and the youth charity's CY-3 (no date of birth), phone 07700 900444."""
    wanted = resolved.nominal("case-council", "CC-3")
    by_phone = svc.match_record(resolved.ws, LOCAL_ADMIN, {"phone": "07700 900444"})
    assert by_phone.status == "cannot tell" and by_phone.advice == "cannot tell: add a date of birth or an address"
    assert wanted in [c.nominal_id for c in by_phone.candidates]
    both = svc.match_record(resolved.ws, LOCAL_ADMIN, {"given_name": "Jade", "family_name": "Ormsby", "phone": "07700 900444"})
    assert both.known and both.candidates[0].nominal_id == wanted


def test_resolve_known_by_name_and_address_without_a_postcode(resolved: Resolved) -> None:
    """A practitioner who knows the house but not the postcode: the same house counts, and only the date is asked for.

    The asked record names no town or postcode, so nothing says the area differs; it was scored "different area"
    (-5.4 bits, below the name alone) and told to "add a date of birth or an address" it had given.
    """
    wanted = resolved.nominal("case-health", "CH-18")
    name = {"given_name": "Corey", "family_name": "Pendlebury"}
    alone = svc.match_record(resolved.ws, LOCAL_ADMIN, name)
    housed = svc.match_record(resolved.ws, LOCAL_ADMIN, {**name, "address": "9 Bryn Teg"})
    best = next(c for c in housed.candidates if c.nominal_id == wanted)
    assert housed.candidates[0].nominal_id == wanted
    assert best.match_probability > next(c for c in alone.candidates if c.nominal_id == wanted).match_probability
    assert "different area" not in " ".join(best.reasons())
    assert housed.known or housed.advice == "cannot tell: add a date of birth"
    dated = svc.match_record(resolved.ws, LOCAL_ADMIN, {"family_name": "Pendlebury", "date_of_birth": "2011-09-20"})
    assert dated.known or dated.advice == "cannot tell: add an address or a postcode"


@pytest.mark.parametrize(
    ("asked", "wanted"),
    [
        ({"given_name": "corey"}, "cannot tell: add a date of birth or an address"),
        ({"given_name": "corey", "address": "9 bryn teg"}, "cannot tell: add a date of birth"),
        ({"given_name": "corey", "postcode": "CF83 1PP", "dob_year": "2011"}, "cannot tell: add the given and the family name"),
        ({"family_name": "pendlebury", "dob_year": "2011"}, "cannot tell: add an address or a postcode"),
    ],
)
def test_resolve_known_asks_only_for_what_the_question_lacks(asked: dict[str, str], wanted: str) -> None:
    from crossline.stages.resolve.known import advice

    assert advice(asked) == wanted


def test_resolve_known_by_pnc_and_never_a_candidate_breaking_a_constraint(resolved: Resolved) -> None:
    """Asked about the son (his date of birth), the father's nominal (45 years older) is never a candidate."""
    by_pnc = svc.match_record(resolved.ws, LOCAL_ADMIN, {"pnc_id": "98/765432K"})
    assert by_pnc.status in ("known", "cannot tell") and by_pnc.candidates[0].nominal_id == resolved.nominal("case-police", "CP-10")
    son = svc.match_record(resolved.ws, LOCAL_ADMIN, {"given_name": "Bradley", "family_name": "Ashcombe",
                                                      "date_of_birth": "2013-05-01", "postcode": "NP20 5AB"})
    assert son.known and son.candidates[0].nominal_id == resolved.nominal("case-school", "CS-10")
    assert resolved.nominal("case-police", "CP-10") not in [c.nominal_id for c in son.candidates]
    assert son.excluded >= 1


def test_resolve_known_cli_says_cannot_tell(resolved: Resolved) -> None:
    out = runner.invoke(app, ["known", "--phone", "07700 900444", "--workspace", str(resolved.ws.path)])
    assert out.exit_code == 0, out.output
    assert "Cannot tell: add a date of birth or an address" in " ".join(out.output.split()) and "Not known" not in out.output


def test_resolve_known_says_how_many_candidates_the_limit_left_out(resolved: Resolved) -> None:
    """Asked by the name father and son share, with room for one answer: the count says there is more to see."""
    bradley = {"given_name": "Bradley", "family_name": "Ashcombe"}
    asked = svc.match_record(resolved.ws, LOCAL_ADMIN, bradley, limit=1)
    shown = [c.nominal_id for c in asked.candidates]
    assert asked.status == "cannot tell" and len(shown) == 1 and asked.nominals >= 2
    every = svc.match_record(resolved.ws, LOCAL_ADMIN, bradley, limit=asked.nominals)
    assert {resolved.nominal("case-police", "CP-10"), resolved.nominal("case-school", "CS-10")} <= {c.nominal_id for c in every.candidates}
    out = runner.invoke(app, ["known", "--given-name", "Bradley", "--family-name", "Ashcombe", "--limit", "1", "--workspace", str(resolved.ws.path)])
    assert out.exit_code == 0, out.output
    assert f"1 of {asked.nominals} candidate nominals shown" in " ".join(out.output.split()), out.output


def test_a_mistyped_identifier_is_pointed_out_not_taken_for_not_known(resolved: Resolved) -> None:
    """Corey's NHS number with two digits swapped fails its check digit; a PNC id without its letter is no PNC id."""
    slip = svc.match_record(resolved.ws, LOCAL_ADMIN, {"nhs_number": "4020000039", "pnc_id": "98/765432"})
    assert slip.status == "cannot tell" and len(slip.doubts) == 2
    assert "NHS number 4020000039 is not a valid one" in slip.doubts[0] and "PNC id 98/765432" in slip.doubts[1]
    assert svc.match_record(resolved.ws, LOCAL_ADMIN, {"nhs_number": "4020000093"}).doubts == []  # the right one
    told = svc.match_record(resolved.ws, Actor("dsl", "case-school", "safeguarding"), {"nhs_number": "4020000039"})  # a partner is told too
    assert isinstance(told, svc.KnownSummary) and told.doubts and "4020000039" in told.doubts[0]
    out = runner.invoke(app, ["known", "--nhs", "4020000039", "--workspace", str(resolved.ws.path)])
    assert out.exit_code == 0 and "is not a valid one" in " ".join(out.output.split()), out.output


def test_the_records_a_lookup_reads_are_stored_by_family_name_in_small_row_groups(resolved: Resolved) -> None:
    """A lookup's second pass reads its candidates' rows; with the file sorted by family name in small row groups, the
    reader skips the row groups of other names (``known.RECORDS_ROW_GROUP``). Every record is there, once."""
    import polars as pl
    import pyarrow.parquet as pq

    from crossline.stages.resolve.known import RECORDS_ROW_GROUP, _in_families
    from crossline.store import picture as picture_store

    path = picture_store.current_table(resolved.ws.engine, resolved.ws.path, "resolve_records")
    assert path is not None
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups >= 2 and max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= RECORDS_ROW_GROUP
    stored = pl.read_parquet(path, columns=["unique_id", "family_name", "given_name"])
    assert stored.height == stored["unique_id"].n_unique() == resolved.table("nominals").height
    assert stored.equals(stored.sort("family_name", "given_name", "unique_id", nulls_last=True))
    assert _in_families(["o'brien", "pellow"]) == "family_name IN ('o''brien', 'pellow') AND"
    assert _in_families(["pellow", None]) == ""  # a candidate with no family name: no filter, every row group read
