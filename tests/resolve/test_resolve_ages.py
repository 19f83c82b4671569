"""Issue 13 item 1: a record's own events say how old its person was, and a date of birth that cannot fit keeps two apart.

A youth charity's undated record of a boy on its mentoring programme shares his father's name and home; a
police record with no date of birth, of a man arrested, shares his young son's. No date can object; the
events can (``resolve/ages.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from crossline.access.actor import LOCAL_ADMIN
from crossline.cli import app
from crossline.service import resolve as svc
from crossline.service.build import build
from crossline.stages.resolve import ages
from crossline.stages.resolve import cluster as clustering
from crossline.stages.resolve.constraints import within_clusters
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace
from helpers import import_as_hub, write_bundle

NO_DECISIONS = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})
SCHEMA = {"unique_id": pl.Int64, "source": pl.String, "record_id": pl.String, "dob": pl.String, "nhs": pl.String,
          "pnc": pl.String, "upn": pl.String, "dob_year": pl.String, "other_ids": pl.List(pl.String)}


def _records() -> pl.DataFrame:
    """Police: Noah (born 1979); the youth charity's Noah (no date); the school's Noah (born 2019); police Noah, undated."""
    return pl.DataFrame({
        "unique_id": [0, 1, 2, 3],
        "source": ["police", "youth", "school", "police"],
        "record_id": ["P-1", "Y-1", "S-1", "P-2"],
        "dob": ["1979-03-14", None, "2019-05-02", None],
        "nhs": [None] * 4, "pnc": [None] * 4, "upn": [None] * 4,
        "dob_year": ["1979", None, "2019", None],
        "other_ids": [[], [], [], []],
    }, schema=SCHEMA)


def _events() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["youth", "police", "police"],
        "record_id": ["Y-1", "P-2", "P-2"],
        "event_type": ["intervention", "arrest", "stop_search"],
        "role": ["subject", "suspect", "subject"],
        "occurred_at": ["2026-03-02", "2025-11-20T22:10:00Z", "2020-01-01"],
    })


def test_bounds_from_the_events() -> None:
    got = ages.bounds(_events(), _records())
    assert got.rows() == [(1, "2000-03-02", None, None), (3, None, "2015-11-20", None)]


@pytest.mark.parametrize(("pnc", "year"), [
    ("09/123456A", 2009), ("85/1234567B", 1985), ("74/12345", None), ("74/1A", 1974), ("73/99A", 2073), ("2009/123456A", 2009),
    ("009/12A", None), ("9/123456A", None), ("09-123456A", None), (None, None),
])
def test_the_year_a_pnc_id_was_issued(pnc: str | None, year: int | None) -> None:
    assert pl.select(ages.pnc_issued(pl.lit(pnc, dtype=pl.String))).item() == year


def test_bounds_from_a_pnc_id_with_or_without_events() -> None:
    records = _records().with_columns(pl.Series("pnc", [None, None, None, "09/123456A"]))
    assert ages.bounds(_events(), records).rows() == [(1, "2000-03-02", None, None), (3, None, "2015-11-20", 2009)]
    assert ages.bounds(_events().clear(), records).rows() == [(3, None, None, 2009)]


@pytest.mark.parametrize(("dob", "year", "apart"), [
    ("2014-02-01", 2009, True),   # born five years after the police first recorded "him"
    ("2010-01-01", 2009, True),
    ("2009-12-31", 2009, False),  # a baby recorded in the year of its birth (a missing child's report)
    ("1979-03-14", 2009, False),
    ("2014", 2009, False),        # a partial date never forbids
])
def test_nobody_has_a_police_record_before_birth(dob: str, year: int, apart: bool) -> None:
    reason = ages.conflict(dob, None, None, year)
    assert (reason is not None) == apart
    assert reason is None or "PNC id was issued (in 2009)" in reason


@pytest.mark.parametrize(("dob", "after", "before", "apart"), [
    ("1979-03-14", "2000-03-02", None, True),   # 46 on the programme
    ("2000-03-02", "2000-03-02", None, True),   # 26 that day
    ("2000-03-03", "2000-03-02", None, False),  # 25
    ("2019-05-02", None, "2015-11-20", True),   # 6 when arrested
    ("2015-11-20", None, "2015-11-20", False),  # 10 that day
    ("1979", "2000-03-02", None, False),        # a partial date never forbids
])
def test_conflict_at_the_bounds(dob: str, after: str | None, before: str | None, apart: bool) -> None:
    assert (ages.conflict(dob, after, before) is not None) == apart


def test_the_boy_on_the_programme_is_not_his_father_and_the_arrested_man_not_his_son() -> None:
    """Name and home link the undated records to the namesake of the other generation (the only links there are)."""
    records = _records()
    aged = ages.bounds(_events(), records)
    edges = pl.DataFrame({"a": [0, 2], "b": [1, 3], "p": [0.9996, 0.9991], "w": [11.2, 10.1]})
    found = clustering.cluster(4, edges, NO_DECISIONS,
                               lambda labels: within_clusters(records, labels) + ages.within_clusters(aged, records, labels),
                               undated=records["dob"].is_null().to_numpy())
    assert found.labels[0] != found.labels[1] and found.labels[2] != found.labels[3]
    reasons = sorted(s.constraint.reason for s in found.splits)
    assert "too old for the other record's young people's service" in reasons[0]
    assert "too young for the other record's arrest" in reasons[1]
    # without the events both undated records join the namesake: no date can object
    alone = clustering.cluster(4, edges, NO_DECISIONS, lambda labels: within_clusters(records, labels),
                               undated=records["dob"].is_null().to_numpy())
    assert alone.labels[0] == alone.labels[1] and alone.labels[2] == alone.labels[3]


def test_the_fathers_undated_police_record_is_not_his_sons_by_its_pnc_id() -> None:
    """No events at all: the PNC id's year (2009) is all that says the undated police record is not the boy born in 2019."""
    records = _records().with_columns(pl.Series("pnc", [None, None, None, "09/123456A"]))
    aged = ages.bounds(_events().clear(), records)
    edges = pl.DataFrame({"a": [2], "b": [3], "p": [0.9991], "w": [10.1]})
    found = clustering.cluster(4, edges, NO_DECISIONS,
                               lambda labels: within_clusters(records, labels) + ages.within_clusters(aged, records, labels),
                               undated=records["dob"].is_null().to_numpy())
    assert found.labels[2] != found.labels[3]
    assert "after the other record's PNC id was issued (in 2009)" in found.splits[0].constraint.reason
    later = records.with_columns(pl.Series("pnc", [None, None, None, "25/123456A"]))  # first recorded at six: no objection
    assert ages.within_clusters(ages.bounds(_events().clear(), later), later, pl.Series([0, 1, 2, 2]).to_numpy()) == []


