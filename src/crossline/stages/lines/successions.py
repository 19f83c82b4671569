"""Successions: one line across its numbers ("new number, same line").

When a line's number is cut off, a new number texts the same customers, often
within hours, and often from the same handset (shared/design/DOMAIN.md,
"Rebranding"). A pair (old, new) is a succession when:

1. **timing**: the new number's first active day is at most
   ``succession_max_gap_days`` after the old number's last, and at most
   ``succession_max_overlap_days`` before it (the old phone may go on
   answering for a day or two); the old number started first and stopped first;
2. **customers** (everyone a number dealt with, either way: flare recipients,
   callers, people it texted one by one): of the customers the old number
   dealt with in its last four weeks, the new one dealt with at least
   ``succession_min_overlap`` in its first two weeks; *or* at least
   ``succession_min_new_share`` of the new number's own early contacts were
   the old number's customers (when only some follow and new ones join); and
   at least ``succession_min_shared`` customers in common;
3. **handset** (evidence, and lower bars): the same IMEI on both lowers both
   shares by ``succession_min_overlap_same_imei / succession_min_overlap``.

Every pair sharing a customer is counted exactly by a join on the customer (each
customer deals with a handful of candidates, so the work grows with the
candidates' contacts), plus every pair sharing an IMEI. Pairs are taken
one-to-one, best first; chains of pairs (A to B to C) are one line, each link its
own succession. ``detected_at`` is the new number's first outbound contact: a
successor is found by the first build holding its first day, whether it
announced itself by a flare or one text at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from crossline.settings.lines import LinesSettings
from crossline.stages.lines.features import utc_iso

OLD_WINDOW_DAYS = 28  # the old number's current customer list: who it flared in its last four weeks
NEW_WINDOW_DAYS = 14  # the new number's list: who it flared in its first two weeks

PAIR_SCHEMA = {
    "old_number": pl.String, "new_number": pl.String, "old_customers": pl.Int64, "new_customers": pl.Int64, "shared": pl.Int64,
    "overlap": pl.Float64, "new_share": pl.Float64, "same_imei": pl.Boolean, "shared_imeis": pl.String, "old_last_day": pl.Int64,
    "new_first_out_t": pl.Int64, "gap_days": pl.Int64,
}


@dataclass
class Successions:
    pairs: pl.DataFrame  # accepted successions (PAIR_SCHEMA + detected_at, evidence)
    components: pl.DataFrame  # number -> component (the earliest number of its chain)


def find_successions(
    numbers: pl.DataFrame, parties: pl.DataFrame, imeis: pl.DataFrame, s: LinesSettings
) -> Successions:
    """Link old numbers to new ones among the candidates; ``numbers`` is the scored per number summary.

    ``parties`` is everyone each number dealt with (number, party, first_day, last_day):
    a quiet line's customers are whoever orders from it and whoever it texts.
    """
    spans = numbers.select("number", "first_active_day", "last_active_day", "first_out_t")
    recent = (
        parties.join(spans.select("number", "last_active_day"), on="number")
        .filter(pl.col("last_day") >= pl.col("last_active_day") - OLD_WINDOW_DAYS)
        .select("number", "party")
    )
    early = (
        parties.join(spans.select("number", "first_active_day"), on="number")
        .filter(pl.col("first_day") <= pl.col("first_active_day") + NEW_WINDOW_DAYS)
        .select("number", "party")
    )
    old = spans.select(pl.col("number").alias("old_number"), pl.col("first_active_day").alias("old_first_day"),
                       pl.col("last_active_day").alias("old_last_day"))
    new = spans.select(pl.col("number").alias("new_number"), pl.col("first_active_day").alias("new_first_day"),
                       pl.col("last_active_day").alias("new_last_day"), pl.col("first_out_t").alias("new_first_out_t"))
    # every pair sharing a customer, counted exactly (each customer deals with a handful of candidates)
    shared = (
        recent.rename({"number": "old_number"}).join(early.rename({"number": "new_number"}), on="party")
        .filter(pl.col("old_number") != pl.col("new_number"))
        .group_by("old_number", "new_number").agg(pl.len().cast(pl.Int64).alias("shared"))
    )
    handsets = imeis.select("number", "imei").unique()
    by_imei = handsets.join(handsets, on="imei", suffix="_new").filter(pl.col("number") != pl.col("number_new"))
    imei_pairs = (
        by_imei.group_by("number", "number_new").agg(pl.col("imei").sort().str.join(";").alias("shared_imeis"))
        .rename({"number": "old_number", "number_new": "new_number"})
    )
    pairs = shared.join(imei_pairs, on=["old_number", "new_number"], how="full", coalesce=True)
    if pairs.is_empty():
        return _empty(numbers)
    old_size = recent.group_by("number").agg(pl.len().cast(pl.Int64).alias("old_customers")).rename({"number": "old_number"})
    new_size = early.group_by("number").agg(pl.len().cast(pl.Int64).alias("new_customers")).rename({"number": "new_number"})
    pairs = (
        pairs.join(old, on="old_number").join(new, on="new_number")
        .with_columns((pl.col("new_first_day") - pl.col("old_last_day")).alias("gap_days"))
        # the old number falls silent at most `succession_max_overlap_days` after the new one's first day (it may go
        # on answering for a while), and at most `succession_max_gap_days` before; it started first and stopped first
        .filter(
            (pl.col("gap_days") >= -s.succession_max_overlap_days) & (pl.col("gap_days") <= s.succession_max_gap_days)
            & (pl.col("new_first_day") > pl.col("old_first_day")) & (pl.col("new_last_day") >= pl.col("old_last_day"))
        )
        .join(old_size, on="old_number", how="left").join(new_size, on="new_number", how="left")
        .with_columns(
            pl.col("shared").fill_null(0),
            pl.col("old_customers").fill_null(0),
            pl.col("new_customers").fill_null(0),
            pl.col("shared_imeis").is_not_null().alias("same_imei"),
        )
        .with_columns(
            (pl.col("shared") / pl.when(pl.col("old_customers") > 0).then(pl.col("old_customers"))).fill_null(0.0).alias("overlap"),
            (pl.col("shared") / pl.when(pl.col("new_customers") > 0).then(pl.col("new_customers"))).fill_null(0.0).alias("new_share"),
        )
    )
    # the handset lowers both bars in the same proportion
    relax = s.succession_min_overlap_same_imei / s.succession_min_overlap
    bar = pl.when(pl.col("same_imei")).then(relax).otherwise(1.0)
    pairs = pairs.filter(
        (pl.col("shared") >= s.succession_min_shared)
        & ((pl.col("overlap") >= s.succession_min_overlap * bar) | (pl.col("new_share") >= s.succession_min_new_share * bar))
    ).sort(["overlap", "new_share", "same_imei", "old_number", "new_number"], descending=[True, True, True, False, False])
    accepted = _one_to_one(pairs)
    accepted = accepted.select(list(PAIR_SCHEMA)).with_columns(
        utc_iso(pl.col("new_first_out_t")).alias("detected_at"),
        pl.struct(list(PAIR_SCHEMA)).map_elements(_evidence, return_dtype=pl.String).alias("evidence"),
    )
    return Successions(pairs=accepted, components=_components(numbers, accepted))


def _one_to_one(pairs: pl.DataFrame) -> pl.DataFrame:
    """Best pairs first; each old number hands over to one new number, each new number takes over one old one."""
    used_old: set[str] = set()
    used_new: set[str] = set()
    keep = np.zeros(pairs.height, dtype=bool)
    for i, (o, n) in enumerate(zip(pairs["old_number"].to_list(), pairs["new_number"].to_list(), strict=True)):
        if o not in used_old and n not in used_new:
            keep[i] = True
            used_old.add(o)
            used_new.add(n)
    return pairs.filter(pl.Series(keep))


def _components(numbers: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """number -> the first number of its chain (union-find over accepted pairs)."""
    parent = {n: n for n in numbers["number"].to_list()}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first = dict(zip(numbers["number"].to_list(), numbers["first_active_day"].to_list(), strict=True))
    for o, n in zip(pairs["old_number"].to_list(), pairs["new_number"].to_list(), strict=True):
        ro, rn = root(o), root(n)
        if ro != rn:
            a, b = sorted((ro, rn), key=lambda x: (first.get(x) or 0, x))
            parent[b] = a
    return pl.DataFrame({"number": list(parent), "component": [root(x) for x in parent]},
                        schema={"number": pl.String, "component": pl.String})


def _evidence(row: dict) -> str:
    return json.dumps({
        "customers_shared": row["shared"],
        "old_customers": row["old_customers"],
        "overlap": round(float(row["overlap"]), 3),
        "new_customers": row["new_customers"],
        "new_share": round(float(row["new_share"]), 3),
        "same_imei": bool(row["same_imei"]),
        "imeis": row["shared_imeis"].split(";") if row["shared_imeis"] else [],
        "days_between_silence_and_new_start": row["gap_days"],
    }, sort_keys=True)


def _empty(numbers: pl.DataFrame) -> Successions:
    pairs = pl.DataFrame(schema={**PAIR_SCHEMA, "detected_at": pl.String, "evidence": pl.String})
    return Successions(pairs=pairs, components=_components(numbers, pairs))
