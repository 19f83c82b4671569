"""Successions: one line across its numbers ("new number, same line").

When a line's number is cut off, a new number texts the same customers, often
within hours, and often from the same handset (shared/design/DOMAIN.md,
"Rebranding"). A pair (old, new) is a succession when:

1. **timing**: the old number fell silent (its last outbound day) no more than
   a day after, and at most ``succession_max_gap_days`` before, the new
   number's first flare;
2. **customers**: the new number's flares in its first two weeks reach at
   least ``succession_min_overlap`` of the customers the old number flared in
   its last four weeks (``succession_min_overlap_same_imei`` when the two
   share a handset);
3. **handset** (evidence, and the lower bar above): the same IMEI on both.

Candidate pairs come from MinHash LSH over customer sets (datasketch), so the
work grows with the number of candidates rather than its square, plus every
pair that shares an IMEI; the overlap is then counted exactly. Pairs are taken
one-to-one, best first (overlap, then IMEI); chains of pairs are lines, and a
chain is a deal line when any of its numbers scores as one. The successor is
detected from its first day of flares (``detected_at`` = its first flare).
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
LSH_THRESHOLD = 0.2  # Jaccard at which LSH proposes a pair (below the lowest overlap accepted)
NUM_PERM = 128

PAIR_SCHEMA = {
    "old_number": pl.String, "new_number": pl.String, "old_customers": pl.Int64, "shared": pl.Int64,
    "overlap": pl.Float64, "same_imei": pl.Boolean, "shared_imeis": pl.String, "old_last_day": pl.Int64,
    "new_first_flare_t": pl.Int64, "gap_days": pl.Int64,
}


@dataclass
class Successions:
    pairs: pl.DataFrame  # accepted successions (PAIR_SCHEMA + detected_at, evidence)
    components: pl.DataFrame  # number -> component (the earliest number of its chain)


def _candidate_pairs(sets: dict[str, set[str]], news: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Pairs (old, new) whose customer sets LSH judges similar."""
    from datasketch import MinHash, MinHashLSH

    olds = [k for k, v in sets.items() if v]
    fresh = [k for k, v in news.items() if v]
    if not olds or not fresh:
        return set()
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    old_hashes = MinHash.bulk([[p.encode() for p in sets[k]] for k in olds], num_perm=NUM_PERM, seed=1)
    for k, m in zip(olds, old_hashes, strict=True):
        lsh.insert(k, m)
    new_hashes = MinHash.bulk([[p.encode() for p in news[k]] for k in fresh], num_perm=NUM_PERM, seed=1)
    return {(o, n) for n, m in zip(fresh, new_hashes, strict=True) for o in lsh.query(m) if o != n}


def find_successions(
    numbers: pl.DataFrame, recipients: pl.DataFrame, imeis: pl.DataFrame, s: LinesSettings
) -> Successions:
    """Link old numbers to new ones among the candidates; ``numbers`` is the scored per number summary."""
    spans = numbers.select("number", "first_active_day", "last_active_day", "first_flare_day", "first_flare_t")
    recent = (
        recipients.join(spans.select("number", "last_active_day"), on="number")
        .filter(pl.col("last_day") >= pl.col("last_active_day") - OLD_WINDOW_DAYS)
        .select("number", "party")
    )
    early = (
        recipients.join(spans.select("number", "first_flare_day"), on="number")
        .filter(pl.col("first_day") <= pl.col("first_flare_day") + NEW_WINDOW_DAYS)
        .select("number", "party")
    )
    def as_sets(df: pl.DataFrame) -> dict[str, set[str]]:
        return {str(k[0]): set(v["party"].to_list()) for k, v in df.group_by("number")}

    proposed = _candidate_pairs(as_sets(recent), as_sets(early))
    handsets = imeis.select("number", "imei").unique()
    by_imei = handsets.join(handsets, on="imei", suffix="_new").filter(pl.col("number") != pl.col("number_new"))
    proposed |= set(zip(by_imei["number"].to_list(), by_imei["number_new"].to_list(), strict=False))
    if not proposed:
        return _empty(numbers)
    pairs = pl.DataFrame(sorted(proposed), schema=["old_number", "new_number"], orient="row")
    old = spans.select(pl.col("number").alias("old_number"), pl.col("first_active_day").alias("old_first_day"),
                       pl.col("last_active_day").alias("old_last_day"))
    new = spans.select(pl.col("number").alias("new_number"), pl.col("first_active_day").alias("new_first_day"),
                       pl.col("first_flare_day").alias("new_first_flare_day"), pl.col("first_flare_t").alias("new_first_flare_t"))
    pairs = pairs.join(old, on="old_number").join(new, on="new_number").with_columns(
        (pl.col("new_first_flare_day") - pl.col("old_last_day")).alias("gap_days")
    ).filter(
        (pl.col("gap_days") >= -1) & (pl.col("gap_days") <= s.succession_max_gap_days)
        & (pl.col("new_first_day") >= pl.col("old_first_day"))
    )
    shared = (
        pairs.select("old_number", "new_number")
        .join(recent.rename({"number": "old_number"}), on="old_number")
        .join(early.rename({"number": "new_number"}), on=["new_number", "party"])
        .group_by("old_number", "new_number").agg(pl.len().cast(pl.Int64).alias("shared"))
    )
    old_size = recent.group_by("number").agg(pl.len().cast(pl.Int64).alias("old_customers")).rename({"number": "old_number"})
    imei_pairs = (
        by_imei.group_by("number", "number_new").agg(pl.col("imei").sort().str.join(";").alias("shared_imeis"))
        .rename({"number": "old_number", "number_new": "new_number"})
    )
    pairs = (
        pairs.join(shared, on=["old_number", "new_number"], how="left")
        .join(old_size, on="old_number", how="left")
        .join(imei_pairs, on=["old_number", "new_number"], how="left")
        .with_columns(
            pl.col("shared").fill_null(0),
            pl.col("old_customers").fill_null(0),
            pl.col("shared_imeis").is_not_null().alias("same_imei"),
        )
        .with_columns((pl.col("shared") / pl.when(pl.col("old_customers") > 0).then(pl.col("old_customers"))).fill_null(0.0).alias("overlap"))
        .filter(
            (pl.col("overlap") >= s.succession_min_overlap)
            | (pl.col("same_imei") & (pl.col("overlap") >= s.succession_min_overlap_same_imei))
        )
        .sort(["overlap", "same_imei", "old_number", "new_number"], descending=[True, True, False, False])
    )
    accepted = _one_to_one(pairs)
    accepted = accepted.select(list(PAIR_SCHEMA)).with_columns(
        utc_iso(pl.col("new_first_flare_t")).alias("detected_at"),
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
        "same_imei": bool(row["same_imei"]),
        "imeis": row["shared_imeis"].split(";") if row["shared_imeis"] else [],
        "days_between_silence_and_first_flare": row["gap_days"],
    }, sort_keys=True)


def _empty(numbers: pl.DataFrame) -> Successions:
    pairs = pl.DataFrame(schema={**PAIR_SCHEMA, "detected_at": pl.String, "evidence": pl.String})
    return Successions(pairs=pairs, components=_components(numbers, pairs))
