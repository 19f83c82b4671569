"""Issue 13: an undated record whose phone is none of the person's own may be a namesake at the home.

The mother's undated council record shares her daughter's name and home and nothing else; her phone is her
own and the daughter's records hold the daughter's. ``undated_phones.held_apart`` leaves such a record alone,
unless the person's number may be a contact: a child's (a parent's number on a school or council record) or one
someone else holds too (a household landline); and only where the data's own adults keep one number
(``agreement``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.service.build import build
from crossline.stages.resolve import cluster as clustering
from crossline.stages.resolve.constraints import Constraint
from crossline.stages.resolve.explain import lines
from crossline.stages.resolve.undated_phones import (
    AGREEMENT_MIN,
    Agreement,
    adults_born_by,
    agreement,
    detach,
    held_apart,
    tells_sides,
)
from crossline.store import picture as picture_store
from crossline.workspace import init_workspace
from helpers import import_as_hub, write_bundle

SCHEMA = {"unique_id": pl.Int64, "dob": pl.String, "dob_year": pl.String, "nhs": pl.String, "pnc": pl.String,
          "upn": pl.String, "other_ids": pl.List(pl.String), "phones": pl.List(pl.String)}
MOTHER, DAUGHTER = "07700900555", "07700900556"
ADULTS = "2008-11-02"  # born by then: eighteen on the latest event (2026-11-02)
NO_DECISIONS = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})


def _records(*rows: tuple[str | None, list[str], str | None]) -> pl.DataFrame:
    """(date of birth, phones, NHS number) per record, in record index order."""
    return pl.DataFrame({
        "unique_id": list(range(len(rows))), "dob": [r[0] for r in rows],
        "dob_year": [r[0][:4] if r[0] else None for r in rows], "nhs": [r[2] for r in rows],
        "pnc": [None] * len(rows), "upn": [None] * len(rows), "other_ids": [[] for _ in rows], "phones": [r[1] for r in rows],
    }, schema=SCHEMA)


def _edges(*pairs: tuple[int, int], p: float = 0.999) -> pl.DataFrame:
    return pl.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs], "p": [p] * len(pairs),
                         "w": [10.0 + i for i in range(len(pairs))]}, schema={"a": pl.Int64, "b": pl.Int64, "p": pl.Float64, "w": pl.Float64})


def _held(records: pl.DataFrame, edges: pl.DataFrame, adults: str | None) -> tuple[list[int], list[clustering.Split]]:
    """``held_apart`` on the clusters the edges make (none of these hold a constraint)."""
    labels = clustering.components(records.height, edges["a"].to_numpy(), edges["b"].to_numpy())
    return held_apart(records, edges, labels, adults, np.zeros(records.height, dtype=bool))


def _family() -> pl.DataFrame:
    """0: the mother, undated, her phone; 1: the daughter's health record (dated, no phone); 2: her police record."""
    return _records((None, [MOTHER], None), ("2004-09-13", [], "4020000115"), ("2004-09-13", [DAUGHTER], None))


def test_the_mothers_undated_record_with_her_own_phone_is_left_alone_and_says_why() -> None:
    found, notes = _held(_family(), _edges((0, 1), (0, 2), (1, 2)), ADULTS)
    assert found == [0]
    assert len(notes) == 1
    note = notes[0]
    assert {note.a, note.b} == {0, 2}  # its strongest link to a dated record
    assert f"its phone ({MOTHER}) is none of this person's own ({DAUGHTER})" in note.constraint.reason


def test_a_phone_the_dated_records_share_keeps_it() -> None:
    records = _family().with_columns(pl.Series("phones", [[MOTHER, DAUGHTER], [], [DAUGHTER]]))
    assert _held(records, _edges((0, 1), (0, 2), (1, 2)), ADULTS) == ([], [])


