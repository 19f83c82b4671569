"""Whom a feed serves (``served.py``): a youth charity's own dated records keep its undated record of a boy from his father.

Issue 13: a boy named after his father, on a youth charity's books with no
date of birth, at his father's home, joined the father's nominal (found on an
independent scenario: Dean Jolliffe, born 2007, and his father, born 1979).
Nothing on the two records disagrees; the charity's other records, all of
people born 2005 to 2012, do. Every name, date and address here is made up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.service import resolve as svc
from crossline.service.build import build
from crossline.stages.pipeline import BuildResult
from crossline.stages.resolve import ages, served
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace
from helpers import import_as_hub, write_bundle

SCHEMA = {"unique_id": pl.Int64, "source": pl.String, "record_id": pl.String, "dob": pl.String, "dob_year": pl.String,
          "nhs": pl.String, "pnc": pl.String, "upn": pl.String, "other_ids": pl.List(pl.String)}


def _young(n: int, first: int = 2005, last: int = 2012) -> list[str]:
    """``n`` dates of birth spread from ``first`` to ``last``."""
    return [f"{first + i % (last - first + 1)}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)]


def _frame(rows: list[tuple[str, str, str | None]], ids: dict[int, str] | None = None) -> pl.DataFrame:
    """Records (source, record id, date of birth) indexed from 0; ``ids``: index -> an NHS number."""
    ids = ids or {}
    return pl.DataFrame({
        "unique_id": list(range(len(rows))), "source": [s for s, _, _ in rows], "record_id": [r for _, r, _ in rows],
        "dob": [d for _, _, d in rows], "dob_year": [d[:4] if d else None for _, _, d in rows],
        "nhs": [ids.get(i) for i in range(len(rows))], "pnc": [None] * len(rows), "upn": [None] * len(rows),
        "other_ids": [[] for _ in rows],
    }, schema=SCHEMA)


def _charity_and_father(dated: int = 24) -> pl.DataFrame:
    """The charity's ``dated`` young people (index 0..), its undated record of the boy, his father's two records, the boy's GP record."""
    rows = [("youth", f"Y-{i}", d) for i, d in enumerate(_young(dated))]
    rows += [("youth", "Y-boy", None), ("police", "P-father", "1979-09-09"), ("housing", "H-father", "1979-09-09"),
             ("health", "G-boy", "2007-10-24")]
    return _frame(rows)


def test_a_feed_of_young_people_bounds_its_undated_records_a_generation_either_side() -> None:
    found = served.profiles(_charity_and_father())
    youth = found.filter(pl.col("group") == "youth").row(0, named=True)
    assert youth["dated"] == 24
    assert (str(youth["served_after"]), str(youth["served_before"])) == ("1995-01-01", "2022-12-24")
    assert found.filter(pl.col("group") != "youth").height == 0  # one, two dated records say nothing of whom a feed serves
    marked = served.marks(_charity_and_father(), found)
    assert marked.rows() == [(24, "1995-01-01", "2022-12-24", "youth")]  # only the undated record, not the dated ones


def test_too_few_dated_records_say_nothing_and_a_year_of_birth_is_a_date() -> None:
    assert served.profiles(_charity_and_father(dated=served.SERVED_MIN - 1)).height == 0
    records = _charity_and_father().with_columns(
        pl.when(pl.col("record_id") == "Y-boy").then(pl.lit("2008")).otherwise(pl.col("dob_year")).alias("dob_year"))
    assert served.marks(records, served.profiles(records)).height == 0  # his own year says more than his feed's


def test_one_mistyped_year_does_not_stretch_the_bound() -> None:
    rows = [("school", f"S-{i}", d) for i, d in enumerate(_young(150))] + [("school", "S-typo", "1950-06-01")]
    youth = served.profiles(_frame(rows)).row(0, named=True)
    assert str(youth["served_after"]) == "1995-01-01"  # the 1st percentile, not the one pupil keyed as born in 1950


def _constraints(records: pl.DataFrame, cluster: list[str]) -> list[tuple[str, str, str]]:
    """The age constraints on one cluster of these record ids, as (record, record, reason)."""
    found = served.profiles(records)
    no_events = pl.DataFrame(schema={"unique_id": pl.Int64, "born_after": pl.String, "born_before": pl.String,
                                     "pnc_year": pl.Int32})
    marks = served.joined(no_events, served.marks(records, found))
    labels = records.select(pl.when(pl.col("record_id").is_in(cluster)).then(0).otherwise(pl.col("unique_id") + 1))
    ids = records["record_id"].to_list()
    return [(ids[c.a], ids[c.b], c.reason) for c in ages.within_clusters(marks, records, labels.to_series().to_numpy())]


