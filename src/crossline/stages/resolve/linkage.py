"""Run the Splink model on an engine: train (or load) it, score the blocked pairs, hand back Arrow.

Engine-neutral: the caller registers the prepared records with a Splink
database API (DuckDB in ``duck.py``, Spark in ``spark.py``) and says how to
read a Splink table back as Arrow. Training follows FIELD-NOTES: u by random
sampling, m by expectation maximisation without term frequencies (the naive
form spends most of a million-record run re-scanning them), and the training
tables are dropped before prediction (they hold gigabytes at that size).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
from splink import Linker, block_on
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.errors import ConfigurationError
from crossline.settings.resolve import ResolveSettings
from crossline.stages.resolve import namesakes, twins
from crossline.stages.resolve.model import (
    EM_BLOCKS,
    PRIOR_RECALL,
    PRIOR_RULES,
    Params,
    cap_weights,
    caps_for,
    params_from_splink,
    regularise,
    set_middle_name,
    set_namesake_guard,
    set_practitioner,
    set_twin_guard,
    settings_creator,
    splink_settings,
)
from crossline.stages.resolve.twins import GuardDecision, Relatives, decide, gather

# Splink logs every training step at INFO; a build shows its own progress instead.
LOG_LEVEL = logging.ERROR

STEADY_DIGITS = 9
"""Significant digits kept of every trained m and u probability and every scored probability and weight.

DuckDB and Spark sum in parallel, and the order of a floating-point sum
depends on how the work was split between threads: the same records gave
match probabilities differing in the sixteenth digit with 2 and 8 threads.
Nine digits are far below anything a threshold or a reader can tell apart and
far above the threads' noise, so the same inputs give the same files.
"""

Progress = Callable[[str, float], None]
ToArrow = Callable[[SplinkDataFrame], pa.Table]


@dataclass
class LinkageResult:
    params: Params  # the model used for prediction (trained or loaded, regularised and capped)
    trained: bool
    comparisons: int  # blocked pairs scored
    guard: GuardDecision
    namesakes: GuardDecision
    timings: dict[str, float] = field(default_factory=dict)
    untrained: list[str] = field(default_factory=list)  # EM blocks with no pair to learn from (their levels weigh 0)


def steady(value: float | None) -> float | None:
    """``value`` to ``STEADY_DIGITS`` significant digits (None, 0 and non-finite values as they are)."""
    if value is None or value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{STEADY_DIGITS - 1}e}")


def steady_params(params: Params) -> Params:
    """The model with every probability rounded by ``steady``: the same data trains the same model whatever the threads."""
    levels = {
        column: {label: {k: steady(v) for k, v in level.items()} for label, level in by_label.items()}
        for column, by_label in params["levels"].items()
    }
    return {**params, "probability_two_random_records_match": steady(params["probability_two_random_records_match"]), "levels": levels}


def steady_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Scored pairs with probabilities and weights rounded by ``steady``, in (a, b) order whatever order the engine returned."""
    floats = [c for c, t in pairs.schema.items() if t in (pl.Float64, pl.Float32)]
    return pairs.with_columns(pl.col(c).round_sig_figs(STEADY_DIGITS) for c in floats).sort("a", "b")