def test_a_number_someone_else_holds_says_nothing() -> None:
    """A man's undated record (0) with his mobile; his dated record (1) holds the home's landline, as his wife's (2) does."""
    records = _records((None, ["07700900666"], None), ("1980-04-22", ["01633900777"], None), ("1984-01-30", ["01633900777"], None))
    assert _held(records, _edges((0, 1)), ADULTS) == ([], [])
    # the same, had the number been his alone: left alone
    alone = records.with_columns(pl.Series("phones", [["07700900666"], ["01633900777"], []]))
    assert _held(alone, _edges((0, 1)), ADULTS)[0] == [0]


def test_a_childs_number_may_be_a_parents_so_it_says_nothing() -> None:
    """A boy's undated youth record (0) with his own mobile; his council record (1, born 2010) holds his mother's."""
    records = _records((None, ["07700900666"], None), ("2010-04-22", ["07700900777"], None))
    assert _held(records, _edges((0, 1)), ADULTS) == ([], [])
    assert _held(records, _edges((0, 1)), "2012-01-01")[0] == [0]  # had he been an adult by then


def test_with_no_date_to_count_from_nothing_is_asked() -> None:
    assert _held(_family(), _edges((0, 1), (0, 2), (1, 2)), None) == ([], [])
    assert adults_born_by(None) is None
    assert adults_born_by("2026-11-02T09:00:00Z") == ADULTS
    assert adults_born_by("2024-02-29") == "2006-02-29"  # compared as text: born on or before the 28th, or on the 29th


def test_an_identifier_a_year_or_a_decision_keeps_it() -> None:
    edges = _edges((0, 1), (0, 2), (1, 2))
    assert _held(_family().with_columns(pl.Series("nhs", ["4010232137", "4020000115", None])), edges, ADULTS)[0] == []
    assert _held(_family().with_columns(pl.Series("dob_year", ["1973", "2004", "2004"])), edges, ADULTS)[0] == []
    decided = pl.concat([edges, _edges((0, 2), p=clustering.FORCED).with_columns(w=pl.lit(float("inf")))])
    assert _held(_family(), decided, ADULTS)[0] == []


def test_detached_records_left_out_together_stay_together() -> None:
    """Records 0-4 one cluster; 1 and 3 left out (linked to each other): {0, 2, 4}, {1, 3}; then 0 left out alone."""
    edges = _edges((0, 1), (1, 2), (1, 3), (2, 4), (3, 4))
    labels = clustering.components(5, edges["a"].to_numpy(), edges["b"].to_numpy())
    assert detach(labels, [1, 3], edges).tolist() == [0, 1, 0, 1, 0]
    assert detach(labels, [0], edges).tolist() == [0, 1, 1, 1, 1]
    assert detach(labels, [], edges) is labels


def test_a_schools_number_is_a_contact_not_the_persons_own() -> None:
    """The adult's only phone is on a school's record (a parent's contact number): nothing to compare with."""
    records = _records((None, ["07700900666"], None), ("2000-04-22", ["07700900777"], None))
    labels = np.array([0, 0])
    assert held_apart(records, _edges((0, 1)), labels, ADULTS, np.array([False, True]))[0] == []
    assert held_apart(records, _edges((0, 1)), labels, ADULTS, np.array([False, False]))[0] == [0]


def test_agreement_counts_pairs_of_an_adults_own_dated_records() -> None:
    """Two adults of two records each: one keeps one number, one holds two; a child's and a school's pairs do not count."""
    records = _records(("1980-01-01", ["A"], None), ("1980-01-01", ["A", "B"], None), ("1975-05-05", ["C"], None),
                       ("1975-05-05", ["D"], None), ("2012-03-03", ["E"], None), ("2012-03-03", ["F"], None),
                       ("1990-09-09", ["G"], None), ("1990-09-09", ["H"], None), (None, ["I"], None))
    labels = np.array([0, 0, 2, 2, 4, 4, 6, 6, 0])
    school = np.array([False] * 7 + [True, False])
    assert agreement(records, labels, ADULTS, school) == Agreement(2, 1)
    assert agreement(records, labels, None, school) == Agreement(0, 0)


