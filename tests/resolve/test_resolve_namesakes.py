"""The namesakes guard: two people of one name at one home, told apart by dates no typo explains (issue 13).

Cousins of one name brought up together, or a boy given his brother's name,
share the name and the home; only two full dates of birth that differ in
every part tell them apart. Which pairs the guard looks at, what it takes
back, how it reads to a reviewer, and how the data decides whether it holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from crossline.stages.resolve.explain import explain_pairs, lines, term_frequencies
from crossline.stages.resolve.model import (
    IDENTIFIER_DIFFERENT,
    NAMESAKE_ELSE,
    NAMESAKE_LEVEL,
    set_middle_name,
    set_namesake_guard,
    set_practitioner,
    settings_creator,
    weight,
)
from crossline.stages.resolve.namesakes import NAMESAKES, evidence_sql, within_clusters
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, prepare
from crossline.stages.resolve.twins import TwinsEvidence, decide, gather
from resolve_support import evidence_counts, first_level, name_and_home_params

HOME = {"given_name": "Jayden", "family_name": "Pengelly", "date_of_birth": "2009-06-21", "date_of_birth_precision": "day",
        "address": "3 Heol y Nant", "town": "Ystrad Mynach", "postcode": "CF82 7AB", "postcode_is_uk": True}
NULL = "a date of birth not held in full, or a given name missing"


def records(*rows: dict[str, object]) -> pl.DataFrame:
    full = [{c: None for c in PERSON_COLUMNS} | {"source": "s", "record_id": f"r{i}"} | row for i, row in enumerate(rows)]
    return prepare(pl.DataFrame(full, schema=PERSON_SCHEMA))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        # the younger brother: a name one letter from his brother's, born two years later
        ({"given_name": "Jaden", "date_of_birth": "2011-02-08"}, NAMESAKE_LEVEL),
        ({"date_of_birth": "2011-02-08"}, NAMESAKE_LEVEL),  # the very same name
        ({"given_name": "Jay", "date_of_birth": "2011-02-08"}, NAMESAKE_LEVEL),  # one name inside the other
        ({"date_of_birth": "2009-11-30"}, NAMESAKE_LEVEL),  # born the same year (cousins)
        ({"date_of_birth": "2011-02-08", "postcode": None, "address": "3 Heol-y-Nant"}, NAMESAKE_LEVEL),  # the house alone
        # what one person's dates look like: a typo, two digits swapped, day and month swapped, the year alone wrong
        ({"date_of_birth": "2009-06-27"}, NAMESAKE_ELSE),
        ({"date_of_birth": "2009-06-12"}, NAMESAKE_ELSE),
        ({"date_of_birth": "2009-06-12", "_mine": "2009-12-06"}, NAMESAKE_ELSE),  # day and month swapped
        ({"date_of_birth": "2011-06-12", "_mine": "2009-12-06"}, NAMESAKE_ELSE),  # ... and the year wrong too
        ({"date_of_birth": "2011-06-21"}, NAMESAKE_ELSE),  # the birthday kept, the year written wrongly
        ({"date_of_birth": "2009-06-21"}, NAMESAKE_ELSE),
        # 1 January, which systems that must hold a full date write when only the year is known
        ({"date_of_birth": "2009-01-01"}, NAMESAKE_ELSE),
        ({"date_of_birth": "2011-02-08", "_mine": "2009-01-01"}, NAMESAKE_ELSE),
        # an identifier in common (or one character apart) says one person whatever the dates
        ({"date_of_birth": "2011-02-08", "nhs_number": "4010232161", "_nhs": "4010232161"}, NAMESAKE_ELSE),
        ({"date_of_birth": "2011-02-08", "nhs_number": "4010232162", "_nhs": "4010232161"}, NAMESAKE_ELSE),
        # two clearly different names: plain siblings, whom the names already tell apart
        ({"given_name": "Ffion", "date_of_birth": "2011-02-08"}, NAMESAKE_ELSE),
        # another home: the name alone is not what the guard is about
        ({"date_of_birth": "2011-02-08", "address": "9 Mill Lane", "postcode": "CF10 1AA"}, NAMESAKE_ELSE),
        # a date not held in full on either side: the partial date levels decide
        ({"date_of_birth": "2011", "date_of_birth_precision": "year"}, NULL),
        ({"date_of_birth": "2011-02", "date_of_birth_precision": "month"}, NULL),
        ({"date_of_birth": None}, NULL),
        ({"given_name": None, "date_of_birth": "2011-02-08"}, NULL),
    ],
)
def test_namesake_guard_levels(other: dict[str, object], expected: str) -> None:
    own = HOME | ({"nhs_number": other["_nhs"]} if "_nhs" in other else {}) | (
        {"date_of_birth": other["_mine"]} if "_mine" in other else {})
    frame = records(own, HOME | {k: v for k, v in other.items() if not k.startswith("_")})
    left, right = frame.row(0, named=True), frame.row(1, named=True)
    comparisons = {c["output_column_name"]: c for c in settings_creator("duckdb").create_settings_dict("duckdb")["comparisons"]}
    assert first_level(comparisons["namesake_guard"], left, right) == expected
    assert first_level(comparisons["namesake_guard"], right, left) == expected


def trained() -> dict[str, Any]:
    return {"version": 1, "twin_guard": True, "probability_two_random_records_match": 1e-5, "levels": {
        "given_name": {"exact": {"m": 0.8, "u": 1e-3}, "different": {"m": 0.02, "u": 0.9}},
        "family_name": {"exact": {"m": 0.85, "u": 2e-3}},
        "location": {"same address and postcode": {"m": 0.6, "u": 2e-4}},
    }}


def test_namesake_guard_takes_back_name_and_home_while_it_holds() -> None:
    params = trained()
    levels = set_namesake_guard(params)["levels"]
    taken = sum(weight(params["levels"][c][label]) for c, label in (
        ("given_name", "exact"), ("family_name", "exact"), ("location", "same address and postcode")))
    assert taken > 20
    assert weight(levels["namesake_guard"][NAMESAKE_LEVEL]) == pytest.approx(-taken)
    assert weight(levels["namesake_guard"][NAMESAKE_ELSE]) == 0.0
    assert "namesake_guard" not in params["levels"]  # the model passed in is left as it was
    lifted = set_namesake_guard({**params, "namesake_guard": False})["levels"]
    assert weight(lifted["namesake_guard"][NAMESAKE_LEVEL]) == 0.0


def test_namesake_guard_explained_as_taking_back() -> None:
    """The reviewer reads the names, dates and home the guard looked at, and that it took back the name and home."""
    params = set_namesake_guard(set_middle_name(set_practitioner(name_and_home_params())))
    frame = records(HOME, HOME | {"date_of_birth": "2011-02-08"})
    explained = explain_pairs(frame, pl.DataFrame({"a": [0], "b": [1]}), params, term_frequencies(frame))
    said = lines(explained["explanation"][0])
    guard = next(line for line in said if line.startswith("Namesakes guard:"))
    taken = weight(params["levels"]["namesake_guard"][NAMESAKE_LEVEL])
    assert guard == (f"Namesakes guard: {NAMESAKE_LEVEL} (jayden, 2009-06-21, CF82 7AB / jayden, 2011-02-08, CF82 7AB): "
                     f"took back, {taken:+.1f} bits")
    assert explained["match_probability"][0] < 0.001


def test_namesakes_evidence_counts_namesake_pairs_at_one_home_by_identifier() -> None:
    frame = records(
        HOME | {"nhs_number": "4010232161"},
        HOME | {"given_name": "Jaden", "date_of_birth": "2011-02-08", "nhs_number": "4010232178"},  # his brother
        HOME | {"date_of_birth": "2004-01-30", "nhs_number": "4010232161"},  # Jayden with a false date: one person
        HOME | {"date_of_birth": "2009-06-22", "nhs_number": "4010232186"},  # a typo of Jayden's date: not counted
        HOME | {"given_name": "Ffion", "date_of_birth": "2013-04-02", "nhs_number": "4010232194"},  # another name
        HOME | {"date_of_birth": "2012-09-09"},  # no identifier: not counted
        HOME | {"date_of_birth": "2012-10-10", "postcode": "CF10 1AA", "nhs_number": "4010232208"},  # another home
    )
    assert evidence_counts(frame, evidence_sql) == [
        # Jayden-Jaden, Jaden-Jayden (false date), Jaden-Jayden (typo), the false date-the typo
        {"kind": "nhs", "shared": False, "n": 4},
        {"kind": "nhs", "shared": True, "n": 1},  # Jayden and his false date
    ]


def test_namesakes_guard_decision_names_what_it_looked_for() -> None:
    q = {"levels": {"pnc": {"same": {"m": 0.95}, "one character apart": {"m": 0.0}, IDENTIFIER_DIFFERENT["pnc"]: {"m": 0.05}}}}
    # FEBRL-like data: one person's dates replaced wholesale, the identifier shared (no namesakes here)
    lifted = decide(gather([{"kind": "pnc", "shared": True, "n": 380}, {"kind": "pnc", "shared": False, "n": 18}], q),
                    50, NAMESAKES)
    assert not lifted.on and lifted.reason.startswith("lifted: no sign of namesakes at one home in this data (398 namesake pairs")
    # the simulator's cousins and juniors: every such pair holds two identifiers
    held = decide(gather([{"kind": "nhs", "shared": False, "n": 381}], q), 50, NAMESAKES)
    assert held.on and held.reason.startswith("held: the data holds namesakes at one home")
    # FEBRL 4's own counts: more differing identifiers than recording explains (a record corrupted in its date is
    # corrupted elsewhere too), but about six pairs of two people in 118: the guard would split far more than it keeps
    # apart, so it is lifted (the twins guard, on such counts, would hold)
    some = TwinsEvidence(agree=107, differ=11, expected=4.86)
    assert some.p_value < 0.05 and decide(some, 50).on
    mostly_one = decide(some, 50, NAMESAKES)
    assert not mostly_one.on and mostly_one.reason.startswith("lifted: few namesakes at one home in this data")
    assert "about 6 pairs of two people, under 50% of them" in mostly_one.reason
    few = decide(TwinsEvidence(agree=10, differ=0, expected=0.5), 50, NAMESAKES)
    assert few.on and "namesake_evidence_pairs = 50" in few.reason


def test_namesakes_at_one_home_cannot_share_a_cluster() -> None:
    """A chain through an undated record put both brothers in one cluster: the constraint names the pair to keep apart."""
    frame = records(
        HOME,  # 0: Jayden
        HOME | {"given_name": "Jaden", "date_of_birth": "2011-02-08"},  # 1: his brother
        HOME | {"date_of_birth": None},  # 2: undated, matches both
        HOME | {"date_of_birth": "2004-01-30", "nhs_number": "4010232161"},  # 3: a false date, the NHS number of ...
        HOME | {"nhs_number": "4010232161"},  # 4: ... this record of Jayden's: one person
        HOME | {"date_of_birth": "2009-06-12"},  # 5: a typo of Jayden's date
        HOME | {"given_name": "Ffion", "date_of_birth": "2013-04-02"},  # 6: his sister: her name already tells
        HOME | {"date_of_birth": "2012-10-10", "postcode": "CF10 1AA"},  # 7: a Jayden at another home
    )
    found = within_clusters(frame, np.zeros(frame.height, dtype=np.int64))
    # Jaden against every record of Jayden's. The false date (3) stays free of Jayden's other records: record 4 holds
    # their date (or one digit from it) and shares its NHS number, so the date is the error, not the person.
    assert {(c.a, c.b) for c in found} == {(0, 1), (1, 3), (1, 4), (1, 5)}, found
    assert next(c for c in found if (c.a, c.b) == (0, 1)).reason == (
        "namesakes at one home: dates of birth 2009-06-21 / 2011-02-08 differ beyond a typo, no identifier in common")
    # in separate clusters nothing is asked
    assert within_clusters(frame, np.arange(frame.height, dtype=np.int64)) == []
    # day and month swapped, with the year wrong too: one person's date, never a constraint
    swapped = records(HOME | {"date_of_birth": "2009-12-06"}, HOME | {"date_of_birth": "2011-06-12"})
    assert within_clusters(swapped, np.zeros(2, dtype=np.int64)) == []
    # 1 January for a day and month nobody knew: the year alone, never a constraint
    new_year = records(HOME, HOME | {"date_of_birth": "2011-01-01"})
    assert within_clusters(new_year, np.zeros(2, dtype=np.int64)) == []


@pytest.mark.parametrize(
    ("values", "on", "reason"),
    [
        ({"namesake_guard": False}, False, "off: [resolve] namesake_guard = false"),
        ({"namesake_evidence_pairs": 0}, True, "held: [resolve] namesake_evidence_pairs = 0 (never lifted)"),
    ],
)
def test_namesakes_guard_settings_take_the_choice_back_from_the_data(values: dict[str, Any], on: bool, reason: str) -> None:
    from crossline.settings.resolve import ResolveSettings
    from crossline.stages.resolve.linkage import final_params, namesakes_guard

    decision = namesakes_guard(None, "duckdb", trained(), ResolveSettings(**values))  # type: ignore[arg-type]  # the data is not read
    assert (decision.on, decision.reason) == (on, reason)
    levels = final_params(name_and_home_params(), ResolveSettings(**values), guard=True, namesakes_on=decision.on)["levels"]
    assert (weight(levels["namesake_guard"][NAMESAKE_LEVEL]) < -20) is on