def train(records: SplinkDataFrame, dialect: str, s: ResolveSettings, progress: Progress) -> tuple[Params, list[str]]:
    """Estimate the model on these records; returns the params before regularising and caps, and the EM blocks skipped.

    A block under which no two records agree (a handful of records, none sharing a
    date of birth, say) has nothing to learn from: Splink would refuse it (and leave
    the linker without the block's comparisons), so it is skipped, and the levels
    only it would have estimated keep no m value, so they weigh nothing
    (``model.regularise``). The build says so rather than failing.
    """
    linker = Linker(records, settings_creator(dialect, s.twin_guard, with_practitioner=False), log_level=LOG_LEVEL)
    progress("training: prior", 0.05)
    linker.training.estimate_probability_two_random_records_match(list(PRIOR_RULES), recall=PRIOR_RECALL)
    settings = linker._settings_obj  # Splink keeps the prior there; it has no public setter
    if not settings._probability_two_random_records_match:
        # no pair met a deterministic rule (a handful of records): at most one match among all the pairs, not none,
        # since a prior of 0 forbids every link (and neither EM nor scoring can take its logarithm)
        n = int(linker.misc.query_sql(f"SELECT COUNT(*) AS n FROM {records.physical_name}", output_type="pandas")["n"][0])
        settings._probability_two_random_records_match = 1.0 / (n * (n - 1) / 2 + 1)
    progress("training: u by random sampling", 0.1)
    linker.training.estimate_u_using_random_sampling(max_pairs=s.u_max_pairs, seed=s.seed)
    skipped: list[str] = []
    for i, block in enumerate(EM_BLOCKS):
        progress(f"training: m by expectation maximisation ({', '.join(block)})", 0.25 + 0.1 * i)
        if not _any_pair(linker, records, block):
            skipped.append(" and ".join(block))
            continue
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*block), estimate_without_term_frequencies=True, max_pairs=s.em_max_pairs
        )
    model = linker.misc.save_model_to_json()
    _forget_untrained(model, linker)
    linker.table_management.invalidate_cache()  # drops the training tables (gigabytes at a million records)
    return steady_params(params_from_splink(model, s.twin_guard)), skipped


def _any_pair(linker: Linker, records: SplinkDataFrame, block: tuple[str, ...]) -> bool:
    """Whether two records agree on every column of ``block`` (both present), i.e. EM has a pair to learn from."""
    cols = ", ".join(f'"{c}"' for c in block)
    present = " AND ".join(f'"{c}" IS NOT NULL' for c in block)
    sql = f"SELECT 1 AS hit FROM {records.physical_name} WHERE {present} GROUP BY {cols} HAVING COUNT(*) > 1 LIMIT 1"
    return len(linker.misc.query_sql(sql, output_type="pandas")) > 0


def _forget_untrained(model: dict[str, Any], linker: Linker) -> None:
    """Drop m and u values training never estimated (no pair fell in that level): they are only starting guesses.

    Splink's model dictionary cannot tell a starting value from an estimate, so
    this reads the levels' training history.
    """
    for comparison, trained in zip(model["comparisons"], linker._settings_obj.comparisons, strict=True):
        for level, trained_level in zip(comparison["comparison_levels"], trained.comparison_levels, strict=True):
            if level.get("is_null_level"):
                continue
            if not trained_level._has_estimated_m_values:
                level["m_probability"] = None
            if not trained_level._has_estimated_u_values:
                level["u_probability"] = None


def twins_guard(records: SplinkDataFrame, dialect: str, params: Params, s: ResolveSettings) -> GuardDecision:
    """Whether this build keeps the twins guard: the settings, then the data's own evidence (``twins.py``)."""
    return _guard(records, dialect, params, (s.twin_guard, "twin_guard"), s.twin_evidence_pairs, twins.evidence_sql, twins.TWINS)


def namesakes_guard(records: SplinkDataFrame, dialect: str, params: Params, s: ResolveSettings) -> GuardDecision:
    """Whether this build keeps the namesakes guard: the settings, then the data's own evidence (``namesakes.py``)."""
    return _guard(records, dialect, params, (s.namesake_guard, "namesake_guard"), s.namesake_evidence_pairs,
                  namesakes.evidence_sql, namesakes.NAMESAKES)


def _guard(records: SplinkDataFrame, dialect: str, params: Params, switch: tuple[bool, str], min_pairs: int,
           sql_for: Callable[[str, str], str], relatives: Relatives) -> GuardDecision:
    on, name = switch
    if not on:
        return GuardDecision(False, f"off: [resolve] {name} = false")
    if min_pairs <= 0:
        return GuardDecision(True, f"held: [resolve] {relatives.setting} = 0 (never lifted)")
    linker = Linker(records, settings_creator(dialect, True), log_level=LOG_LEVEL)
    rows = linker.misc.query_sql(sql_for(records.physical_name, dialect), output_type="pandas").to_dict("records")
    return decide(gather(rows, params), min_pairs, relatives)