@pytest.mark.parametrize(("pairs", "apart", "used"), [
    (AGREEMENT_MIN, 0, True), (AGREEMENT_MIN, 1, False), (AGREEMENT_MIN * 10, 9, True), (AGREEMENT_MIN - 1, 0, False),
])
def test_the_rule_is_used_only_where_one_adults_records_keep_one_number(pairs: int, apart: int, used: bool) -> None:
    said = Agreement(pairs, apart)
    assert said.used is used
    assert ("left for review" in said.sentence()) is used
    assert len(f"resolve: {said.sentence()}") < 200  # one line of the build's output, as every note


HEAD = "record_id,given_name,family_name,date_of_birth,address,postcode,phone\n"
GIVEN = ["Arwel", "Bethan", "Cerys", "Dewi", "Eirian", "Ffion", "Gwilym", "Heledd", "Iolo", "Lowri", "Meinir"]
FAMILY = ["Abernethy", "Bosanquet", "Carbery", "Dunstable", "Elphick", "Fairclough", "Gatacre", "Hebblethwaite",
          "Ingoldby", "Jellicoe", "Kilbride"]


def _town(second_numbers: int) -> tuple[str, str]:
    """Police and health feeds of 121 made-up adults (one record each in both, same phone, unless ``second_numbers``
    of them hold another number at the GP), and Tamsin Polglase: the daughter's police and health records, and the
    mother's only record, the council's, undated, with her own phone."""
    police, health = [HEAD], [HEAD]
    for i, (g, f) in enumerate((g, f) for g in GIVEN for f in FAMILY):
        row = f"{g},{f},19{60 + i % 30}-0{1 + i % 9}-1{i % 9},{i + 1} Heol Newydd,CF{10 + i % 40} {i % 9}AB"
        police.append(f"P-{i},{row},07700 9{i:05d}\n")
        health.append(f"H-{i},{row},07700 {'8' if i < second_numbers else '9'}{i:05d}\n")
    police.append("P-T,Tamsin,Polglase,2004-09-13,5 Heol y Nant,CF83 9TH,07700 800556\n")
    health.append("H-T,Tamsin,Polglase,2004-09-13,5 Heol y Nant,CF83 9TH,\n")
    return "".join(police), "".join(health)


def _built(tmp_path: Path, second_numbers: int) -> tuple[dict[str, str], pl.DataFrame, dict[str, object], list[str]]:
    police, health = _town(second_numbers)
    council = HEAD + "C-T,Tamsin,Polglase,,5 Heol y Nant,CF83 9TH,07700 800555\n"
    bundle = write_bundle(tmp_path / "bundle", {"police/persons.csv": ("persons", "gwent-police", police),
                                                "health/persons.csv": ("persons", "gp-cluster", health),
                                                "council/persons.csv": ("persons", "valleys-council", council)},
                          {"gwent-police": "police", "gp-cluster": "health", "valleys-council": "local_authority"})
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, bundle)
        result, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
        nominals = pl.read_csv(exported.directory / "nominals.csv", infer_schema=False)
        queue = pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "review_queue"))
        details = json.loads(pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "resolve_model"))["details"][0])
    finally:
        ws.close()
    return dict(zip(nominals["record_id"], nominals["nominal_id"], strict=True)), queue, details, result.notes


