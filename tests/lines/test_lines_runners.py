"""The runner rule on hand-made comms: who the line texts as it texts a runner, on a flaring and on a quiet line."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.detect import Inputs, Result, detect_lines
from lines_comms import CELLS, DAYS, HUB, MARKET, Comms, at, deal_line, num, quiet_line, to_lake

FLARING, QUIET = num("7711", 1), num("7711", 5)
CUSTOMERS = [num("7712", i) for i in range(40)]
QUIET_BUYERS = [num("7715", i) for i in range(30)]
RUNNERS = [num("7713", 1), num("7713", 2)]
QUIET_RUNNERS = [num("7713", 5), num("7713", 6)]
SILENT = num("7713", 9)  # texted by the line every day, never answers: a list, not a runner
REGULAR = num("7715", 99)  # buys from the quiet line every day; texted back on a third of the days, called back on the rest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Result:
    c = Comms()
    deal_line(c, FLARING, CUSTOMERS, DAYS, "350000000000011", RUNNERS, check_ins=True)
    quiet_line(c, QUIET, QUIET_BUYERS, DAYS, "350000000000055", QUIET_RUNNERS, check_ins=True)
    for d in DAYS:
        c.text(REGULAR, QUIET, at(d, 11), a_cell=MARKET[1][0], b_cell=HUB[0][0])
        if d % 3 == 0:
            c.text(QUIET, REGULAR, at(d, 11, 4), imei="350000000000055", a_cell=HUB[0][0], b_cell=MARKET[1][0])
        else:
            c.call(QUIET, REGULAR, at(d, 11, 4), 40, imei="350000000000055", a_cell=HUB[0][0], b_cell=MARKET[1][0])
        c.text(FLARING, SILENT, at(d, 15) + timedelta(minutes=d % 7), imei="350000000000011", a_cell=HUB[0][0], b_cell=MARKET[2][0])
    paths = to_lake(c.frame(), tmp_path_factory.mktemp("runners") / "lake.parquet")
    engine = DuckEngine(connect(Settings()))
    try:
        return detect_lines(engine, Inputs(paths, CELLS, LinesSettings()))
    finally:
        engine.close()


def _runners_of(built: Result, number: str) -> set[str]:
    line = built.tables["line_numbers"].filter(pl.col("number") == number)["line_id"][0]
    return set(built.tables["runners"].filter(pl.col("line_id") == line)["number"].to_list())


def test_a_flaring_lines_runners_are_found_and_no_customer_is_one(built: Result) -> None:
    assert _runners_of(built, FLARING) == set(RUNNERS)
    customers = set(built.tables["line_customers"]["number"].to_list())
    assert customers & set(RUNNERS + QUIET_RUNNERS) == set()
    assert set(built.tables["runners"]["number"].to_list()) & set(CUSTOMERS + QUIET_BUYERS) == set()


def test_a_quiet_lines_runners_are_found_where_its_callers_are(built: Result) -> None:
    # a quiet line has no flare recipients, so no published market; its runners work where its answered callers are
    assert _runners_of(built, QUIET) == set(QUIET_RUNNERS)


def test_a_number_texted_daily_that_never_answers_is_not_a_runner(built: Result) -> None:
    assert SILENT not in set(built.tables["runners"]["number"].to_list())


def test_a_regular_customer_texted_back_is_not_a_runner(built: Result) -> None:
    # texted by the line on 7 days (above runner_min_days) with no flare at all, but in touch on all 21:
    # the texts answer its orders, so it stays a customer
    assert REGULAR in set(built.tables["line_customers"]["number"].to_list())
    assert REGULAR not in set(built.tables["runners"]["number"].to_list())
