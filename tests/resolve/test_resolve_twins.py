"""Whether the data holds twins: the counts the build takes from the records, and the decision drawn from them."""

from __future__ import annotations

import polars as pl
import pytest

from crossline.stages.resolve.model import CROSSED, IDENTIFIER_DIFFERENT, settings_creator
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, prepare
from crossline.stages.resolve.twins import TwinsEvidence, decide, different_rate, evidence_sql, gather
from resolve_support import evidence_counts, first_level

HOME = {"family_name": "Trevaskis", "date_of_birth": "2012-08-19", "date_of_birth_precision": "day",
        "address": "6 Gwern Close", "postcode": "NP13 2PX", "postcode_is_uk": True}


def records(*rows: dict[str, object]) -> pl.DataFrame:
    full = [{c: None for c in PERSON_COLUMNS} | {"source": "s", "record_id": f"r{i}"} | row for i, row in enumerate(rows)]
    return prepare(pl.DataFrame(full, schema=PERSON_SCHEMA))


def counts(frame: pl.DataFrame) -> list[dict[str, object]]:
    return evidence_counts(frame, evidence_sql)


def test_twins_evidence_counts_twin_like_pairs_at_one_home_by_identifier() -> None:
    frame = records(
        HOME | {"given_name": "Megan", "nhs_number": "4010232161"},
        HOME | {"given_name": "Mali", "nhs_number": "4010232178"},  # Megan's twin: another NHS number
        HOME | {"given_name": "Gwen", "nhs_number": "4010232162"},  # one digit from Megan's: one person mistyped
        HOME | {"given_name": "Ffion"},  # no identifier: not counted
        HOME | {"given_name": "Tegan", "postcode": "CF10 1AA", "address": "1 Other Road", "nhs_number": "4010232186"},
        HOME | {"given_name": "Meg", "nhs_number": "4010232194"},  # a short form of Megan: not twin-like with her
    )
    assert counts(frame) == [
        {"kind": "nhs", "shared": False, "n": 4},  # Megan-Mali, Mali-Gwen, Mali-Meg, Gwen-Meg
        {"kind": "nhs", "shared": True, "n": 1},  # Megan-Gwen
    ]


def params_with(q: float) -> dict[str, object]:
    return {"levels": {"nhs": {"same": {"m": 1 - q}, "one character apart": {"m": 0.0}, IDENTIFIER_DIFFERENT["nhs"]: {"m": q}}}}


def test_twins_evidence_expects_differing_identifiers_at_the_model_rate() -> None:
    assert different_rate(params_with(0.05), "nhs") == pytest.approx(0.05)
    evidence = gather([{"kind": "nhs", "shared": True, "n": 380}, {"kind": "nhs", "shared": False, "n": 20}],
                      params_with(0.05))
    assert (evidence.agree, evidence.differ, evidence.expected) == (380, 20, pytest.approx(20.0))


@pytest.mark.parametrize(
    ("evidence", "on", "says"),
    [
        (TwinsEvidence(agree=380, differ=20, expected=20.0), False, "lifted: no sign of twins"),
        (TwinsEvidence(agree=380, differ=40, expected=20.0), True, "held: the data holds twins"),  # 20 pairs too many
        (TwinsEvidence(agree=187, differ=379, expected=5.3), True, "held: the data holds twins"),
        (TwinsEvidence(agree=0, differ=2, expected=0.0), True, "held: too few pairs"),  # the hand-written twins
        (TwinsEvidence(agree=30, differ=0, expected=1.5), True, "held: too few pairs"),
    ],
)
def test_twins_guard_is_lifted_only_on_enough_evidence_of_no_twins(evidence: TwinsEvidence, on: bool, says: str) -> None:
    decision = decide(evidence, min_pairs=50)
    assert decision.on is on
    assert decision.reason.startswith(says)
    assert decision.details()["differ"] == evidence.differ


def test_twins_poisson_tail() -> None:
    assert TwinsEvidence(agree=100, differ=0, expected=5.0).p_value == 1.0
    assert TwinsEvidence(agree=100, differ=5, expected=5.0).p_value == pytest.approx(0.5595, abs=1e-4)
    assert TwinsEvidence(agree=100, differ=15, expected=5.0).p_value < 0.001


def test_crossed_names_and_identifier_typos() -> None:
    """A family name written in the given name box; an identifier mistyped shares a blocking form with the true one."""
    frame = records({"given_name": "Lodge", "family_name": "Adele", "other_ids": '["ssn:9298526"]'},
                    {"given_name": "Gillian", "family_name": "Lodge", "other_ids": '["ssn:9298256"]'})
    left, right = frame.row(0, named=True), frame.row(1, named=True)
    comparisons = {c["output_column_name"]: c for c in settings_creator("duckdb").create_settings_dict("duckdb")["comparisons"]}
    assert first_level(comparisons["given_name"], left, right) == CROSSED
    assert set(left["id_variants"]) & set(right["id_variants"])  # 9298526 and 9298256: two digits swapped
    assert "ssn:9298526" in left["id_variants"]
