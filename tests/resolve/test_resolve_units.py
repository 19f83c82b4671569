"""The resolve stage's parts on their own: preparing records, clustering with decisions, stable ids, caps, queue."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from crossline.errors import ConfigurationError
from crossline.settings import parse
from crossline.settings.resolve import ResolveSettings
from crossline.stages.resolve import review, stable_ids
from crossline.stages.resolve.cluster import FORCED, cluster, components, record_probability
from crossline.stages.resolve.model import (
    MIDDLE_DIFFER,
    MIDDLE_ELSE,
    NICKNAME_TYPO,
    PARTIAL_LEVEL,
    PHONE_LEVEL,
    TWIN_ELSE,
    TWIN_LEVEL,
    TWIN_PARTIAL_LEVEL,
    cap_weights,
    caps_for,
    regularise,
    set_middle_name,
    set_twin_guard,
    splink_settings,
    weight,
)
from crossline.stages.resolve.nicknames import forms_table
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, SPLINK_COLUMNS, prepare
from resolve_support import first_level, name_and_home_params


def person(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {c: None for c in PERSON_COLUMNS}
    row.update(source="s", record_id="r")
    row.update(fields)
    return row


def prepared(**fields: object) -> dict[str, object]:
    return prepare(pl.DataFrame([person(**fields)], schema=PERSON_SCHEMA)).row(0, named=True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"given_name": "Siân", "family_name": "O'Brien-Jones"},
         {"given_name": "sian", "family_name": "obrienjones", "surnames": ["o", "brien", "jones"]}),
        ({"given_name": "Bill", "family_name": "Evans"}, {"given_forms": ["william"], "given_canon": "william",
                                                         "name_key": "evans|william"}),
        ({"given_name": "Dai"}, {"given_forms": ["dafydd", "david"]}),
        ({"given_name": "Zebedee"}, {"given_forms": ["zebedee"]}),
        ({"date_of_birth": "2009-03-14", "date_of_birth_precision": "day"},
         {"dob": "2009-03-14", "dob_year": "2009", "dob_month": "03", "dob_day": "14"}),
        ({"date_of_birth": "2009-03", "date_of_birth_precision": "month"},
         {"dob": None, "dob_year": "2009", "dob_month": "03", "dob_day": None}),
        ({"date_of_birth": "2009", "date_of_birth_precision": "year"}, {"dob": None, "dob_year": "2009", "dob_month": None}),
        ({"postcode": "NP20 1AB", "postcode_is_uk": True},
         {"postcode": "NP20 1AB", "postcode_sector": "NP20 1", "postcode_district": "NP20"}),
        ({"postcode": "4223", "postcode_is_uk": False}, {"postcode": "4223", "postcode_sector": None, "postcode_district": None}),
        ({"address": "Flat 5, 15 Hollybush Close"}, {"address": "flat 5 15 hollybush cl", "address_numbers": "5 15"}),
        ({"address": "7 Station Road"}, {"address": "7 station rd", "address_numbers": "7"}),
        ({"town": "Casnewydd"}, {"town": "newport"}),
        ({"town": "Cwmbrân"}, {"town": "cwmbran"}),
        ({"phone": '["+447712345678", "+447787654321"]'}, {"phones": ["+447712345678", "+447787654321"]}),
        ({"phone": None}, {"phones": []}),
        ({"other_ids": '["NI: qq 12 34 56 c", "ssn:1234567"]'},
         {"other_ids": ["ni:QQ123456C", "ssn:1234567"], "other_id_types": ["ni", "ssn"], "other_id_first": "ni:QQ123456C"}),
        ({"pnc_id": " 04/123456a ", "nhs_number": "401 023 2137", "upn": "a123 456"},
         {"pnc": "04/123456A", "nhs": "4010232137", "upn": "A123456"}),
        ({"aliases": '["K-Dog", "Tiny"]'}, {"aliases": ["kdog", "tiny"]}),
        ({"sex": "u"}, {"sex": None}),
    ],
)
def test_resolve_prepare(fields: dict[str, object], expected: dict[str, object]) -> None:
    row = prepared(**fields)
    assert list(row) == list(SPLINK_COLUMNS)
    for key, value in expected.items():
        got = row[key]
        if isinstance(value, list):
            assert sorted(got) == sorted(value), key
        else:
            assert got == value, key


def test_resolve_nickname_forms() -> None:
    table = dict(forms_table().iter_rows())
    assert set(table["bill"]) & set(table["will"]) == {"william"}
    assert set(table["dai"]) >= {"david", "dafydd"}
    assert table["william"] == ["william"]


@pytest.mark.parametrize(("short", "full"), [
    ("tash", "natasha"), ("lexi", "alexis"), ("lou", "louise"), ("zach", "zachary"), ("gabby", "gabrielle"),
    ("danni", "danielle"), ("ty", "tyler"), ("beth", "bethany"), ("gwen", "gwendolyn"), ("mikey", "michael"),
    ("jojo", "joanne"), ("mel", "melissa"), ("frankie", "francesca"), ("tilly", "matilda"), ("kez", "kerry"),
    ("tez", "terry"), ("gaz", "gary"), ("stevie", "steven"), ("ricky", "richard"), ("kenzie", "mackenzie"),
])
def test_short_forms_a_practitioner_would_know(short: str, full: str) -> None:
    """Issue 13 item 3: more short forms (added 2026-12-07, afternoon, from the first "tash for Natasha" onwards)."""
    table = dict(forms_table().iter_rows())
    assert full in table[short]


def test_resolve_components_through_chains() -> None:
    labels = components(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]


def test_resolve_different_holds_even_through_a_chain() -> None:
    edges = pl.DataFrame({"a": [0, 1, 2], "b": [1, 2, 3], "p": [0.99, 0.95, 0.97]})
    different = pl.DataFrame({"a": [0], "b": [2]})
    found = cluster(4, edges, different)
    assert found.labels[0] != found.labels[2]
    assert found.labels[2] == found.labels[3]  # the strongest links that break no decision are kept
    assert found.split_components == 1


def test_resolve_same_decision_forces_a_link_and_conflicts_are_counted() -> None:
    edges = pl.DataFrame({"a": [0, 3], "b": [1, 4], "p": [FORCED, FORCED]})
    found = cluster(5, edges, pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64}))
    assert found.labels[0] == found.labels[1] and found.labels[3] == found.labels[4]
    clash = cluster(3, pl.DataFrame({"a": [0, 1], "b": [1, 2], "p": [FORCED, FORCED]}), pl.DataFrame({"a": [0], "b": [2]}))
    assert clash.labels[0] != clash.labels[2] and clash.conflicts == 1


def test_resolve_record_probability() -> None:
    edges = pl.DataFrame({"a": [0, 1], "b": [1, 2], "p": [0.95, FORCED]})
    labels = np.array([0, 0, 0, 3])
    best = record_probability(labels, edges, 4)
    assert best[:3].tolist() == [0.95, 1.0, 1.0] and math.isnan(best[3])


def _ids(clusters: dict[str, int], previous: pl.DataFrame | None) -> dict[str, str]:
    records = pl.DataFrame({"source": ["s"] * len(clusters), "record_id": list(clusters), "cluster": list(clusters.values())})
    ids = stable_ids.assign(records, previous)
    joined = records.join(ids, on="cluster")
    return dict(zip(joined["record_id"], joined["nominal_id"], strict=True))


def _as_previous(ids: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"nominal_id": list(ids.values()), "source": ["s"] * len(ids), "record_id": list(ids)})


def test_resolve_stable_ids() -> None:
    first = _ids({"a": 0, "b": 0, "c": 2, "d": 3}, None)
    assert first == _ids({"a": 0, "b": 0, "c": 2, "d": 3}, None)  # deterministic
    assert first["a"] == first["b"] and len(set(first.values())) == 3
    # a new record joins a nominal: it keeps its id
    joined = _ids({"a": 0, "b": 0, "e": 0, "c": 3, "d": 4}, _as_previous(first))
    assert joined["e"] == joined["a"] == first["a"] and joined["c"] == first["c"]
    # two nominals merge: the larger keeps its id; the other id is retired
    merged = _ids({"a": 0, "b": 0, "c": 0, "d": 3}, _as_previous(first))
    assert merged["c"] == first["a"] and merged["d"] == first["d"]
    # a nominal splits: the larger part keeps the id, the other gets a new one
    split = _ids({"a": 0, "b": 1, "e": 1, "c": 3, "d": 4}, _as_previous(joined))
    assert split["b"] == joined["a"] and split["a"] not in set(joined.values())
    assert len(set(split.values())) == 4


def test_resolve_caps_keep_weak_evidence_weak() -> None:
    params = {"version": 1, "twin_guard": True, "probability_two_random_records_match": 1e-5, "levels": {
        "phone": {PHONE_LEVEL: {"m": 0.3, "u": 1e-6}, "no phone in common": {"m": 0.7, "u": 0.999999}},
        "pnc": {"same": {"m": 0.9, "u": None}, "one character apart": {"m": None, "u": None}, "different": {"m": 1e-9, "u": 0.99}},
    }}
    capped = cap_weights(regularise(params, 1e6), caps_for(2.0))
    assert weight(capped["levels"]["phone"][PHONE_LEVEL]) == pytest.approx(2.0)
    assert weight(capped["levels"]["pnc"]["same"]) == pytest.approx(math.log2(0.9 * 1e6))  # u unseen: rarer than 1 in 1e6
    assert weight(capped["levels"]["pnc"]["one character apart"]) == 0.0  # never seen either way: no evidence
    assert weight(capped["levels"]["pnc"]["different"]) == pytest.approx(math.log2(1e-3 / 0.99))  # floor on m


def test_resolve_twin_guard_takes_back_what_the_date_gave() -> None:
    params = {"version": 1, "twin_guard": True, "probability_two_random_records_match": 1e-5, "levels": {
        "date_of_birth": {"exact": {"m": 0.6, "u": 5e-5}, PARTIAL_LEVEL: {"m": 0.1, "u": 1e-3}},
        "twin_guard": {TWIN_LEVEL: {"m": 0.4, "u": 1e-4}},
    }}
    guarded = set_twin_guard(params)["levels"]
    dob = params["levels"]["date_of_birth"]
    assert weight(guarded["twin_guard"][TWIN_LEVEL]) == pytest.approx(-weight(dob["exact"]))
    assert weight(guarded["twin_guard"][TWIN_PARTIAL_LEVEL]) == pytest.approx(-weight(dob[PARTIAL_LEVEL]))
    assert weight(guarded["twin_guard"][TWIN_ELSE]) == 0.0


def test_resolve_model_is_engine_neutral(tmp_path: object) -> None:
    """A model (params) rebuilds the same levels for DuckDB and Spark, differing only in function names."""
    from crossline.stages.resolve.model import params_from_splink, settings_creator

    duck = settings_creator("duckdb").create_settings_dict("duckdb")
    for c in duck["comparisons"]:
        for lv in c["comparison_levels"]:
            lv.setdefault("m_probability", 0.5)
            lv.setdefault("u_probability", 0.5)
    params = params_from_splink({**duck, "probability_two_random_records_match": 1e-4})
    spark = splink_settings("spark", params)
    duckdb_again = splink_settings("duckdb", params)
    def labels(s):
        return [[lv.get("label_for_charts") for lv in c["comparison_levels"]] for c in s["comparisons"]]
    assert labels(spark) == labels(duckdb_again)
    sql = json.dumps(spark)
    assert "jaro_winkler(" in sql and "arrays_overlap(" in sql and "list_has_any" not in sql


def test_resolve_settings_are_checked() -> None:
    assert parse({}).resolve == ResolveSettings()
    with pytest.raises(ConfigurationError, match=r"\[resolve\] engine: should be one of 'duckdb' or 'spark'"):
        parse({"resolve": {"engine": "oracle"}})
    with pytest.raises(ConfigurationError, match="review_low"):
        parse({"resolve": {"review_low": 0.95, "link_probability": 0.9}})
    with pytest.raises(ConfigurationError, match=r"\[resolve\] treshold: unknown setting"):
        parse({"resolve": {"treshold": 0.9}})


def test_resolve_review_queue_ranks_by_impact() -> None:
    pairs = pl.DataFrame({
        "a": [0, 2, 4, 6], "b": [1, 3, 5, 7],
        "match_probability": [0.5, 0.8, 0.6, 0.999], "match_weight": [0.0, 2.0, 0.6, 10.0],
    })
    labels = np.array([0, 0, 2, 2, 4, 5, 6, 7])  # 0-1 and 2-3 linked now; 4 and 5 apart
    queue = review.select(pairs, labels, pl.DataFrame({"a": [6], "b": [7]}), 0.3, 0.995, 10)
    assert queue["a"].to_list() == [4, 0, 2]
    assert queue["linked"].to_list() == [False, True, True]
    assert queue["impact"].to_list() == pytest.approx([0.6 * 1 * 1, 0.5 * 1, 0.2 * 1])


@pytest.mark.parametrize(
    ("a", "b", "given", "guard"),
    [
        # a mistyped full name against its short form: one letter from a form of the same name, not twins
        ({"given_name": "Vicotria"}, {"given_name": "Tori"}, NICKNAME_TYPO, TWIN_ELSE),
        ({"given_name": "Tori"}, {"given_name": "Vicotria"}, NICKNAME_TYPO, TWIN_ELSE),
        # twins: clearly different names, no identifier in common
        ({"given_name": "Megan", "nhs_number": "4010232161"}, {"given_name": "Mali", "nhs_number": "4010232178"},
         "different", TWIN_LEVEL),
        # the same different names with one NHS number mistyped by a digit: a typo, not a sibling
        ({"given_name": "Megan", "nhs_number": "4010232161"}, {"given_name": "Mali", "nhs_number": "4010232162"},
         "different", TWIN_ELSE),
    ],
)
def test_resolve_given_name_levels_and_twins_guard(a: dict[str, object], b: dict[str, object], given: str, guard: str) -> None:
    from crossline.stages.resolve.model import settings_creator

    same = {"family_name": "Trevaskis", "date_of_birth": "2012-08-19", "date_of_birth_precision": "day"}
    left, right = prepared(**same, **a), prepared(**same, **b)
    comparisons = {c["output_column_name"]: c for c in settings_creator("duckdb").create_settings_dict("duckdb")["comparisons"]}
    assert first_level(comparisons["given_name"], left, right) == given
    assert first_level(comparisons["twin_guard"], left, right) == guard


def test_resolve_model_saved_before_a_level_was_added_still_loads() -> None:
    from crossline.stages.resolve.model import params_from_splink, settings_creator

    duck = settings_creator("duckdb").create_settings_dict("duckdb")
    for c in duck["comparisons"]:
        for lv in c["comparison_levels"]:
            lv.setdefault("m_probability", 0.5)
            lv.setdefault("u_probability", 0.5)
    params = params_from_splink({**duck, "probability_two_random_records_match": 1e-4})
    del params["levels"]["given_name"][NICKNAME_TYPO]
    loaded = splink_settings("duckdb", params)
    given = next(c for c in loaded["comparisons"] if c["output_column_name"] == "given_name")
    typo = next(lv for lv in given["comparison_levels"] if lv.get("label_for_charts") == NICKNAME_TYPO)
    assert typo["m_probability"] == typo["u_probability"]  # no evidence either way
    del params["levels"]["given_name"]["similar"]
    with pytest.raises(ValueError, match="no level 'similar'"):
        splink_settings("duckdb", params)


MIDDLE_NULL = "middle name not held by both, or both dates of birth held"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # a mother's record without a date of birth against her daughter named after her
        ({"other_names": "Elowen"}, {"other_names": "Morwenna", "date_of_birth": "2011-05-16"}, MIDDLE_DIFFER),
        ({"other_names": "Elowen"}, {"other_names": "Morwenna"}, MIDDLE_DIFFER),
        # both dates held: the dates tell a generation apart, the rule stays out of the way
        ({"other_names": "Elowen", "date_of_birth": "1984-02-01"}, {"other_names": "Morwenna", "date_of_birth": "2011-05-16"},
         MIDDLE_NULL),
        # a partial date is a date: the years tell
        ({"other_names": "Elowen", "date_of_birth": "1984"}, {"other_names": "Morwenna", "date_of_birth": "2011-05-16"},
         MIDDLE_NULL),
        ({"other_names": None}, {"other_names": "Morwenna"}, MIDDLE_NULL),
        # ways one person's middle names differ
        ({"other_names": "Morwena"}, {"other_names": "Morwenna"}, MIDDLE_ELSE),  # a letter dropped
        ({"other_names": "Morwenna"}, {"other_names": "Morwnena"}, MIDDLE_ELSE),  # transposed
        ({"other_names": "M"}, {"other_names": "Morwenna"}, MIDDLE_ELSE),  # an initial
        ({"other_names": "Morwenna"}, {"other_names": "M."}, MIDDLE_ELSE),
        ({"other_names": "Elowen Morwenna"}, {"other_names": "Morwenna"}, MIDDLE_ELSE),  # one of two recorded
        ({"other_names": "Morwenna Jane"}, {"other_names": "Jane"}, MIDDLE_ELSE),
        # the given name and the middle name used the other way round
        ({"given_name": "Morwenna", "other_names": "Katrin"}, {"other_names": "Morwenna"}, MIDDLE_ELSE),
        # an initial of another letter is no help
        ({"other_names": "E"}, {"other_names": "Morwenna"}, MIDDLE_DIFFER),
    ],
)
def test_resolve_middle_names_differ_only_without_a_date(a: dict[str, object], b: dict[str, object], expected: str) -> None:
    from crossline.stages.resolve.model import settings_creator

    same = {"given_name": "Katrin", "family_name": "Rosewarne", "address": "19 Ffordd Helyg", "postcode": "NP44 2HW"}
    left, right = prepared(**{**same, **a}), prepared(**{**same, **b})
    comparisons = {c["output_column_name"]: c for c in settings_creator("duckdb").create_settings_dict("duckdb")["comparisons"]}
    assert first_level(comparisons["middle_name"], left, right) == expected
    assert first_level(comparisons["middle_name"], right, left) == expected


LARCH = {"address": "14 Larch Road", "town": "Cwmbran", "postcode": "NP44 1FF"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({**LARCH}, {**LARCH}, "same address and postcode"),
        # a house and street with no town or postcode (a charity's record, or a practitioner asking): nothing
        # says the area differs, so the same house is the same address (it was "different area", -5.4 bits)
        ({"address": "14 Larch Rd"}, {**LARCH}, "same address, postcode differs or missing"),
        ({**LARCH}, {"address": "14 Larch Road"}, "same address, postcode differs or missing"),
        ({"address": "14 Larch Road"}, {"address": "14 Larch Road"}, "same address, postcode differs or missing"),
        # a town alone still says where: the same house in another town is another home
        ({"address": "14 Larch Road", "town": "Leeds"}, {**LARCH}, "different area"),
        ({"address": "14 Larch Road", "postcode": "LS1 4AP"}, {**LARCH}, "different area"),
        # another house, area not given: not the same address
        ({"address": "3 Mill Lane"}, {**LARCH}, "different area"),
    ],
)
def test_resolve_location_levels_when_one_side_names_no_area(a: dict[str, object], b: dict[str, object], expected: str) -> None:
    from crossline.stages.resolve.model import settings_creator

    left, right = prepared(**a), prepared(**b)
    comparisons = {c["output_column_name"]: c for c in settings_creator("duckdb").create_settings_dict("duckdb")["comparisons"]}
    assert first_level(comparisons["location"], left, right) == expected
    assert first_level(comparisons["location"], right, left) == expected


def test_resolve_middle_name_rule_takes_back_name_and_home() -> None:
    params = {"version": 1, "twin_guard": True, "probability_two_random_records_match": 1e-5, "levels": {
        "given_name": {"exact": {"m": 0.8, "u": 1e-3}, "different": {"m": 0.02, "u": 0.9}},
        "family_name": {"exact": {"m": 0.85, "u": 2e-3}},
        "location": {"same address and postcode": {"m": 0.6, "u": 2e-4}},
    }}
    levels = set_middle_name(params)["levels"]
    taken = sum(weight(params["levels"][c][label]) for c, label in (
        ("given_name", "exact"), ("family_name", "exact"), ("location", "same address and postcode")))
    assert weight(levels["middle_name"][MIDDLE_DIFFER]) == pytest.approx(-taken)
    assert weight(levels["middle_name"][MIDDLE_ELSE]) == 0.0
    assert "middle_name" not in params["levels"]  # the model passed in is left as it was


def test_resolve_middle_name_rule_explained_in_plain_words() -> None:
    """The reviewer reads which middle names differed, and that the date was missing, beside the bits taken back."""
    from crossline.stages.resolve.explain import explain_pairs, lines, term_frequencies
    from crossline.stages.resolve.model import set_practitioner

    params = set_middle_name(set_practitioner(name_and_home_params()))
    home = {"given_name": "Katrin", "family_name": "Rosewarne", "address": "19 Ffordd Helyg", "postcode": "NP44 2HW",
            "postcode_is_uk": True}
    records = prepare(pl.DataFrame([
        person(record_id="mother", other_names="Elowen", **home),
        person(record_id="daughter", other_names="Morwenna", date_of_birth="2011-05-16", **home),
    ], schema=PERSON_SCHEMA))
    explained = explain_pairs(records, pl.DataFrame({"a": [0], "b": [1]}), params, term_frequencies(records))
    said = lines(explained["explanation"][0])
    middle = next(line for line in said if line.startswith("Middle names:"))
    taken = weight(params["levels"]["middle_name"][MIDDLE_DIFFER])
    # records in (source, record_id) order: the daughter first
    assert middle == f"Middle names: {MIDDLE_DIFFER} (morwenna, 2011-05-16 / elowen): disagreed, {taken:+.1f} bits"
    assert explained["match_probability"][0] < 0.001
