"""The ``resolve`` build stage: every person record from every source -> nominals (issue 4).

Tables written to the picture:

| table | one row per | what |
| --- | --- | --- |
| ``nominals`` | source record | ``nominal_id, source, record_id, match_probability`` (contract export) |
| ``pairs`` | scored pair at or above ``review_low`` | both records, their nominals, probability, weight, per-field weights |
| ``review_queue`` | borderline pair, highest impact first | as ``pairs`` plus ``rank``, ``impact``, ``explanation`` (JSON) |
| ``resolve_records`` | source record | the prepared fields, ``nominal_id`` and the age bounds (``ages.py``): what "is this child known?" matches against |
| ``resolve_tf`` | given name | term frequencies of given names, for scoring single records and explanations |
| ``resolve_model`` | build (one row) | the model used (JSON), whether trained here, pairs scored, timings |
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from crossline.errors import ConfigurationError
from crossline.settings.resolve import ResolveSettings
from crossline.stages.resolve import (
    ages,
    constraints,
    known,
    linkage,
    namesakes,
    relatives,
    review,
    served,
    stable_ids,
    undated_phones,
)
from crossline.stages.resolve import cluster as clustering
from crossline.stages.resolve.decisions import DECISIONS_SQL, as_indexes
from crossline.stages.resolve.explain import explain_pairs, term_frequencies
from crossline.stages.resolve.linkage import LinkageResult
from crossline.stages.resolve.model import Params
from crossline.stages.resolve.records import prepared_records
from crossline.stages.stage import BuildContext, Export, Stage
from crossline.workspace import Workspace

DATES_LISTED = 50
"""At most this many pairs with dates a generation apart taken as an error are listed in the details (all are counted)."""
NOMINALS_SCHEMA = {"nominal_id": pl.String, "source": pl.String, "record_id": pl.String, "match_probability": pl.Float64}


def model_path(ws: Workspace, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else ws.path / path


def load_model(ws: Workspace, s: ResolveSettings) -> Params | None:
    """The saved model named by ``[resolve] model``, or None to train in this build."""
    if not s.model:
        return None
    path = model_path(ws, s.model)
    try:
        params: Params = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"[resolve] model = {s.model!r}: cannot read it ({exc}); set [resolve] save_model to write one "
            "from a build, or leave model blank to train in the build"
        ) from exc
    return params


def link(ctx: BuildContext, records: pl.DataFrame, s: ResolveSettings, loaded: Params | None) -> tuple[LinkageResult, pl.DataFrame]:
    """Score pairs on the configured engine; returns the scored pairs as ``a, b, match_probability, ...``."""
    if s.engine == "spark":
        from crossline.stages.resolve import spark

        result, table = spark.run(records, s, loaded, ctx.progress, ctx.out / ".spark")
    else:
        from crossline.stages.resolve import duck

        result, table = duck.run(records, ctx.ws.settings, s, loaded, ctx.progress, ctx.out / ".duckdb-spill")
    pairs = pl.from_arrow(table)
    assert isinstance(pairs, pl.DataFrame)
    weights = sorted(c for c in pairs.columns if c.startswith("mw_"))
    pairs = pairs.select(
        pl.min_horizontal("unique_id_l", "unique_id_r").alias("a"),
        pl.max_horizontal("unique_id_l", "unique_id_r").alias("b"),
        "match_probability",
        "match_weight",
        *weights,
    )
    return result, linkage.steady_pairs(pairs)


def near_misses(pairs: pl.DataFrame, undated: np.ndarray, link_probability: float) -> pl.DataFrame:
    """Pairs below the link threshold, one record undated and the other dated, with a phone in common: ``a, b, p, w``.

    What ``clustering.near_bridges`` weighs against an undated record's links (a phone agrees when its weight is
    positive).
    """
    if "mw_phone" not in pairs.columns or pairs.height == 0:
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "p": pl.Float64, "w": pl.Float64})
    flags = pl.Series(undated)
    near = pairs.filter((pl.col("match_probability") < link_probability) & (pl.col("mw_phone") > 0))
    one_undated = flags.gather(near["a"]) != flags.gather(near["b"])
    return near.filter(one_undated).select("a", "b", p="match_probability", w=pl.col("match_weight").cast(pl.Float64))


def run(ctx: BuildContext) -> None:
    s = ctx.ws.settings.resolve
    ctx.progress("reading person records", 0.0)
    started = time.monotonic()
    timings: dict[str, float] = {}
    records = prepared_records(ctx.ws.engine, ctx.out / ".prepared-persons.parquet")
    timings["reading and preparing"] = round(time.monotonic() - started, 2)
    n = records.height
    loaded = load_model(ctx.ws, s)
    if n < 2:
        ctx.note("resolve: no person records, so no nominals" if n == 0 else
                 "resolve: one person record, one nominal (nothing to compare it with)")
        _write_trivial(ctx, records, loaded)
        return
    result, pairs = link(ctx, records, s, loaded)
    timings.update(result.timings)
    if result.untrained:
        ctx.note(f"resolve: no two of the {n:,} records agree on {'; '.join(result.untrained)}: the model learnt "
                 "nothing there (weight 0); import more records or load a trained model")

    started = time.monotonic()
    ctx.progress("clustering", 0.8)
    decisions = ctx.store(DECISIONS_SQL, no=False)
    same, different = as_indexes(decisions, records)
    edges = pl.concat([
        pairs.filter(pl.col("match_probability") >= s.link_probability).select(
            "a", "b", p="match_probability", w=pl.col("match_weight").cast(pl.Float64)),
        same.select("a", "b", p=pl.lit(clustering.FORCED), w=pl.lit(float("inf"))),
    ])
    family = relatives.as_indexes(ctx.store(relatives.RELATIVES_SQL), records)
    aged, distrusted, unused = ages.self_checked(ages.bounds(ctx.store(ages.AGES_SQL), records), records)
    for sentence in distrusted:
        ctx.note(f"resolve: warning: {sentence}")
    feeds = served.checked(records, pairs, s.link_probability, served.roles(ctx.store(served.ROLES_SQL), records))
    for sentence in feeds.notes:
        ctx.note(f"resolve: warning: {sentence}")
    if (said := served.sentence(feeds.profiles, records)) is not None:
        ctx.note(f"resolve: {said}")
    aged = served.joined(aged, feeds.marks)
    undated = records["dob"].is_null().to_numpy()
    near_ones, near_notes = clustering.near_bridges(
        n, edges, near_misses(pairs, undated, s.link_probability), undated,
        lambda x, y: constraints.conflict(records.row(x, named=True), records.row(y, named=True)))
    if near_ones:
        left_out = pl.Series(near_ones)
        edges = edges.filter(~(pl.col("a").is_in(left_out.implode()) | pl.col("b").is_in(left_out.implode())) | (pl.col("p") >= clustering.FORCED))

    def constrain(labels: np.ndarray) -> list[constraints.Constraint]:
        return (constraints.within_clusters(records, labels) + relatives.within_clusters(family, labels)
                + ages.within_clusters(aged, records, labels)
                + (namesakes.within_clusters(records, labels) if result.namesakes.on else []))

    found = clustering.cluster(n, edges, different, constrain, undated=undated)
    adults = undated_phones.adults_born_by(ctx.store(undated_phones.LATEST_SQL)["latest"][0])
    contact = records["source"].is_in(ctx.store(undated_phones.CONTACT_SQL)["agency_id"].implode()).to_numpy()
    phones_tell = undated_phones.agreement(records, found.labels, adults, contact)
    ctx.note(f"resolve: {phones_tell.sentence()}")
    if phones_tell.used and found.ambiguous:  # people keep their numbers here: a number may settle a namesake's record
        found = clustering.cluster(n, edges, different, constrain, undated=undated,
                                   prefer=undated_phones.tells_sides(records, adults, contact))
        if found.settled:
            ctx.note(f"resolve: {len(found.settled):,} undated record(s) matching two namesakes at one home joined the one "
                     "whose own number they hold (the other holds another)")
    other_phone, phone_notes = (undated_phones.held_apart(records, edges, found.labels, adults, contact)
                                if phones_tell.used else ([], []))
    found.splits = near_notes + phone_notes + found.splits
    found.ambiguous = sorted(set(found.ambiguous) | set(near_ones))
    labels = undated_phones.detach(found.labels, other_phone, edges)
    probability = clustering.record_probability(labels, edges, n)

    ctx.progress("nominal ids", 0.85)
    keys = records.select("source", "record_id").with_columns(pl.Series("cluster", labels))
    previous_path = ctx.previous_path("nominals")
    previous = pl.read_parquet(previous_path) if previous_path is not None else None
    ids = stable_ids.assign(keys, previous)
    nominal_of = keys.join(ids, on="cluster", how="left")["nominal_id"]
    nominals = pl.DataFrame({
        "nominal_id": nominal_of,
        "source": records["source"],
        "record_id": records["record_id"],
        "match_probability": pl.Series(probability).fill_nan(None),
    }).sort("nominal_id", "source", "record_id")
    ctx.write("nominals", nominals)
    timings["clustering and ids"] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    ctx.progress("review queue", 0.9)
    index = records.select("unique_id", "source", "record_id").with_columns(nominal_id=nominal_of)
    ctx.write("pairs", _with_records(pairs.with_columns(linked=pl.Series(labels[pairs["a"].to_numpy()] == labels[pairs["b"].to_numpy()])), index))
    decided = pl.concat([same, different])
    record_keys = records.select("unique_id", "source", "record_id")
    split = review.splits(found.splits, pairs, labels, record_keys)
    queue = review.select(pairs, labels, decided, s.review_low, s.review_high, s.review_limit)
    queue = review.with_splits(queue, split)
    tf = term_frequencies(records)
    explained = explain_pairs(records, queue.select("a", "b"), result.params, tf)
    queue = review.noted(queue.join(explained.select("a", "b", "explanation"), on=["a", "b"], how="left"))
    queue = _with_records(queue.with_row_index("rank", offset=1), index).sort("rank")
    ctx.write("review_queue", queue)
    timings["review queue"] = round(time.monotonic() - started, 2)

    bounded = records.with_columns(nominal_id=nominal_of).join(  # the age bounds, for "is this child known?" too
        aged.with_columns(pl.col("unique_id").cast(records["unique_id"].dtype)), on="unique_id", how="left")
    ctx.write("resolve_records", bounded, sort_by=["family_name", "given_name", "unique_id"],
              row_group_size=known.RECORDS_ROW_GROUP)  # a lookup reads the row groups of its candidates' family names
    ctx.write("resolve_tf", tf)
    overridden = review.listed(found.overridden, record_keys)
    for item in overridden:
        ctx.note(f"resolve: warning: {item['records']} are in one nominal only because of a recorded \"same person\" "
                 f"decision, although {item['reason']}")
    taken = review.listed(constraints.dates_taken_as_errors(records, labels), record_keys)
    if taken:
        ctx.note(f"resolve: {len(taken)} pair(s) of records share a nominal although their dates of birth are a generation apart: "
                 "an identifier says one date is wrong (resolve_model.details.dates_taken_as_errors)")
    details = {
        "dates_taken_as_errors": taken[:DATES_LISTED], "dates_taken_as_errors_count": len(taken),
        "comparisons": result.comparisons, "timings": timings, "untrained_em_blocks": result.untrained, "split_components": found.split_components,
        "constraint_splits": split.height, "overridden_constraints": overridden,
        "ambiguous_undated": len(found.ambiguous), "undated_settled_by_phone": len(found.settled),
        "undated_settled_records": record_keys[found.settled[:DATES_LISTED]].to_dicts(),
        "undated_other_phone": len(other_phone),
        "phone_agreement": {"pairs": phones_tell.pairs, "no_phone_in_common": phones_tell.apart, "used": phones_tell.used},
        "distrusted_age_bounds": distrusted, "age_bounds_unused": unused, "served_ages": served.details(feeds.profiles, feeds.unused),
        "conflicting_decisions": found.conflicts, "decisions": decisions.height, "records": n,
        "nominals": int(ids.height), "twins_guard": result.guard.details(), "namesakes_guard": result.namesakes.details(),
    }
    _write_model(ctx, s, result.params, result.trained, details)


def _with_records(frame: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Swap record indexes ``a, b`` for each side's source, record id and nominal id."""
    def side(x: str) -> pl.DataFrame:
        return index.rename({"unique_id": x, "source": f"source_{x}", "record_id": f"record_{x}", "nominal_id": f"nominal_{x}"})

    out = frame.join(side("a"), on="a", how="left").join(side("b"), on="b", how="left")
    first = [c for c in ("rank",) if c in out.columns]
    ids = ["source_a", "record_a", "nominal_a", "source_b", "record_b", "nominal_b"]
    rest = [c for c in out.columns if c not in (*first, *ids, "a", "b")]
    return out.select([*first, *ids, *rest])


