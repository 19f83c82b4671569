"""The what-works result cache (evaluate/cache.py): the same inputs and settings give the stored result at once; any change
to an input or a setting evaluates again. On a small independent scenario with few resamples, so the real evaluation runs."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from crossline.evaluate.cache import KEEP, SUFFIX, cache_key, cached_evaluate
from crossline.evaluate.effects import EvaluationData, WhatWorks, evaluate
from crossline.settings.evaluate import EvaluateSettings
from crossline.settings.risk import RiskSettings
from independent_world import independent_world

RS = RiskSettings(what_works_bootstrap=10)
ES = EvaluateSettings()


@pytest.fixture(scope="module")
def world() -> EvaluationData:
    return independent_world(3, n=1500, days=300)[0]


def counting() -> tuple[list[int], Callable[[EvaluationData, RiskSettings, EvaluateSettings], WhatWorks]]:
    calls: list[int] = []

    def run(data: EvaluationData, rs: RiskSettings, es: EvaluateSettings) -> WhatWorks:
        calls.append(1)
        return evaluate(data, rs, es)

    return calls, run


def test_the_same_evaluation_comes_from_the_cache_and_any_change_evaluates_again(world: EvaluationData, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    calls, run = counting()
    first = cached_evaluate(world, RS, ES, folder, run)
    assert len(calls) == 1
    stored = list(folder.glob(f"*{SUFFIX}"))
    assert len(stored) == 1 and stored[0].name == cache_key(world, RS, ES) + SUFFIX
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700

    again = cached_evaluate(world, RS, ES, folder, run)
    assert len(calls) == 1  # not evaluated again
    assert [(p.programme, p.status, p.matched) for p in again.programmes] == [(p.programme, p.status, p.matched) for p in first.programmes]
    e1 = first.programmes[0].estimates[0]
    e2 = again.programmes[0].estimates[0]
    assert (e2.ratio, e2.robust_ratio, e2.robust_low, e2.robust_high) == (e1.ratio, e1.robust_ratio, e1.robust_low, e1.robust_high)

    # one event moved by a day: another key, evaluated again
    moved = world.events.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.col("occurred_at") + timedelta(days=1)).otherwise(pl.col("occurred_at")).alias("occurred_at")
    )
    changed = EvaluationData(world.people, world.treatments, moved, world.concerns, world.data_start, world.data_end)
    assert cache_key(changed, RS, ES) != cache_key(world, RS, ES)
    cached_evaluate(changed, RS, ES, folder, run)
    assert len(calls) == 2
    # a setting changed: evaluated again
    cached_evaluate(world, RS.model_copy(update={"what_works_bootstrap": 11}), ES, folder, run)
    assert len(calls) == 3
    # a cost changed: the cost per harm avoided changes, so does the key
    assert cache_key(world, RS, ES.model_copy(update={"mentoring_cost": 900.0})) != cache_key(world, RS, ES)
    # the data period is an input too
    later = EvaluationData(world.people, world.treatments, world.events, world.concerns, world.data_start, world.data_end + timedelta(days=1))
    assert cache_key(later, RS, ES) != cache_key(world, RS, ES)
    assert len(calls) == 3 and cached_evaluate(world, RS, ES, folder, run) is not None and len(calls) == 3


def test_a_damaged_entry_is_evaluated_again_and_old_entries_are_pruned(world: EvaluationData, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = cache_key(world, RS, ES)
    (folder / f"{key}{SUFFIX}").write_bytes(b"not a pickle")
    for i in range(KEEP + 2):
        (folder / f"{i:064x}{SUFFIX}").write_bytes(b"old")
    calls, run = counting()
    result = cached_evaluate(world, RS, ES, folder, run)
    assert len(calls) == 1 and isinstance(result, WhatWorks)
    entries = list(folder.glob(f"*{SUFFIX}"))
    assert len(entries) == KEEP and (folder / f"{key}{SUFFIX}") in entries
    assert cached_evaluate(world, RS, ES, folder, run) is not None and len(calls) == 1  # the rewritten entry is read