def test_the_boys_undated_record_cannot_be_his_fathers_but_may_be_his_own() -> None:
    records = _charity_and_father()
    found = _constraints(records, ["Y-boy", "P-father", "H-father", "G-boy"])
    assert {(a, b) for a, b, _ in found} == {("Y-boy", "P-father"), ("Y-boy", "H-father")}
    assert found[0][2] == ("born 1979-09-09, a generation outside the ages of the people the other record is one of "
                           "(youth: dated records born 2005 to 2012), and the other record has no date of birth")
    # the boy's own GP record is inside the bound, and a shared NHS number says a date is wrong, not the person
    shared = _frame([(s, r, d) for s, r, d in records.select("source", "record_id", "dob").iter_rows()],
                    ids={24: "9434765919", 25: "9434765919"})
    assert [(a, b) for a, b, _ in _constraints(shared, ["Y-boy", "P-father", "G-boy"])] == []


def test_the_holders_of_a_upn_are_pupils_wherever_their_records_are_kept() -> None:
    """A council holds people of every age, so its feed bounds nothing; but the records holding a UPN, in any feed, are
    of pupils. A council's undated record of Michelle (after her mother) holding a UPN is not her mother's, born 1987."""
    rows = [("council", f"C-{i}", f"{1950 + i * 3}-03-03") for i in range(24)]  # adults and children, 1950 to 2019
    rows += [("school", f"S-{i}", d) for i, d in enumerate(_young(24, 2008, 2016))]
    rows += [("council", "C-girl", None), ("police", "P-mother", "1987-04-10")]
    records = _frame(rows).with_columns(
        pl.when(pl.col("source") == "school").then(pl.format("A1234567890{}", pl.col("unique_id") % 10))
        .when(pl.col("record_id") == "C-girl").then(pl.lit("U4780559069X")).alias("upn"))
    found = served.profiles(records)
    assert set(found["group"]) == {"council", "school", "holders of a UPN"}
    council = found.filter(pl.col("group") == "council").row(0, named=True)
    assert council["served_after"].year < 1945 and council["served_before"].year > 2025  # every age: a bound that rules out no one
    assert served.marks(records, found).filter(pl.col("unique_id") == 48)["served_by"].to_list() == ["holders of a UPN"]
    found_apart = _constraints(records, ["C-girl", "P-mother"])
    assert [(a, b) for a, b, _ in found_apart] == [("C-girl", "P-mother")]
    assert "(holders of a UPN: dated records born 2008 to 2016)" in found_apart[0][2]
    # without the UPN on her record, nothing tells the girl from her mother
    plain = records.with_columns(pl.when(pl.col("record_id") == "C-girl").then(None).otherwise(pl.col("upn")).alias("upn"))
    assert _constraints(plain, ["C-girl", "P-mother"]) == []


