"""The detector end to end: comms lake -> scored numbers -> lines, successions, customers, runners.

Pure over its inputs (paths, cells, settings, analysts' reviews, last build's
ids), so the stage, the tests and the benchmarks all run exactly this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import polars as pl

from crossline.engine.steps import SqlEngine
from crossline.settings.lines import FEATURES, LinesSettings
from crossline.stages.lines import customers as cust
from crossline.stages.lines.features import compute_features, known_customers, local_day_iso, number_summary, utc_iso
from crossline.stages.lines.geography import cells_with_areas, place_lines
from crossline.stages.lines.score import Model, evidence, fit, score_days, score_numbers
from crossline.stages.lines.sql import LINE_OUTPUTS, line_steps
from crossline.stages.lines.successions import find_successions


@dataclass
class Inputs:
    comms_paths: Sequence[str]
    cells: pl.DataFrame  # cell_id, lat, lon, force_area
    settings: LinesSettings
    workspace: Path | None = None  # for a relative weights_file
    reviews: pl.DataFrame | None = None  # number, decision (confirmed | rejected): the latest per number
    previous_ids: pl.DataFrame | None = None  # number, line_id from the last published build
    ordered_off: pl.DataFrame | None = None  # number: named in a granted or disconnected DDTRO


@dataclass
class Result:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def detect_lines(engine: SqlEngine, inp: Inputs) -> Result:
    s = inp.settings
    weights = s.weights(inp.workspace)
    cells = cells_with_areas(inp.cells)
    ft = compute_features(engine, inp.comms_paths, cells, s)
    res = Result()
    numbers = number_summary(ft.number_day)
    reviews = inp.reviews if inp.reviews is not None else pl.DataFrame(schema={"number": pl.String, "decision": pl.String})

    numbers, known = _with_known_customers(numbers, ft.number_parties, ft.party_homes, reviews, weights, s)
    model: Model | None = None
    if s.scoring == "supervised":
        labels = reviews.select("number", (pl.col("decision") == "confirmed").cast(pl.Int64).alias("label"))
        model, note = fit(numbers, labels, s.min_labels)
        res.notes.append(note)
    numbers = _flag(score_numbers(numbers, weights, model), reviews, s)

    succ = find_successions(numbers.filter(pl.col("reviewed").fill_null("") != "rejected"),
                            ft.number_parties, ft.number_imeis, s)
    comp = succ.components.join(numbers.select("number", "flagged"), on="number")
    line_comps = comp.group_by("component").agg(pl.col("flagged").any()).filter(pl.col("flagged")).select("component")
    members = comp.join(line_comps, on="component").select("number", "component")
    line_map = _line_ids(members, numbers, inp.previous_ids)
    pairs = succ.pairs.join(line_map.rename({"number": "new_number"}), on="new_number")

    engine.register("line_map", line_map.select("number", "line_id"))
    engine.run(line_steps(s))
    got = {name: engine.fetch(name) for name in LINE_OUTPUTS}
    geo, places, runners = place_lines(got["line_own_cells"], got["line_party_cells"], got["line_parties"],
                                       got["line_direct"], cells, s)
    customers = cust.customer_table(got["line_parties"], places, runners)
    daily = cust.daily(got["line_daily_people"], ft.number_day, line_map)
    as_of = int(cast(int, ft.number_day["day"].max())) if ft.number_day.height else 0

    imeis = ft.number_imeis.group_by("number").agg(pl.col("imei").sort().str.join(";").alias("imeis"))
    nums = (
        line_map.join(numbers, on="number").join(imeis, on="number", how="left")
        .with_columns(
            pl.when(pl.col("score") >= s.threshold).then(pl.lit("score"))
            .when(pl.col("reviewed") == "confirmed").then(pl.lit("analyst"))
            .otherwise(pl.lit("succession")).alias("found_by"),
        )
        .sort(["line_id", "first_out_t", "number"])
    )
    res.tables["line_numbers"] = nums.select(
        "line_id", "number", utc_iso(pl.col("first_out_t")).alias("active_from"),
        utc_iso(pl.col("last_out_t")).alias("active_to"), utc_iso(pl.col("first_flare_t")).alias("first_flare_at"),
        pl.col("score").round(4), pl.col("weighted_score").round(4), "method", "found_by", "reviewed",
        "active_days", "flare_days", pl.col("daily_messages").round(2), "max_burst", pl.col("median_km").round(2),
        "unanswered_after", pl.col("imeis").fill_null(""),
    )
    res.tables["successions"] = pairs.select(
        "line_id", "old_number", "new_number", "detected_at", "evidence", pl.col("overlap").round(4), "shared",
        "old_customers", "same_imei", pl.col("shared_imeis").fill_null("").alias("imeis"), "gap_days",
    ).sort(["line_id", "detected_at"])
    res.tables["lines"] = _lines(nums, geo, customers, runners, as_of, inp.ordered_off, s)
    res.tables["line_customers"] = customers
    res.tables["runners"] = runners
    res.tables["line_daily"] = daily
    res.tables["line_cells"] = _line_cells(got["line_own_cells"], customers, runners, cells)
    number_day = ft.number_day.drop("f_known_customers").join(
        known.select("number", pl.col("known_customers").alias("f_known_customers")), on="number", how="left")
    days = score_days(number_day, weights).join(line_map, on="number", how="left")
    res.tables["line_features"] = days.select(
        "number", "line_id", local_day_iso(pl.col("day")).alias("date"), "day",
        "outbound", "messages", "calls", "flares", "max_burst", "flare_recipients", "matched_days", "returning",
        "inbound_parties", "short_parties", "called_back", "relayed", "repeat_parties", "confirmed", pl.col("median_km").round(3),
        *[pl.col(f"f_{f}").round(4) for f in FEATURES], pl.col("day_score").round(4),
    ).sort(["number", "day"])
    ev = evidence(numbers, weights, model).join(numbers.select("number", "score", "flagged", "reviewed"), on="number")
    res.tables["line_evidence"] = ev.join(line_map, on="number", how="left").select(
        "number", "line_id", "feature", pl.col("value").round(4), "weight", "coefficient",
        pl.col("contribution").round(4), pl.col("score").round(4), "flagged", "reviewed",
    )
    return res


def _flag(scored: pl.DataFrame, reviews: pl.DataFrame, s: LinesSettings) -> pl.DataFrame:
    """Add ``reviewed`` and ``flagged``: over the threshold unless rejected, or confirmed by an analyst."""
    return scored.join(reviews.rename({"decision": "reviewed"}), on="number", how="left").with_columns(
        (
            ((pl.col("score") >= s.threshold) & (pl.col("reviewed").fill_null("") != "rejected"))
            | (pl.col("reviewed") == "confirmed")
        ).alias("flagged")
    )


def _with_known_customers(numbers: pl.DataFrame, parties: pl.DataFrame, homes: pl.DataFrame, reviews: pl.DataFrame,
                          weights: dict[str, float], s: LinesSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Fill ``known_customers``: each number's callers measured against the callers of the *flaring* lines.

    The reference set is the numbers flagged by the other features that also flared
    (the established detector), plus analyst-confirmed ones: never numbers whose case
    would rest on this feature itself. Iterating (lines found through lines found
    through this feature) let lawful businesses sharing a town's callers lift one
    another over the threshold on hand-made comms, so it is done once.
    """
    callers = parties.filter(pl.col("inbound") == 1).select("number", "party")
    base = _flag(score_numbers(numbers.with_columns(pl.lit(None, dtype=pl.Float64).alias("known_customers")), weights), reviews, s)
    reference = base.filter(
        (pl.col("flagged") & (pl.col("flare_days") > 0)) | (pl.col("reviewed") == "confirmed")
    )["number"].to_list()
    known = known_customers(callers, sorted(reference), s.known_customers_saturation, homes)
    out = numbers.drop("known_customers").join(known.select("number", "known_customers"), on="number", how="left")
    return out.select(numbers.columns), known


