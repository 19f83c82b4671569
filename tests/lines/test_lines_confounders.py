"""Lawful bulk senders are not deal lines: taxi firm, takeaway, GP surgery, sports club, chatty user.

First on hand-made comms (each kind beside a real line, so the test can fail both
ways), then on a simulated scenario scored against its truth.
"""

from __future__ import annotations

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.detect import Inputs, detect_lines
from lines_comms import CELLS, DAYS, KINDS, Built, Comms, deal_line, num, to_lake

LINE = num("7711", 1)


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]:
    c = Comms()
    numbers = {}
    for i, (kind, make) in enumerate(KINDS.items()):
        numbers[kind] = num("7714", i + 1)
        make(c, numbers[kind])
    deal_line(c, LINE, [num("7712", i) for i in range(40)], DAYS, "350000000000011", [num("7713", 1), num("7713", 2)])
    paths = to_lake(c.frame(), tmp_path_factory.mktemp("conf") / "lake.parquet")
    engine = DuckEngine(connect(Settings()))
    try:
        r = detect_lines(engine, Inputs(paths, CELLS, LinesSettings()))
    finally:
        engine.close()
    return r.tables["line_numbers"], r.tables["line_evidence"], numbers


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_lawful_bulk_sender_is_not_flagged(detected: tuple[pl.DataFrame, pl.DataFrame, dict[str, str]], kind: str) -> None:
    line_numbers, evidence, numbers = detected
    assert numbers[kind] not in line_numbers["number"].to_list()
    scored = evidence.filter(pl.col("number") == numbers[kind])
    if scored.height:  # a bulk sender is scored (and shown why it is not a line), well under the threshold
        assert scored["score"][0] < 0.4


def test_the_line_beside_them_is_flagged(detected: tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]) -> None:
    line_numbers, evidence, _ = detected
    assert line_numbers["number"].to_list() == [LINE]
    assert evidence.filter(pl.col("number") == LINE)["score"][0] > 0.7


def test_on_a_simulated_scenario_every_line_number_and_no_confounder(built: Built) -> None:
    truth = built.truth("line_numbers.csv")
    found = built.export("line_numbers.csv")
    confounders = built.truth("confounders.csv")
    assert set(confounders["kind"]) == set(KINDS)  # every kind is in the scenario
    assert set(found["number"]) == set(truth["number"])
    assert not set(found["number"]) & set(confounders["number"])
    def pairs(df):
        return set(zip(df["old_number"], df["new_number"], strict=True))
    assert pairs(built.export("successions.csv")) == pairs(built.truth("successions.csv"))


def test_on_a_simulated_scenario_lines_that_answer_first_are_found(built: Built) -> None:
    """The simulator's lines that answer each customer before passing the job on (runner's text 10-30 min after the order)."""
    lines = built.truth("lines.csv")
    answering = set(lines.filter(pl.col("answers_first") == "true")["line_id"].to_list())
    assert answering  # the scenario holds some
    truth = built.truth("line_numbers.csv").filter(pl.col("line_id").is_in(list(answering)))
    assert set(truth["number"]) <= set(built.export("line_numbers.csv")["number"])