def test_a_shared_identifier_outweighs_the_events() -> None:
    records = _records().with_columns(pl.Series("nhs", ["9434765919", "9434765919", None, None]))
    aged = ages.bounds(_events(), records)
    assert ages.within_clusters(aged, records, pl.Series([0, 0, 1, 2]).to_numpy()) == []


PERSONS = """record_id,given_name,family_name,date_of_birth,address,postcode,phone
{rows}"""


def test_through_the_build_the_programme_keeps_the_boy_from_his_father(tmp_path: Path) -> None:
    """A father with a police record and his son on a youth charity's programme, no date of birth on the charity's record."""
    police = PERSONS.format(rows="P-1,Noah,Kitchin,1979-03-14,14 Ferndale Road,NP20 4QX,07700 900461\n"
                                 "P-9,Ruth,Ambler,1990-02-02,3 Cwm Street,NP20 1AB,07700 900999\n")
    youth = PERSONS.format(rows="Y-1,Noah,Kitchin,,14 Ferndale Road,NP20 4QX,07700 900461\n")
    events = "record_id,event_type,occurred_at,programme\nI-1,intervention,2026-03-02,mentoring\n"
    people = "event_id,person_id,role\nI-1,Y-1,subject\n"
    feeds = {"police/persons.csv": ("persons", "gwent-police", police), "youth/persons.csv": ("persons", "youth-trust", youth)}
    with_events = {**feeds, "youth/events.csv": ("events", "youth-trust", events),
                   "youth/event_people.csv": ("event_people", "youth-trust", people)}
    for name, bundle_feeds, apart in (("with", with_events, True), ("without", feeds, False)):
        bundle = write_bundle(tmp_path / name / "bundle", bundle_feeds, {"gwent-police": "police", "youth-trust": "charity"})
        ws = init_workspace(tmp_path / name / "ws")
        try:
            import_as_hub(ws, bundle)
            result, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
            nominals = pl.read_csv(exported.directory / "nominals.csv", infer_schema=False)
            of = dict(zip(nominals["record_id"], nominals["nominal_id"], strict=True))
            assert (of["P-1"] != of["Y-1"]) == apart, name
            if apart:
                queue = pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "review_queue"))
                assert queue["explanation"].str.contains("young people's service").any()
        finally:
            ws.close()