def _line_ids(members: pl.DataFrame, numbers: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """number -> line_id: the id a number had in the last build, else a hash of the chain's first number.

    Ids stay stable across rebuilds (DATA-CONTRACT section 3): a chain that held an
    id keeps it (the earliest number's, if its numbers held several).
    """
    order = members.join(numbers.select("number", "first_out_t"), on="number").sort(["component", "first_out_t", "number"])
    if previous is not None and previous.height:
        order = order.join(previous.select("number", pl.col("line_id").alias("prev_id")), on="number", how="left")
    else:
        order = order.with_columns(pl.lit(None, dtype=pl.String).alias("prev_id"))
    kept = order.filter(pl.col("prev_id").is_not_null()).group_by("component", maintain_order=True).agg(
        pl.col("prev_id").first().alias("line_id")
    )
    first = order.group_by("component", maintain_order=True).agg(pl.col("number").first().alias("first_number"))
    ids = first.join(kept, on="component", how="left").with_columns(
        pl.coalesce("line_id", pl.col("first_number").map_elements(_new_id, return_dtype=pl.String)).alias("line_id")
    )
    return order.join(ids.select("component", "line_id"), on="component").select("number", "line_id").sort("number")


def _new_id(number: str) -> str:
    return "DL-" + hashlib.sha256(number.encode()).hexdigest()[:10]


def _lines(nums: pl.DataFrame, geo: pl.DataFrame, customers: pl.DataFrame, runners: pl.DataFrame, as_of: int,
           ordered_off: pl.DataFrame | None, s: LinesSettings) -> pl.DataFrame:
    ordered = set(ordered_off["number"].to_list()) if ordered_off is not None and ordered_off.height else set()
    latest = nums.sort(["line_id", "last_out_t", "number"]).group_by("line_id", maintain_order=True).agg(
        pl.col("number").last().alias("current_number"),
        pl.col("last_active_day").last().alias("latest_day"),
        pl.col("unanswered_after").last().alias("latest_unanswered"),
    )
    per_line = nums.group_by("line_id").agg(
        utc_iso(pl.col("first_out_t").min()).alias("first_seen"),
        utc_iso(pl.col("last_out_t").max()).alias("last_seen"),
        pl.col("score").max().round(4).alias("confidence"),
        ((pl.col("daily_messages") * pl.col("active_days")).sum() / pl.col("active_days").sum()).round(1).alias("daily_messages"),
        pl.len().alias("numbers"),
        pl.col("number").is_in(list(ordered)).any().alias("ordered_off"),
        pl.col("method").first().alias("method"),
    )
    handsets = (
        nums.select("line_id", pl.col("imeis").fill_null("").str.split(";")).explode("imeis")
        .filter(pl.col("imeis") != "").group_by("line_id").agg(pl.col("imeis").unique().sort().str.join(";"))
    )
    counts = cust.customer_counts(customers)
    n_runners = runners.group_by("line_id").agg(pl.len().cast(pl.Int64).alias("runners"))
    out = (
        per_line.join(latest, on="line_id").join(geo, on="line_id", how="left")
        .join(handsets, on="line_id", how="left").with_columns(pl.col("imeis").fill_null(""))
        .join(counts, on="line_id", how="left").join(n_runners, on="line_id", how="left")
        .with_columns(
            pl.when(pl.col("latest_day") >= as_of - s.active_days).then(pl.lit("active"))
            .when(pl.col("ordered_off") | (pl.col("latest_unanswered") >= s.disrupted_min_unanswered)).then(pl.lit("disrupted"))
            .otherwise(pl.lit("dormant")).alias("status"),
            pl.col("potential_customers").fill_null(0).alias("customers"),
            pl.col("confirmed_customers").fill_null(0),
            pl.col("runners").fill_null(0),
            pl.lit(None, dtype=pl.String).alias("ocg_id"),
            pl.col("market_areas").fill_null(""),
        )
    )
    return out.select(
        "line_id", "first_seen", "last_seen", "status", "confidence", "controller_area", "market_areas", "customers",
        "daily_messages", "ocg_id", "confirmed_customers", "numbers", "current_number", "imeis", "reach", "runners",
        "controller_lat", "controller_lon", "market_lat", "market_lon", "method",
    ).sort("line_id")


def _line_cells(own: pl.DataFrame, customers: pl.DataFrame, runners: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """Cells for the pack's map: the line's own, its customers' and its runners' (with how often each was seen)."""
    mine = own.group_by("line_id", "cell").agg(pl.col("n").sum()).with_columns(pl.lit("line").alias("role"))
    theirs = customers.filter(pl.col("cell").is_not_null()).group_by("line_id", "cell").agg(pl.len().cast(pl.Int64).alias("n")).with_columns(
        pl.lit("customers").alias("role"))
    run = runners.filter(pl.col("cell").is_not_null()).group_by("line_id", "cell").agg(pl.len().cast(pl.Int64).alias("n")).with_columns(
        pl.lit("runners").alias("role"))
    return (
        pl.concat([mine.with_columns(pl.col("n").cast(pl.Int64)), theirs, run])
        .join(cells.rename({"cell_id": "cell"}), on="cell", how="left")
        .rename({"cell": "cell_id"})
        .select("line_id", "role", "cell_id", "n", "lat", "lon", "force_area")
        .sort(["line_id", "role", "cell_id"])
    )