def _linked(records: pl.DataFrame, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    index = dict(zip(records["record_id"], records["unique_id"], strict=True))
    return pl.DataFrame({"a": [index[a] for a, _ in pairs], "b": [index[b] for _, b in pairs],
                         "match_probability": [0.999] * len(pairs)})


def test_a_feed_whose_undated_records_are_linked_only_to_older_people_gives_no_bound_and_says_so() -> None:
    """A charity that dates the young people it works with but lists their parents undated: its bound would split parents."""
    rows = [("youth", f"Y-{i}", d) for i, d in enumerate(_young(24))]
    rows += [("youth", f"Y-parent{i}", None) for i in range(4)] + [("police", f"P-parent{i}", f"197{i}-05-05") for i in range(4)]
    records = _frame(rows)
    kept = served.checked(records, _linked(records, [(f"Y-parent{i}", f"P-parent{i}") for i in range(4)]), 0.9)
    assert kept.unused == ["youth"] and kept.marks.height == 0 and kept.profiles.height == 0
    assert kept.notes == ["youth: 4 of its 4 records with no date of birth linked to a dated record are linked only to people "
                          "born outside the ages its dated records hold, so its records' ages are not used to tell people "
                          "apart; check whether it lists people (parents, carers) it does not date"]


def test_links_to_a_namesake_father_beside_the_boys_own_do_not_distrust_the_feed() -> None:
    """Pairwise, a boy's undated record links to his own records and to his father's (name and home): that is no sign
    the feed holds fathers. Only records linked to no one inside the bound count against it."""
    records = _charity_and_father()
    links = [("Y-boy", "G-boy"), ("Y-boy", "P-father"), ("Y-boy", "H-father"), ("P-father", "H-father")]
    kept = served.checked(records, _linked(records, links), 0.9)
    assert kept.unused == [] and kept.marks["unique_id"].to_list() == [24]


PERSONS = "record_id,given_name,family_name,date_of_birth,address,postcode,phone\n"
FIRST = ["Aled", "Bryn", "Carys", "Dilys", "Efa", "Ffion", "Gethin", "Hywel", "Iolo", "Jac", "Lowri", "Mabli"]


def _bundle(root: Path, dated: int) -> Path:
    """A youth trust with ``dated`` young people (born 2005-2012) and an undated record of Tyler Penhallow, at his
    father's home, with his father's phone; the father's police and housing records (born 1979)."""
    youth = PERSONS + "".join(f"Y-{i},{FIRST[i % 12]},Trevanion{i},{d},{i + 1} Heol Glas,NP4 {i % 9}AB,\n"
                              for i, d in enumerate(_young(dated)))
    youth += "Y-boy,Tyler,Penhallow,,27 Maes Yr Haf,NP23 4ZQ,07700 900733\n"
    police = PERSONS + "P-father,Tyler,Penhallow,1979-09-09,27 Maes Yr Haf,NP23 4ZQ,07700 900733\n" \
        "P-2,Rhian,Ashdown,1988-02-14,4 Stryd Fawr,CF37 1QQ,07700 900122\n"
    housing = PERSONS + "H-father,Tyler,Penhallow,1979-09-09,27 Maes Yr Haf,NP23 4ZQ,\n"
    return write_bundle(root, {"youth/persons.csv": ("persons", "valley-youth-trust", youth),
                               "police/persons.csv": ("persons", "gwent-police", police),
                               "housing/persons.csv": ("persons", "valley-homes", housing)},
                        {"valley-youth-trust": "charity", "gwent-police": "police", "valley-homes": "housing"})


def _built(ws: Workspace, bundle: Path) -> tuple[BuildResult, dict[str, str]]:
    """Import the bundle, build resolution, and return the build's result and each record's nominal."""
    import_as_hub(ws, bundle)
    result, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
    nominals = pl.read_csv(exported.directory / "nominals.csv", infer_schema=False)
    return result, dict(zip(nominals["record_id"], nominals["nominal_id"], strict=True))


def test_through_the_build_the_trusts_own_records_keep_the_boy_from_his_father(tmp_path: Path) -> None:
    """With 24 dated young people the trust's undated record of Tyler is held apart from his father, the review queue
    says why, the build says whom each feed serves, and "is this child known?" asked with the father's date of birth
    leaves the boy's record out; with too few dated records to tell whom the trust serves, name and home join them."""
    for dated, apart in ((24, True), (served.SERVED_MIN - 2, False)):
        bundle = _bundle(tmp_path / f"{dated}" / "bundle", dated)
        ws = init_workspace(tmp_path / f"{dated}" / "ws")
        try:
            result, of = _built(ws, bundle)
            assert of["P-father"] == of["H-father"]
            assert (of["Y-boy"] != of["P-father"]) == apart, dated
            if not apart:
                continue
            assert any("valley-youth-trust born 2005 to 2012" in n for n in result.notes), result.notes
            queue = pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "review_queue"))
            assert queue["explanation"].str.contains("a generation outside the ages of the people the other record is one of").any()
            asked = svc.match_record(ws, LOCAL_ADMIN, {"given_name": "Tyler", "family_name": "Penhallow",
                                                       "date_of_birth": "1979-09-09", "address": "27 Maes Yr Haf",
                                                       "postcode": "NP23 4ZQ"})
            assert [c.nominal_id for c in asked.candidates] == [of["P-father"]] and asked.excluded == 1
            boy = svc.match_record(ws, LOCAL_ADMIN, {"given_name": "Tyler", "family_name": "Penhallow", "date_of_birth": "2008"})
            assert of["Y-boy"] in [c.nominal_id for c in boy.candidates]
        finally:
            ws.close()


