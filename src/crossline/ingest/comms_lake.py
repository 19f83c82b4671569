"""Merge staged comms into the lake, one UTC day at a time, counting each event once.

An event is the same event when ``a_number``, ``b_number``, ``kind``,
``started_at`` (to the second) and ``duration_s`` agree (DATA-CONTRACT,
comms). For each day the staged rows are merged with the day's lake files:
the first sighting of each event is kept (what the lake already holds wins,
then the earlier file and line), and new day files are written aside; the
caller moves them into place and lists them in the same transaction as the
rest. A day too large to merge in memory is split into buckets by a hash of
the event key, so memory stays bounded whatever the volume.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from crossline.ingest.report import FeedResult

KEY = ["a_number", "b_number", "kind", "started_at", "duration_s"]
LAKE_COLUMNS = [
    "a_number", "b_number", "kind", "started_at", "duration_s", "a_imei", "a_cell", "b_cell",
    "source", "bundle_id", "file", "line", "attributes",
]
# The stable id of a comms event, for the build stages that cite events as evidence (DuckDB SQL).
EVENT_ID_SQL = (
    "substr(md5(concat_ws('|', a_number, b_number, kind, CAST(epoch(started_at) AS BIGINT), "
    "coalesce(CAST(duration_s AS VARCHAR), ''))), 1, 16)"
)
MAX_ROWS_PER_MERGE = 2_000_000


@dataclass
class DayFiles:
    day: str
    written: list[tuple[Path, str, int]] = field(default_factory=list)  # (staged path, lake-relative path, rows)
    replaces: list[str] = field(default_factory=list)  # lake-relative paths this day's new files supersede


def merge_comms(
    staging: Path,
    out_dir: Path,
    existing: dict[str, list[tuple[str, int]]],
    lake: Path,
    bundle_id: str,
    results: dict[str, FeedResult],
    progress: Callable[[int, int], None] | None = None,
    max_rows: int = MAX_ROWS_PER_MERGE,
) -> list[DayFiles]:
    """Merge each staged day with the lake; returns the new day files (written aside, not yet in place)."""
    comms_dir = staging / "comms"
    days = sorted(p for p in comms_dir.glob("day=*") if p.is_dir()) if comms_dir.exists() else []
    out: list[DayFiles] = []
    stats: list[pl.DataFrame] = []

    def merge_day(day_dir: Path) -> tuple[DayFiles, list[pl.DataFrame]]:
        day = day_dir.name.split("=", 1)[1]
        parts = sorted(day_dir.glob("*.arrow"))
        staged = pl.scan_ipc(parts).with_columns(pl.lit(bundle_id).alias("bundle_id"))
        old = existing.get(day, [])
        old_paths = [str(lake / p) for p, _ in old]
        staged_rows = staged.select(pl.len()).collect().item()
        buckets = max(1, math.ceil((staged_rows + sum(n for _, n in old)) / max_rows))
        files = DayFiles(day=day, replaces=[p for p, _ in old])
        day_stats = []
        for b in range(buckets):
            _, bucket_stats, kept = _merge_bucket(staged, old_paths, b, buckets)
            day_stats.append(bucket_stats)
            rel = f"comms/day={day}/{bundle_id}-{b:03d}.parquet"
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            kept.write_parquet(target, compression="zstd", compression_level=1, statistics=True)
            files.written.append((target, rel, kept.height))
        return files, day_stats

    # Two days at a time: a day's work is too small to keep both cores busy on its own.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="crossline-merge") as pool:
        for i, (files, day_stats) in enumerate(pool.map(merge_day, days)):
            out.append(files)
            stats.extend(day_stats)
            if progress:
                progress(i + 1, len(days))
    if stats:
        for file, dup, new, unchanged in pl.concat(stats).group_by("file").sum().iter_rows():
            r = results[file]
            r.duplicates += dup
            r.new += new
            r.unchanged += unchanged
            r.accepted += new + unchanged
    return out


def _bucket(frame: pl.LazyFrame, b: int, buckets: int) -> pl.LazyFrame:
    if buckets == 1:
        return frame
    return frame.filter(pl.struct(KEY).hash(seed=17) % buckets == b)


def _first_sightings(rows: pl.DataFrame) -> pl.Series:
    """True for the first row of each distinct event key, in row order.

    A 64-bit hash of the key finds candidates fast; only rows whose hash
    repeats are compared on the full key, so a hash collision can never merge
    two different events.
    """
    h = rows.select(pl.struct(KEY).hash(seed=11)).to_series()
    repeated = h.is_duplicated()
    if not repeated.any():
        return pl.Series("first", [True] * rows.height)
    idx = repeated.arg_true()
    exact = rows[idx].select(pl.struct(KEY).is_first_distinct()).to_series()
    return pl.Series("first", [True] * rows.height).scatter(idx, exact)


def _merge_bucket(
    staged: pl.LazyFrame, old_paths: list[str], b: int, buckets: int
) -> tuple[int, pl.DataFrame, pl.DataFrame]:
    rows = _bucket(staged, b, buckets).collect()  # parts are read in (feed, batch) order: already by line
    rows = rows.with_columns(_first_sightings(rows))
    if old_paths:
        old = _bucket(pl.scan_parquet(old_paths), b, buckets).select(LAKE_COLUMNS).collect()
        seen = old.select(KEY).unique().with_columns(pl.lit(True).alias("seen"))
        rows = rows.join(seen, on=KEY, how="left", nulls_equal=True, maintain_order="left").with_columns(
            pl.col("seen").fill_null(False)
        )
    else:
        old = None
        rows = rows.with_columns(pl.lit(False).alias("seen"))
    stats = rows.group_by("file").agg(
        duplicates=(~pl.col("first")).sum().cast(pl.Int64),
        new=(pl.col("first") & ~pl.col("seen")).sum().cast(pl.Int64),
        unchanged=(pl.col("first") & pl.col("seen")).sum().cast(pl.Int64),
    )
    fresh = rows.filter(pl.col("first") & ~pl.col("seen")).select(LAKE_COLUMNS)
    kept = pl.concat([old, fresh], how="vertical_relaxed") if old is not None else fresh
    return fresh.height, stats, kept