def _police_feed(pnc_years: list[int], births: list[str]) -> pl.DataFrame:
    """Police records (index from 0) holding a PNC id of each year, with these dates of birth."""
    n = len(pnc_years)
    return pl.DataFrame({
        "unique_id": list(range(n)), "source": ["police"] * n, "record_id": [f"P-{i}" for i in range(n)],
        "dob": births, "nhs": [None] * n, "pnc": [f"{y % 100:02d}/{100000 + i}A" for i, y in enumerate(pnc_years)],
        "upn": [None] * n, "dob_year": [b[:4] for b in births], "other_ids": [[] for _ in range(n)],
    }, schema=SCHEMA)


def test_a_record_whose_own_date_of_birth_breaks_its_own_pnc_year_gives_no_bound() -> None:
    """One of the two is wrong, so the id's year says nothing about anyone else; the feed's other ids still count."""
    records = _police_feed([2009] * 40 + [2005], ["1990-01-01"] * 40 + ["2010-06-01"])
    checked, notes, _ = ages.self_checked(ages.bounds(_events().clear(), records), records)
    assert notes == []
    assert checked.height == 40 and 40 not in checked["unique_id"].to_list()


def test_a_feed_whose_pnc_ids_are_often_older_than_their_people_gives_no_pnc_bounds_and_says_so() -> None:
    """A system that writes any year into the first part: teenagers with ids "issued" before they were born."""
    births = ["2009-04-01"] * 20
    years = [2003, 2005, 2007, 2021, 2024] * 4  # 12 of 20 before birth
    records = _police_feed(years, births).vstack(_police_feed([2009], ["2012-01-01"]).with_columns(
        unique_id=pl.lit(20, pl.Int64), source=pl.lit("police-other"), record_id=pl.lit("Q-1")))
    checked, notes, _ = ages.self_checked(ages.bounds(_events().clear(), records), records)
    assert checked.height == 0  # the other feed's one slip is a slip: its record alone loses the bound
    assert len(notes) == 1 and notes[0].startswith("police: in 12 of 20 records with a date of birth")
    assert "PNC ids' years are not used" in notes[0]
    # a few slips in a big feed are slips: the rest keep their bounds
    slips = _police_feed([2009] * 97 + [2005] * 3, ["1990-01-01"] * 97 + ["2010-06-01"] * 3)
    kept, none, _ = ages.self_checked(ages.bounds(_events().clear(), slips), slips)
    assert none == [] and kept.height == 97


def test_a_feed_whose_events_often_break_their_own_dates_of_birth_gives_no_event_bounds() -> None:
    records = pl.DataFrame({
        "unique_id": [0, 1, 2, 3], "source": ["youth"] * 4, "record_id": ["Y-1", "Y-2", "Y-3", "Y-4"],
        "dob": ["1970-01-01", "1971-01-01", "1972-01-01", "2010-01-01"], "nhs": [None] * 4, "pnc": [None] * 4,
        "upn": [None] * 4, "dob_year": ["1970", "1971", "1972", "2010"], "other_ids": [[], [], [], []],
    }, schema=SCHEMA)
    events = pl.DataFrame({"source": ["youth"] * 4, "record_id": ["Y-1", "Y-2", "Y-3", "Y-4"],
                           "event_type": ["intervention"] * 4, "role": ["subject"] * 4,
                           "occurred_at": ["2026-03-02"] * 4})
    checked, notes, _ = ages.self_checked(ages.bounds(events, records), records)
    assert checked.height == 0
    assert notes and "events put its person at an age its own date of birth rules out" in notes[0]


POLICE_HEAD = "record_id,given_name,family_name,date_of_birth,address,postcode,phone,pnc_id\n"
RUTH = "Ruth,Ambler,1990-02-02,3 Cwm Street,NP20 1AB,07700 900999"  # someone else, on both sides
KAI_AT_HOME = {"given_name": "Kai", "family_name": "Brennan", "address": "8 Alder Close", "postcode": "CF10 2AB"}


@contextmanager
def _police_and_health(tmp_path: Path, police: str, health: str) -> Iterator[Workspace]:
    """A workspace holding a police and a health persons feed, imported, not yet built."""
    bundle = write_bundle(tmp_path / "bundle", {"police/persons.csv": ("persons", "gwent-police", police),
                                                "health/persons.csv": ("persons", "gp-cluster", health)},
                          {"gwent-police": "police", "gp-cluster": "health"})
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, bundle)
        yield ws
    finally:
        ws.close()