def _police_with_events(dated_victims: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A force that holds every age (babies as witnesses, pensioners as victims): ``dated_victims`` adults its domestic
    abuse events list as victims (born from 1965), Bethan Jarvis's undated record as a victim, and her baby daughter
    Bethan's council record (born 2025)."""
    rows = [("police", f"P-{i}", f"{1940 + i * 3}-06-06") for i in range(28)]  # 1940 to 2021: no bound from the feed
    rows += [("police", f"V-{i}", f"{1965 + i % 36}-02-02") for i in range(dated_victims)]
    rows += [("police", "V-mother", None), ("council", "C-baby", "2025-07-29")]
    records = _frame(rows)
    listed = [f"V-{i}" for i in range(dated_victims)] + ["V-mother"]
    events = pl.DataFrame({"source": "police", "record_id": listed, "event_type": "domestic_abuse", "role": "victim"})
    return records, served.roles(events, records)


def test_the_people_a_feed_lists_in_one_role_of_one_kind_of_event_are_a_group_too() -> None:
    """The force holds babies, so its feed rules no one out; the victims its domestic abuse events list are adults, so
    its undated record of a mother, a victim, is not her baby daughter's, though both are Bethan Jarvis at one home."""
    records, events = _police_with_events(24)
    assert events.filter(pl.col("unique_id") == 52)["group"].to_list() == ["police: victim in domestic_abuse"]
    found = served.profiles(records, events)
    assert set(found["group"]) == {"police", "police: victim in domestic_abuse"}
    marked = served.marks(records, found, events)
    assert marked.rows() == [(52, "1955-02-02", "1998-02-02", "police: victim in domestic_abuse")]  # dated ones unmarked
    no_events = pl.DataFrame(schema={"unique_id": pl.Int64, "born_after": pl.String, "born_before": pl.String,
                                     "pnc_year": pl.Int32})
    labels = np.array([0 if r in ("V-mother", "C-baby") else i + 1 for i, r in enumerate(records["record_id"])])
    found_apart = ages.within_clusters(served.joined(no_events, marked), records, labels)
    assert [(c.a, c.b) for c in found_apart] == [(52, 53)]
    assert "(police: victim in domestic_abuse: dated records born 1965 to 1988)" in found_apart[0].reason
    # with too few dated victims to say whom the role holds, only the feed's every-age bound is left, and nothing
    # tells the mother from her baby
    few, few_events = _police_with_events(served.SERVED_MIN - 1)
    few_marks = served.marks(few, served.profiles(few, few_events), few_events)
    assert few_marks["served_by"].to_list() == ["police"]
    labels = np.array([0 if r in ("V-mother", "C-baby") else i + 1 for i, r in enumerate(few["record_id"])])
    assert ages.within_clusters(served.joined(no_events, few_marks), few, labels) == []


def _force_bundle(root: Path, with_events: bool) -> Path:
    """A force holding every age, whose domestic abuse events list 24 dated adults as victims and Bethan Jarvis,
    undated, at her home; a council's records of the victims, and of her baby daughter Bethan, born 2025, at the same
    home with her mother's phone."""
    police = PERSONS + "".join(f"P-{i},{FIRST[i % 12]},Tregarth{i},{1940 + i * 3}-06-06,{i + 1} Heol Glas,NP4 {i % 9}AB,\n"
                               for i in range(28))
    police += "".join(f"V-{i},{FIRST[(i + 5) % 12]},Penrose{i},{1965 + i}-02-02,{i + 1} Stryd Fawr,CF37 {i % 9}QQ,\n"
                      for i in range(24))
    police += "V-mother,Bethan,Jarvis,,13 Maes y Coed Avenue,NP4 9WQ,07700 900455\n"
    council = PERSONS + "C-baby,Bethan,Jarvis,2025-07-29,13 Maes y Coed Avenue,NP4 9WQ,07700 900455\n" + "".join(
        f"C-{i},{FIRST[(i + 5) % 12]},Penrose{i},{1965 + i}-02-02,{i + 1} Stryd Fawr,CF37 {i % 9}QQ,\n" for i in range(24))
    feeds = {"police/persons.csv": ("persons", "gwent-police", police),
             "council/persons.csv": ("persons", "valleys-council", council)}
    if with_events:
        victims = [f"V-{i}" for i in range(24)] + ["V-mother"]
        feeds["police/events.csv"] = ("events", "gwent-police", "record_id,event_type,occurred_at\n" + "".join(
            f"DA-{i},domestic_abuse,2026-0{1 + i % 9}-1{i % 9}\n" for i in range(len(victims))))
        feeds["police/event_people.csv"] = ("event_people", "gwent-police", "event_id,person_id,role\n" + "".join(
            f"DA-{i},{v},victim\n" for i, v in enumerate(victims)))
    return write_bundle(root, feeds, {"gwent-police": "police", "valleys-council": "local_authority"})


def test_through_the_build_a_forces_victims_keep_a_mothers_undated_record_from_her_baby(tmp_path: Path) -> None:
    """The force's own events say its domestic abuse victims are adults: its undated record of Bethan Jarvis, a victim,
    is held apart from her baby daughter's council record, and asked about the baby, the lookup leaves it out. Without
    the events nothing on the two records disagrees, and name and home join them."""
    for with_events in (True, False):
        bundle = _force_bundle(tmp_path / f"{with_events}" / "bundle", with_events)
        ws = init_workspace(tmp_path / f"{with_events}" / "ws")
        try:
            result, of = _built(ws, bundle)
            assert (of["V-mother"] != of["C-baby"]) == with_events
            if not with_events:
                continue
            assert any("gwent-police: victim in domestic_abuse born 1965 to 1988" in n for n in result.notes), result.notes
            baby = svc.match_record(ws, LOCAL_ADMIN, {"given_name": "Bethan", "family_name": "Jarvis",
                                                      "date_of_birth": "2025-07-29", "postcode": "NP4 9WQ"})
            assert [c.nominal_id for c in baby.candidates] == [of["C-baby"]] and baby.excluded == 1
        finally:
            ws.close()