def _write_model(ctx: BuildContext, s: ResolveSettings, params: Params, trained: bool, details: dict[str, Any]) -> None:
    text = json.dumps(params, indent=1, sort_keys=True)
    ctx.write("resolve_model", pl.DataFrame({
        "model": [text], "trained": [trained], "details": [json.dumps(details, sort_keys=True)],
    }))
    if s.save_model:
        path = model_path(ctx.ws, s.save_model)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _write_trivial(ctx: BuildContext, records: pl.DataFrame, loaded: Params | None) -> None:
    """Fewer than two records: nothing to compare; each record is its own nominal."""
    keys = records.select("source", "record_id").with_columns(pl.Series("cluster", np.arange(records.height)))
    ids = stable_ids.assign(keys, None) if records.height else pl.DataFrame(schema={"cluster": pl.Int64, "nominal_id": pl.String})
    nominal_of = keys.join(ids, on="cluster", how="left")["nominal_id"] if records.height else pl.Series("nominal_id", [], pl.String)
    ctx.write("nominals", pl.DataFrame({
        "nominal_id": nominal_of, "source": records["source"], "record_id": records["record_id"],
        "match_probability": pl.Series([None] * records.height, dtype=pl.Float64),
    }, schema=NOMINALS_SCHEMA))
    side = {f"{k}_{x}": pl.String for x in "ab" for k in ("source", "record", "nominal")}
    ctx.write("pairs", pl.DataFrame(schema={**side, "match_probability": pl.Float64, "match_weight": pl.Float64, "linked": pl.Boolean}))
    ctx.write("review_queue", pl.DataFrame(schema={"rank": pl.UInt32, **side, "match_probability": pl.Float64,
                                                    "match_weight": pl.Float64, "linked": pl.Boolean,
                                                    "impact": pl.Float64, "explanation": pl.String}))
    ctx.write("resolve_records", records.with_columns(nominal_id=nominal_of))
    ctx.write("resolve_tf", pl.DataFrame(schema={"column": pl.String, "value": pl.String, "tf": pl.Float64}))
    ctx.write("resolve_model", pl.DataFrame({
        "model": [json.dumps(loaded) if loaded else None], "trained": [False],
        "details": [json.dumps({"records": records.height, "comparisons": 0})],
    }, schema={"model": pl.String, "trained": pl.Boolean, "details": pl.String}))


STAGE = Stage(
    name="resolve",
    run=run,
    outputs=("nominals", "pairs", "review_queue", "resolve_records", "resolve_tf", "resolve_model"),
    exports=(Export("nominals", "nominals", ("nominal_id", "source", "record_id", "match_probability")),),
    help="Resolve every person record from every source into nominals (Splink), with a review queue.",
)

__all__ = ["STAGE", "run"]
