"""Issue 18 on hand-made comms: a line that never flares, a taxi dispatcher beside it, and messy number changes."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.alerts import successor_alerts
from crossline.stages.lines.detect import Inputs, Result, detect_lines
from lines_comms import CELLS, DAYS, Comms, deal_line, notify_one_by_one, num, quiet_line, taxi_dispatch, to_lake

FLARING, QUIET, DISPATCH = num("7711", 1), num("7711", 5), num("7714", 9)
A, B, C = num("7711", 2), num("7711", 3), num("7711", 4)
CUSTOMERS = [num("7712", i) for i in range(40)]
RUNNERS = [num("7713", 1), num("7713", 2)]
DRIVERS = [num("7713", 11), num("7713", 12), num("7713", 13)]


def detect(c: Comms, tmp_path: Path) -> Result:
    paths = to_lake(c.frame(), tmp_path / "lake.parquet")
    engine = DuckEngine(connect(Settings()))
    try:
        return detect_lines(engine, Inputs(paths, CELLS, LinesSettings()))
    finally:
        engine.close()


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Result:
    c = Comms()
    deal_line(c, FLARING, CUSTOMERS[:30], DAYS, "350000000000011", RUNNERS)
    # a quiet line selling to some of the same market's buyers, and to its own
    quiet_line(c, QUIET, CUSTOMERS[15:] + [num("7715", i) for i in range(25)], DAYS, "350000000000055", [num("7713", 5), num("7713", 6)])
    taxi_dispatch(c, DISPATCH, DRIVERS)
    return detect(c, tmp_path_factory.mktemp("quiet"))


def test_a_line_that_never_flares_is_found_with_its_evidence(quiet: Result) -> None:
    numbers = quiet.tables["line_numbers"]
    assert QUIET in numbers["number"].to_list()
    row = numbers.filter(pl.col("number") == QUIET)
    assert row["found_by"][0] == "score" and row["first_flare_at"][0] is None
    ev = quiet.tables["line_evidence"].filter(pl.col("number") == QUIET)
    values = dict(zip(ev["feature"], ev["value"], strict=True))
    assert values["flare_regularity"] is None and values["stability"] is None  # unread, not 0
    assert values["relay"] > 0.8 and values["known_customers"] > 0.5
    assert ev["score"][0] >= 0.5


def test_a_line_that_answers_first_and_then_passes_the_job_on_relays(tmp_path: Path) -> None:
    """The runner's text comes 16 minutes after the order, 8 after the line's own answer: still a relay.

    Measured from the order alone (``relay_window_s``, 10 minutes) it would be no relay at all, and a line that
    never flares is judged only when it relays.
    """
    c = Comms()
    deal_line(c, FLARING, CUSTOMERS[:30], DAYS, "350000000000011", RUNNERS)
    quiet_line(c, QUIET, CUSTOMERS[15:] + [num("7715", i) for i in range(25)], DAYS, "350000000000055",
               [num("7713", 5), num("7713", 6)], answer_first=True)
    r = detect(c, tmp_path)
    assert QUIET in r.tables["line_numbers"]["number"].to_list()
    ev = r.tables["line_evidence"].filter(pl.col("number") == QUIET)
    assert dict(zip(ev["feature"], ev["value"], strict=True))["relay"] > 0.8


def test_the_quiet_line_is_its_own_line(quiet: Result) -> None:
    numbers = quiet.tables["line_numbers"]
    ids = dict(zip(numbers["number"], numbers["line_id"], strict=True))
    assert ids[QUIET] != ids[FLARING]


def test_a_taxi_dispatcher_relaying_every_job_is_not_a_line(quiet: Result) -> None:
    assert DISPATCH not in quiet.tables["line_numbers"]["number"].to_list()
    ev = quiet.tables["line_evidence"].filter(pl.col("number") == DISPATCH)
    assert ev.height, "the dispatcher is a candidate (many short inbound calls) and is scored"
    values = dict(zip(ev["feature"], ev["value"], strict=True))
    assert values["relay"] > 0.8  # it does relay: the other features keep it out
    assert ev["score"][0] < 0.45


def _pairs(r: Result) -> set[tuple[str, str]]:
    return set(zip(r.tables["successions"]["old_number"], r.tables["successions"]["new_number"], strict=True))


@pytest.mark.parametrize("same_imei", [True, False], ids=["same-handset", "new-handset"])
def test_only_sixty_percent_follow_and_new_customers_join(tmp_path: Path, same_imei: bool) -> None:
    c = Comms()
    deal_line(c, A, CUSTOMERS, range(0, 12), "350000000000011", RUNNERS)
    after = CUSTOMERS[:24] + [num("7717", i) for i in range(12)]  # 24 of 40 follow, 12 join
    deal_line(c, B, after, range(12, 20), "350000000000011" if same_imei else "350000000000022", RUNNERS)
    r = detect(c, tmp_path)
    assert _pairs(r) == {(A, B)}
    ev = json.loads(r.tables["successions"]["evidence"][0])
    assert ev["same_imei"] is same_imei and ev["new_share"] >= 0.6


def test_told_one_text_at_a_time_and_old_number_answering_two_days_on(tmp_path: Path) -> None:
    c = Comms()
    deal_line(c, A, CUSTOMERS, range(0, 14), "350000000000011", RUNNERS)  # still answering on days 12 and 13
    notify_one_by_one(c, B, CUSTOMERS[:34], 12, hours=6.0, imei="350000000000022")
    deal_line(c, B, CUSTOMERS[:34], range(13, 20), "350000000000022", RUNNERS)
    r = detect(c, tmp_path)
    assert _pairs(r) == {(A, B)}
    succ = r.tables["successions"]
    assert succ["gap_days"][0] < 0  # the new number started before the old one fell silent
    assert succ["detected_at"][0].startswith("2026-06-13T09")  # its first notice text, 10:00 BST on day 12


def test_a_quiet_line_changes_number_twice_one_line_id(tmp_path: Path) -> None:
    c = Comms()
    quiet_line(c, A, CUSTOMERS, range(0, 8), "350000000000011", RUNNERS)
    notify_one_by_one(c, B, CUSTOMERS[:30], 8)
    quiet_line(c, B, CUSTOMERS[:30] + [num("7717", i) for i in range(6)], range(8, 15), "350000000000022", RUNNERS)
    notify_one_by_one(c, C, CUSTOMERS[:26] + [num("7717", i) for i in range(6)], 15)
    quiet_line(c, C, CUSTOMERS[:26] + [num("7717", i) for i in range(6)], range(15, 21), "350000000000022", RUNNERS)
    r = detect(c, tmp_path)
    assert _pairs(r) == {(A, B), (B, C)}
    numbers = r.tables["line_numbers"]
    assert set(numbers["number"]) == {A, B, C}
    assert numbers["line_id"].n_unique() == 1


def test_successor_alert_on_the_first_build_holding_the_new_numbers_first_day(tmp_path: Path) -> None:
    """An order on A is granted; B starts on day 12, telling customers one by one: a build of data to day 12 alerts."""
    c = Comms()
    deal_line(c, A, CUSTOMERS, range(0, 12), "350000000000011", RUNNERS)
    notify_one_by_one(c, B, CUSTOMERS[:30], 12, hours=4.0, imei="350000000000022")
    r = detect(c, tmp_path)
    assert _pairs(r) == {(A, B)}
    ordered = pl.DataFrame({"number": [A], "application_id": ["APP-1"], "granted_at": ["2026-06-10T12:00:00Z"],
                            "imeis": ["350000000000011"]})
    alerts = successor_alerts(r.tables["line_numbers"], ordered)
    assert alerts["number"].to_list() == [B]
    assert alerts["handset_named"].to_list() == [False]
    # and the build before that day raises none
    before = Comms()
    deal_line(before, A, CUSTOMERS, range(0, 12), "350000000000011", RUNNERS)
    assert successor_alerts(detect(before, tmp_path / "before").tables["line_numbers"], ordered).is_empty()