def test_through_the_build_a_feed_of_made_up_pnc_years_does_not_split_a_teenager(tmp_path: Path) -> None:
    """The police feed fills the PNC id's first part with any year: Kai's reads 2005, and he was born in 2009.

    Kai's health record (dated, no shared identifier) must still join his police record, and the build says why
    the PNC years were not used.
    """
    rows = ["P-1,Kai,Brennan,2009-05-12,8 Alder Close,CF10 2AB,07700 900123,05/482113K"]
    rows += [f"P-{i},Teen{chr(65 + i)},Oakes{i},2010-0{1 + i % 9}-1{i % 9},{i} Mill Lane,CF11 1A{chr(65 + i)},,0{i % 8}/1{i:05d}B"
             for i in range(2, 12)]  # ten more teenagers "first recorded" before they were born
    police = POLICE_HEAD + "\n".join(rows) + "\n"
    health = PERSONS.format(rows="H-1,Kai,Brennan,2009-05-12,8 Alder Close,CF10 2AB,\n")
    with _police_and_health(tmp_path, police, health) as ws:
        result, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
        nominals = pl.read_csv(exported.directory / "nominals.csv", infer_schema=False)
        of = dict(zip(nominals["record_id"], nominals["nominal_id"], strict=True))
        assert of["P-1"] == of["H-1"]
        assert any("gwent-police: in 11 of 11 records with a date of birth" in n for n in result.notes), result.notes
        # asked by that feed's PNC id, its made-up year (2005) does not bar Kai, born 2009, either
        asked = svc.match_record(ws, LOCAL_ADMIN, {"given_name": "Kai", "family_name": "Brennan", "pnc_id": "05/482113K"})
        assert [c.nominal_id for c in asked.candidates] == [of["P-1"]] and asked.excluded == 0


def test_is_this_child_known_never_offers_the_fathers_undated_police_record_his_pnc_id_rules_out(tmp_path: Path) -> None:
    """Asked about Kai, born 2014, at his home: his father's undated police record (``09/...``) shares name and home.

    The police first recorded that Kai in 2009, five years before this one was born, so he is left out and
    counted as excluded; asked about a Kai born in 2001, the same record is a candidate.
    """
    police = POLICE_HEAD + f"P-1,Kai,Brennan,,8 Alder Close,CF10 2AB,07700 900123,09/482113K\nP-2,{RUTH},10/112233B\n"
    health = PERSONS.format(rows=f"H-1,{RUTH}\nH-2,Owen,Pryce,1985-07-30,1 Heol Fach,CF11 9ZZ,\n")
    with _police_and_health(tmp_path, police, health) as ws:
        build(ws, LOCAL_ADMIN, only=["resolve"])
        asked = KAI_AT_HOME
        father = svc.match_record(ws, LOCAL_ADMIN, {**asked, "date_of_birth": "2001-03-02"})
        assert [c.record_id for c in father.candidates] == ["P-1"]
        son = svc.match_record(ws, LOCAL_ADMIN, {**asked, "date_of_birth": "2014-03-02"})
        assert "P-1" not in [c.record_id for c in son.candidates]
        assert son.excluded == 1 and not son.known
        out = CliRunner().invoke(app, ["known", "--given-name", "Kai", "--family-name", "Brennan", "--dob", "2014-03-02",
                                       "--address", "8 Alder Close", "--postcode", "CF10 2AB", "--workspace", str(ws.path)])
        assert out.exit_code == 0, out.output
        assert "1 person(s) alike left out: they cannot be this child" in " ".join(out.output.split())
        assert "Not known" in out.output


def test_is_this_child_known_asked_with_a_pnc_id_never_offers_someone_born_after_it_was_issued(tmp_path: Path) -> None:
    """Asked by the father's PNC id (issued 2009) and name: his son's health record (born 2014, same name and home)
    is no candidate; asked by name and home alone, both are."""
    police = POLICE_HEAD + f"P-1,Kai,Brennan,,8 Alder Close,CF10 2AB,,09/482113K\nP-2,{RUTH},10/112233B\n"
    health = PERSONS.format(rows=f"H-1,Kai,Brennan,2014-03-02,8 Alder Close,CF10 2AB,\nH-2,{RUTH}\n")
    with _police_and_health(tmp_path, police, health) as ws:
        build(ws, LOCAL_ADMIN, only=["resolve"])
        named = KAI_AT_HOME
        both = svc.match_record(ws, LOCAL_ADMIN, named)
        assert {c.record_id for c in both.candidates} == {"P-1", "H-1"}
        by_pnc = svc.match_record(ws, LOCAL_ADMIN, {**named, "pnc_id": "09/482113K"})
        assert [c.record_id for c in by_pnc.candidates] == ["P-1"] and by_pnc.excluded == 1