def test_through_the_build_the_mother_stands_alone_where_adults_keep_one_number(tmp_path: Path) -> None:
    """Every adult's police and GP records share a number: the mother's undated record is left alone, and the queue says why."""
    of, queue, details, notes = _built(tmp_path, second_numbers=0)
    assert of["P-T"] == of["H-T"] != of["C-T"]
    assert of["P-3"] == of["H-3"]
    mine = queue.filter((pl.col("record_a") == "C-T") | (pl.col("record_b") == "C-T"))
    said = [(lines(e, p)[0], e) for e, p in mine.select("explanation", "match_probability").iter_rows()]
    assert any(first.startswith("Kept apart:") and "its phone (+447700800555) is none of this person's own (+447700800556)" in whole
               for first, whole in said), said
    assert not mine["linked"].any()
    assert details["undated_other_phone"] == 1
    assert details["phone_agreement"] == {"pairs": 121, "no_phone_in_common": 0, "used": True}
    assert any("0 of 121 pairs" in n and "left for review" in n for n in notes), notes


def test_through_the_build_where_adults_hold_several_numbers_a_phone_holds_no_one_apart(tmp_path: Path) -> None:
    """Five of the adults hold another number at the GP (4%): the mother's record joins, as before, and the build says why."""
    of, _, details, notes = _built(tmp_path, second_numbers=5)
    assert of["P-T"] == of["H-T"] == of["C-T"]
    assert details["undated_other_phone"] == 0
    assert details["phone_agreement"] == {"pairs": 121, "no_phone_in_common": 5, "used": False}
    assert any("5 of 121 pairs" in n and "several numbers; phones not used" in n for n in notes), notes


SON, FATHER = "07700900781", "07700900782"


def _radstocks(son_born: str = "2007-05-16", father_phones: list[str] | None = None) -> pl.DataFrame:
    """0: Nathan Radstock's undated police record, his mobile; 1: his GP record (dated, his mobile); 2: his father
    Nathan's GP record (born 1989, the father's mobile). Name and home match both."""
    return _records((None, [SON], None), (son_born, [SON], "4020000166"),
                    ("1989-12-02", [FATHER] if father_phones is None else father_phones, "4020000174"))


def _apart(records: pl.DataFrame) -> list[Constraint]:
    return [Constraint(1, 2, "born 1989-12-02 and 2007-05-16, a generation apart")]


def test_a_number_only_one_namesake_holds_says_whose_undated_record_it_is() -> None:
    """The son's undated record matches him and his father alike on name and home (10 and 11 bits, either way round):
    ambiguous, so it joins neither; but its mobile is the son's own and not the father's, who has his own, so it is
    the son's, whichever of the two links is the stronger."""
    records, no, undated = _radstocks(), np.zeros(3, dtype=bool), np.array([True, False, False])
    for edges in (_edges((0, 1), (0, 2)), _edges((0, 2), (0, 1))):  # the father's link the stronger, then the son's
        alone = clustering.cluster(3, edges, NO_DECISIONS, _apart, undated=undated)
        assert alone.ambiguous == [0] and len(set(alone.labels.tolist())) == 3
        settled = clustering.cluster(3, edges, NO_DECISIONS, _apart, undated=undated, prefer=tells_sides(records, ADULTS, no))
        assert settled.ambiguous == [] and settled.labels[0] == settled.labels[1] != settled.labels[2]


@pytest.mark.parametrize(("why", "records", "contact"), [
    ("the son's number is on his school's record only: a contact, maybe his father's",
     _radstocks(), np.array([False, True, False])),
    ("the son is fifteen: a child's number may be a parent's", _radstocks(son_born="2011-05-16"), np.zeros(3, dtype=bool)),
    ("the father's records hold no number: nothing says his is another", _radstocks(father_phones=[]), np.zeros(3, dtype=bool)),
    ("the father's records hold it too: a home's number", _radstocks(father_phones=[SON, FATHER]), np.zeros(3, dtype=bool)),
])
def test_a_number_settles_nothing_unless_both_namesakes_own_numbers_tell_them_apart(
        why: str, records: pl.DataFrame, contact: np.ndarray) -> None:
    assert tells_sides(records, ADULTS, contact)(0, {0, 1}, {2}) is False, why
    assert tells_sides(records, None, contact)(0, {0, 1}, {2}) is False  # no date to count adults from

