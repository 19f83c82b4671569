"""Rebrands: a new number texting the same customers after the old one falls silent, with and without the same handset."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from crossline.engine.duck import DuckEngine, connect
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.detect import Inputs, Result, detect_lines
from lines_comms import CELLS, Comms, deal_line, num, to_lake

OLD, NEW = num("7711", 1), num("7711", 2)
CUSTOMERS = [num("7712", i) for i in range(40)]
RUNNERS = [num("7713", 1), num("7713", 2)]


def detect(c: Comms, tmp_path: Path, previous: pl.DataFrame | None = None, **settings: object) -> Result:
    paths = to_lake(c.frame(), tmp_path / "lake.parquet")
    engine = DuckEngine(connect(Settings()))
    try:
        return detect_lines(engine, Inputs(paths, CELLS, LinesSettings(**settings), previous_ids=previous))
    finally:
        engine.close()


def rebrand(same_imei: bool, kept: int = 34, new_customers: int = 3) -> Comms:
    """Old number days 0-11; the new one from day 12 with ``kept`` of the 40 customers plus some new."""
    c = Comms()
    deal_line(c, OLD, CUSTOMERS, range(0, 12), "350000000000011", RUNNERS)
    after = CUSTOMERS[:kept] + [num("7717", i) for i in range(new_customers)]
    deal_line(c, NEW, after, range(12, 20), "350000000000011" if same_imei else "350000000000022", RUNNERS)
    return c


@pytest.mark.parametrize("same_imei", [True, False], ids=["same-handset", "new-handset"])
def test_a_rebrand_is_one_line_across_two_numbers(tmp_path: Path, same_imei: bool) -> None:
    r = detect(rebrand(same_imei), tmp_path)
    numbers = r.tables["line_numbers"]
    assert sorted(numbers["number"]) == sorted([OLD, NEW])
    assert numbers["line_id"].n_unique() == 1
    s = r.tables["successions"].row(0, named=True)
    assert (s["old_number"], s["new_number"], s["same_imei"]) == (OLD, NEW, same_imei)
    assert s["shared"] == 36 and s["old_customers"] == 42  # 34 customers kept and the 2 runners; 40 customers and 2 runners
    assert s["detected_at"] == "2026-06-13T10:00:00Z"  # the new number's first flare: day 12, 11:00 BST
    evidence = json.loads(s["evidence"])
    assert evidence["customers_shared"] == 36 and evidence["same_imei"] is same_imei
    assert evidence["imeis"] == (["350000000000011"] if same_imei else [])
    assert r.tables["lines"]["numbers"].to_list() == [2]


def test_low_customer_overlap_needs_the_same_handset(tmp_path: Path) -> None:
    # 12 of 40 customers kept (30%): below the 0.5 bar, above the 0.25 bar for the same handset
    with_handset = detect(rebrand(True, kept=12, new_customers=20), tmp_path / "a")
    without = detect(rebrand(False, kept=12, new_customers=20), tmp_path / "b")
    assert with_handset.tables["successions"].height == 1
    assert without.tables["successions"].height == 0
    assert without.tables["line_numbers"]["line_id"].n_unique() == 2  # two lines, each on its own evidence


def test_two_lines_running_side_by_side_are_not_a_succession(tmp_path: Path) -> None:
    c = Comms()
    deal_line(c, OLD, CUSTOMERS, range(0, 20), "350000000000011", RUNNERS)
    deal_line(c, NEW, CUSTOMERS[:30], range(5, 20), "350000000000022", RUNNERS, flare_times=(12, 19))
    r = detect(c, tmp_path)
    assert r.tables["successions"].is_empty()
    assert r.tables["line_numbers"]["line_id"].n_unique() == 2


def test_line_ids_stay_stable_across_builds(tmp_path: Path) -> None:
    first = detect(rebrand(True), tmp_path / "1")
    previous = first.tables["line_numbers"].select("number", "line_id")
    again = detect(rebrand(True), tmp_path / "2", previous=previous)
    assert again.tables["line_numbers"]["line_id"].to_list() == first.tables["line_numbers"]["line_id"].to_list()
    renamed = previous.with_columns(pl.lit("DL-kept-from-before").alias("line_id"))
    kept = detect(rebrand(True), tmp_path / "3", previous=renamed)
    assert set(kept.tables["line_numbers"]["line_id"]) == {"DL-kept-from-before"}


def test_a_closed_line_is_disrupted_and_a_running_one_active(tmp_path: Path) -> None:
    c = Comms()
    deal_line(c, OLD, CUSTOMERS[:20], range(0, 10), None, RUNNERS)
    for d in range(10, 20):  # the number is dead: customers keep texting it, nobody answers
        for k in range(3):
            c.text(CUSTOMERS[k + d % 5], OLD, c.rows[0]["started_at"].replace(day=1 + d, hour=13))
    deal_line(c, NEW, CUSTOMERS[20:], range(0, 20), None, [num("7713", 3), num("7713", 4)], flare_times=(12, 20))
    lines = detect(c, tmp_path).tables["lines"]
    status = dict(zip(lines["current_number"], lines["status"], strict=True))
    assert status == {OLD: "disrupted", NEW: "active"}