def final_params(params: Params, s: ResolveSettings, guard: bool, namesakes_on: bool) -> Params:
    """Regularise and cap: applied to trained and loaded models alike (``guard``, ``namesakes_on``: whether the
    twins and namesakes guards hold)."""
    params = {**params, "twin_guard": guard, "namesake_guard": namesakes_on}
    if guard:
        params["levels"] = {**params["levels"], "twin_guard": params["levels"].get("twin_guard", {})}
    else:
        params["levels"] = {k: v for k, v in params["levels"].items() if k != "twin_guard"}
    capped = cap_weights(regularise(params, s.u_max_pairs), caps_for(s.phone_max_weight))
    return set_namesake_guard(set_twin_guard(set_middle_name(set_practitioner(capped))))


def score(
    records: SplinkDataFrame, dialect: str, params: Params, s: ResolveSettings, progress: Progress
) -> tuple[SplinkDataFrame, int]:
    """Score every blocked pair at or above ``review_low``; returns the predictions and how many pairs were scored."""
    linker = Linker(records, splink_settings(dialect, params), log_level=LOG_LEVEL)
    progress("blocking", 0.45)
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    counted = linker.misc.query_sql(f"SELECT COUNT(*) AS n FROM {blocked.physical_name}", output_type="pandas")
    n = int(counted["n"][0])
    if n > s.max_comparisons:
        raise ConfigurationError(
            f"the blocking rules generate {n:,} pairs, more than [resolve] max_comparisons "
            f"({s.max_comparisons:,.0f}); raise the limit in crossline.toml if the machine can take it"
        )
    progress(f"scoring {n:,} pairs", 0.55)
    predictions = linker.inference.predict(threshold_match_probability=s.review_low, warning_mode="never")
    return predictions, n


def training_sample(records: pl.DataFrame, s: ResolveSettings) -> pl.DataFrame | None:
    """The records to train on when there are more than ``train_records`` (None: train on all of them)."""
    if records.height <= s.train_records:
        return None
    return records.sample(n=s.train_records, seed=s.seed).sort("unique_id")


def run(
    records: SplinkDataFrame,
    dialect: str,
    s: ResolveSettings,
    loaded: Params | None,
    progress: Progress,
    to_arrow: ToArrow,
    training: SplinkDataFrame | None = None,
) -> tuple[LinkageResult, pa.Table]:
    """Train (unless a model is given), regularise and cap, score; the scored pairs come back as Arrow.

    ``training``: a sample of ``records`` to train on (see ``training_sample``); default all of them.
    """
    timings: dict[str, float] = {}
    started = time.monotonic()
    skipped: list[str] = []
    if loaded is not None:
        trained = loaded
    else:
        trained, skipped = train(training if training is not None else records, dialect, s, progress)
    progress("twins guard: looking for twins in the data", 0.42)
    guard = twins_guard(records, dialect, regularise(trained, s.u_max_pairs), s)
    progress(f"twins guard {guard.reason}", 0.43)
    progress("namesakes guard: looking for namesakes at one home in the data", 0.435)
    names = namesakes_guard(records, dialect, regularise(trained, s.u_max_pairs), s)
    progress(f"namesakes guard {names.reason}", 0.44)
    params = final_params(trained, s, guard.on, names.on)
    timings["training"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    predictions, n = score(records, dialect, params, s, progress)
    pairs = to_arrow(predictions)
    predictions.drop_table_from_database_and_remove_from_cache()
    timings["scoring"] = round(time.monotonic() - started, 2)
    return LinkageResult(params=params, trained=loaded is None, comparisons=n, guard=guard, namesakes=names,
                         timings=timings, untrained=skipped), pairs
