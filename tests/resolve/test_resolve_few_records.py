"""A handful of person records: the model cannot learn, and the build says so instead of failing.

Found by the independent comms scenario's first cut, whose bundle carried a two-person persons feed: Splink
refused to train on a date-of-birth block with no pair in it, and a prior of 0 (no pair met a deterministic
rule) has no logarithm.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.service.build import build
from crossline.workspace import init_workspace
from helpers import import_as_hub, write_bundle

HEADER = "record_id,given_name,family_name,date_of_birth,postcode\n"


def _nominals(tmp_path: Path, rows: str) -> tuple[pl.DataFrame, list[str]]:
    bundle = write_bundle(tmp_path / "bundle", {"persons.csv": ("persons", "hub-police", HEADER + rows)})
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, bundle)
        result, exported = build(ws, LOCAL_ADMIN, only=["resolve"])
        return pl.read_csv(exported.directory / "nominals.csv", infer_schema=False), list(result.notes)
    finally:
        ws.close()


def test_two_strangers_are_two_nominals_and_the_build_says_the_model_learnt_nothing(tmp_path: Path) -> None:
    nominals, notes = _nominals(tmp_path, "P1,Alan,Testperson,1990-01-02,NP20 1AA\nP2,Beth,Sampleton,1985-05-06,NP20 2BB\n")
    assert nominals["nominal_id"].n_unique() == 2
    said = [n for n in notes if n.startswith("resolve:")]
    assert said and "no two of the 2 records agree on dob" in said[0] and "given_name and family_name" in said[0]


def test_three_records_two_of_one_person_are_still_joined(tmp_path: Path) -> None:
    nominals, notes = _nominals(tmp_path, "P1,Alan,Testperson,1990-01-02,NP20 1AA\nP2,Beth,Sampleton,1985-05-06,NP20 2BB\n"
                                          "P3,Alan,Testperson,1990-01-02,NP20 1AA\n")
    of = dict(zip(nominals["record_id"], nominals["nominal_id"], strict=True))
    assert of["P1"] == of["P3"] != of["P2"]
    assert not [n for n in notes if "learnt nothing" in n]
