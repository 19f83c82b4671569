"""Stage one feed: stream, validate and write aside as Parquet, before anything touches the store.

Staging is where a bad *file* is found (unreadable, a required column missing):
it fails here, and since nothing has been written to the store yet, the
workspace stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from crossline.contract.manifest import Feed
from crossline.contract.schema import SCHEMAS
from crossline.errors import BundleError
from crossline.ingest.messages import column_names
from crossline.ingest.reader import FeedReader, NeedExactLines
from crossline.ingest.validate import ISSUE_SCHEMA, validate_batch

Progress = Callable[[str, int], None]  # (file, rows read so far)
COMMS_BUFFER_ROWS = 1_500_000  # comms rows held before a flush to per-day staging files


@dataclass
class StagedFeed:
    feed_index: int
    file: str
    kind: str
    source: str
    rows_read: int = 0
    rows_valid: int = 0
    errors: int = 0
    warnings: int = 0
    parts: list[Path] = field(default_factory=list)


def check_columns(feed: Feed, header: list[str]) -> None:
    """A feed missing a required column fails, naming the column and the columns it did find."""
    schema = SCHEMAS[feed.kind]
    missing = [c for c in schema.required if feed.columns.get(c, c) not in header]
    mapped_missing = [c for c, f in feed.columns.items() if f not in header and c not in missing]
    if missing:
        named = ", ".join(f"{c} (mapped from {feed.columns[c]!r})" if c in feed.columns else c for c in missing)
        raise BundleError(
            feed.file, f"missing required column {named}; the file has: {column_names(header)}"
        )
    if mapped_missing:
        raise BundleError(
            feed.file,
            f"the manifest maps {mapped_missing[0]} to {feed.columns[mapped_missing[0]]!r}, "
            f"which is not in the file; the file has: {column_names(header)}",
        )
    if feed.kind == "persons" and not any(
        feed.columns.get(c, c) in header for c in ("given_name", "family_name", "aliases")
    ):
        raise BundleError(feed.file, "has none of given_name, family_name, aliases: a person needs a name")


def stage_feed(
    feed_index: int, feed: Feed, path: Path, out_dir: Path, batch_rows: int, progress: Progress | None = None
) -> StagedFeed:
    try:
        return _stage(feed_index, feed, path, out_dir, batch_rows, progress, exact=False)
    except NeedExactLines:
        for stale in [*out_dir.rglob(f"*-{feed_index:04d}-*.parquet"), *out_dir.rglob(f"*-{feed_index:04d}-*.arrow")]:
            stale.unlink()
        return _stage(feed_index, feed, path, out_dir, batch_rows, progress, exact=True)


def _stage(
    feed_index: int, feed: Feed, path: Path, out_dir: Path, batch_rows: int, progress: Progress | None, exact: bool
) -> StagedFeed:
    reader = FeedReader(path, feed.file, batch_rows=batch_rows, exact=exact)
    check_columns(feed, reader.header)
    schema = SCHEMAS[feed.kind]
    staged = StagedFeed(feed_index, feed.file, feed.kind, feed.source)
    rows_dir = out_dir / feed.kind
    rows_dir.mkdir(parents=True, exist_ok=True)
    issues_dir = out_dir / "issues"
    issues_dir.mkdir(parents=True, exist_ok=True)
    # Writing batch n overlaps validating batch n+1; at most two batches wait, so memory stays bounded.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crossline-stage") as writer:
        pending: list[Future[None]] = []
        days = _DayBuffers(rows_dir, feed_index, staged, COMMS_BUFFER_ROWS) if feed.kind == "comms" else None
        for n, batch in enumerate(reader.batches()):
            staged.rows_read += batch.height
            rows, issues = validate_batch(schema, batch, feed.columns, feed.formats, check_nul=reader.may_hold_nul)
            rows = rows.with_columns(
                pl.lit(feed.source).alias("source"), pl.lit(feed.file).alias("file"),
                pl.lit(feed_index).alias("feed_index"),
            )
            staged.rows_valid += rows.height
            # Naive UTC from here on: DuckDB reads it without its time-zone extension.
            rows = rows.with_columns(pl.col(pl.Datetime("us", "UTC")).dt.replace_time_zone(None))
            if rows.height:
                if days is not None:
                    if days.add(rows):
                        pending.append(writer.submit(days.write, *days.take()))
                else:
                    part = rows_dir / f"part-{feed_index:04d}-{n:06d}.parquet"
                    pending.append(writer.submit(rows.write_parquet, part, compression="lz4"))
                    staged.parts.append(part)
            _write_issues(issues, feed, feed_index, n, issues_dir, staged)
            if progress:
                progress(feed.file, staged.rows_read)
            while len(pending) > 2:
                pending.pop(0).result()
        if days is not None and days.rows:
            pending.append(writer.submit(days.write, *days.take()))
        for f in pending:
            f.result()
    if reader.malformed:
        staged.rows_read += len(reader.malformed)
        bad = pl.DataFrame(
            {
                "line": [ln for ln, _ in reader.malformed],
                "column": [None] * len(reader.malformed),
                "value": [t for _, t in reader.malformed],
                "reason": ["malformed row: the number of fields does not match the header"] * len(reader.malformed),
                "severity": ["error"] * len(reader.malformed),
            },
            schema=ISSUE_SCHEMA,
        )
        _write_issues(bad, feed, feed_index, 999_999, issues_dir, staged)
    return staged


class _DayBuffers:
    """Comms rows gathered per UTC day, written as one Arrow IPC file per day whenever the buffer is full.

    Few, larger files per day keep the merge fast; the row budget keeps memory bounded.
    """

    def __init__(self, rows_dir: Path, feed_index: int, staged: StagedFeed, budget_rows: int) -> None:
        self.rows_dir, self.feed_index, self.staged, self.budget = rows_dir, feed_index, staged, budget_rows
        self.days: dict[object, list[pl.DataFrame]] = {}
        self.rows = 0
        self.flushes = 0

    def add(self, rows: pl.DataFrame) -> bool:
        """Buffer a batch; True when the buffer should be flushed."""
        rows = rows.with_columns(pl.col("started_at").dt.date().alias("day"))
        for (day,), part in rows.partition_by("day", as_dict=True, include_key=False).items():
            self.days.setdefault(day, []).append(part)
        self.rows += rows.height
        return self.rows >= self.budget

    def take(self) -> tuple[dict[object, list[pl.DataFrame]], int]:
        days, n = self.days, self.flushes
        self.days, self.rows, self.flushes = {}, 0, self.flushes + 1
        return days, n

    def write(self, days: dict[object, list[pl.DataFrame]], n: int) -> None:
        for day, parts in days.items():
            day_dir = self.rows_dir / f"day={day}"
            day_dir.mkdir(exist_ok=True)
            path = day_dir / f"part-{self.feed_index:04d}-{n:06d}.arrow"
            pl.concat(parts).write_ipc(path, compression="uncompressed")
            self.staged.parts.append(path)


def _write_issues(
    issues: pl.DataFrame, feed: Feed, feed_index: int, n: int, issues_dir: Path, staged: StagedFeed
) -> None:
    if not issues.height:
        return
    errors = issues.filter(pl.col("severity") == "error")
    staged.errors += errors["line"].n_unique()
    staged.warnings += issues.height - errors.height
    issues.with_columns(pl.lit(feed.file).alias("file"), pl.lit(feed_index).alias("feed_index")).write_parquet(
        issues_dir / f"issues-{feed_index:04d}-{n:06d}.parquet"
    )
