"""A longer period (`--months`): the default is untouched, rates stay per day, programmes get a year of follow-up."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from crossline.sim import Scenario, simulate
from crossline.sim.clock import offset


def test_the_default_period_is_five_months_and_unchanged() -> None:
    sc = Scenario()
    assert sc.months == 5 and sc.with_months(5) == sc  # so the default scenario's bytes cannot change
    assert (sc.start, sc.end, sc.days, sc.produced_at) == (date(2026, 6, 1), date(2026, 10, 31), 153, "2026-11-02T09:00:00Z")
    assert sc.days == sc.indicators.rate_days  # the indicator rates are per the default period's days
    long = sc.with_months(14)
    assert (long.end, long.days, long.months, long.produced_at) == (date(2027, 7, 31), 426, 14, "2027-08-02T09:00:00Z")


@pytest.mark.parametrize("months", [4, 0, 37])
def test_a_period_too_short_or_too_long_is_refused(months: int) -> None:
    with pytest.raises(ValueError, match="months must be from 5 to 36"):
        Scenario().with_months(months)


@pytest.mark.parametrize(("when", "bst"), [
    (datetime(2026, 7, 1, 12), True), (datetime(2026, 12, 1, 12), False), (datetime(2027, 3, 28, 0, 59), False),
    (datetime(2027, 3, 28, 1, 0), True), (datetime(2027, 10, 31, 0, 59), True), (datetime(2027, 10, 31, 1, 0), False),
])
def test_clocks_change_on_the_uk_dates_of_every_year(when: datetime, bst: bool) -> None:
    ts = int(when.replace(tzinfo=UTC).timestamp())
    assert int(offset(ts)) == (3600 if bst else 0)


def test_fourteen_months_follow_programmes_up_for_a_year(tmp_path: Path) -> None:
    summary = simulate(tmp_path / "out", scenario=Scenario(seed=4, scale=0.2).with_months(14))
    manifest = tomllib.loads((summary.bundle / "manifest.toml").read_text(encoding="utf-8"))
    assert manifest["produced_at"] == "2027-08-02T09:00:00Z"
    iv = pl.read_csv(summary.truth / "interventions.csv")
    assert iv.height >= 5
    started = iv["started_at"].str.slice(0, 10).str.to_date()
    assert started.max() <= date(2026, 8, 10)  # days 25 to 70 of the period, as in the default
    # indicator events keep their daily rate: the last five months have about as many as the first five
    # (were the rates still per period, spread over 14 months, the last five would have about a third)
    events = pl.concat([pl.read_csv(f, infer_schema_length=0) for f in summary.bundle.glob("*/events.csv")], how="diagonal")
    kinds = ["missing_episode", "stop_search", "school_exclusion", "persistent_absence", "ae_attendance", "arrest"]
    day = events.filter(pl.col("event_type").is_in(kinds))["occurred_at"].str.slice(0, 10).str.to_date()
    first = int(day.is_between(date(2026, 6, 1), date(2026, 10, 31)).sum())
    last = int(day.is_between(date(2027, 3, 1), date(2027, 7, 31)).sum())
    assert 0.7 < last / first < 1.3, (first, last)
