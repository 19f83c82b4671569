"""Names where people need them, under need to know; ids by a unique start; the nominal_people export."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from crossline.access.actor import Actor
from crossline.access.policy import viewer
from crossline.errors import NotFound
from crossline.service import people
from crossline.service import safeguarding as sg
from crossline.service.ids import AmbiguousId, resolve
from crossline.workspace import Workspace
from risk_fixtures import POLICE, SCHOOL, current

PARTNER = Actor("teacher", SCHOOL, "partner")
ANALYST = Actor("ana", POLICE, "analyst")


def test_a_partner_is_told_only_names_its_own_agency_holds(hand_ws: Workspace) -> None:
    nominals = current(hand_ws, "nominals")
    ids = sorted(nominals["nominal_id"].cast(pl.String).unique().to_list())
    police = people.who(hand_ws, viewer(hand_ws.engine, ANALYST), ids)
    school = people.who(hand_ws, viewer(hand_ws.engine, PARTNER), ids)
    held = {n: set(g) for n, g in nominals.group_by("nominal_id").agg(pl.col("source")).iter_rows()}
    assert any(police[n].name for n in ids)
    for n in ids:
        assert set(police[n].sources) <= held[n] and set(school[n].sources) <= {SCHOOL}
        if SCHOOL not in held[n]:
            assert school[n].name == "" and school[n].date_of_birth is None, "a partner never learns a name another agency holds"
    assert any(school[n].name for n in ids if SCHOOL in held[n])


def test_a_partner_gives_the_whole_id(hand_ws: Workspace) -> None:
    """A start of an id is resolved for those who may know any child; for a partner, listing candidates would tell of others."""
    with pytest.raises(AmbiguousId) as many:
        sg.risk_detail(hand_ws, ANALYST, "N-C")
    assert len(many.value.candidates) > 1
    with pytest.raises(NotFound):
        sg.partner_view(hand_ws, PARTNER, "N-C")


def test_ids_by_a_unique_start_or_a_phone_number() -> None:
    pool = ["DL-0a1", "DL-0a2", "DL-1bc", "DL-1"]
    assert resolve("line", "DL-1", pool) == "DL-1"  # exact wins over the longer id it starts
    assert resolve("line", "dl-1b", pool) == "DL-1bc"
    with pytest.raises(AmbiguousId) as many:
        resolve("line", "DL-0", pool)
    assert many.value.candidates == ["DL-0a1", "DL-0a2"] and "DL-0a1, DL-0a2" in str(many.value)
    with pytest.raises(NotFound):
        resolve("line", "DL-9", pool)
    aliases = {"+447700900123": "DL-0a1", "+447700900456": "DL-1bc"}
    assert resolve("line", "+447700900123", pool, aliases=aliases) == "DL-0a1"
    assert resolve("line", "07700 900456", pool, aliases=aliases) == "DL-1bc"


def test_nominal_people_takes_the_commonest_name_and_full_date() -> None:
    nominals = pl.DataFrame({"nominal_id": ["N1", "N1", "N1", "N2"], "source": ["a", "b", "c", "a"], "record_id": ["1", "2", "3", "4"]})
    persons = pl.DataFrame({
        "source": ["a", "b", "c", "a"], "record_id": ["1", "2", "3", "4"],
        "given_name": ["Cai", "Cai", "Kai", None], "family_name": ["Morgan", "Morgan", "Morgan", None],
        "date_of_birth": ["2010", "2010-04-02", "2010-04-02", None],
    })
    out = people.nominal_people(nominals, persons)
    assert out.columns == ["nominal_id", "display_name", "date_of_birth", "sources"]
    assert out.row(0) == ("N1", "Cai Morgan", "2010-04-02", "a;b;c")
    assert out.row(1) == ("N2", "", None, "a")


def test_nominal_people_of_one_record_is_that_record_in_nominal_order() -> None:
    """Nominals of one record take a shorter path than the rest; both come out alike and in nominal order."""
    nominals = pl.DataFrame({"nominal_id": ["N3", "N1", "N2", "N2"], "source": ["a", "b", "a", "c"], "record_id": ["1", "2", "3", "4"]})
    persons = pl.DataFrame({
        "source": ["a", "b", "a", "c"], "record_id": ["1", "2", "3", "4"],
        "given_name": [" Nia ", "Osian", "Seren", "Seren"], "family_name": ["Powell", None, "Rhys", "Rhys"],
        "date_of_birth": ["2011-05", None, "2012-01-09", "2012"],
    })
    out = people.nominal_people(nominals, persons)
    assert out.rows() == [("N1", "Osian", None, "b"), ("N2", "Seren Rhys", "2012-01-09", "a;c"), ("N3", "Nia Powell", "2011-05", "a")]


def test_age_on_a_day() -> None:
    assert people._age("2010-04-02", date(2026, 4, 1)) == 15 and people._age("2010-04-02", date(2026, 4, 2)) == 16
    assert people._age(None, date(2026, 1, 1)) is None
