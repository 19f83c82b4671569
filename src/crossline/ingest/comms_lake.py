"""Merge staged comms into the lake, one UTC day at a time, counting each event once.

An event is the same event when ``a_number``, ``b_number``, ``kind``,
``started_at`` (to the second) and ``duration_s`` agree (DATA-CONTRACT,
comms). For each day the staged rows are merged with the day's lake file, the
first sighting of each event is kept (what the lake already holds wins, then
the earlier file and line), and a new day file is written aside; the caller
moves it into place and lists it in the same transaction as the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crossline.ingest.report import FeedResult

KEY = ("a_number", "b_number", "kind", "started_at", "duration_s")
LAKE_COLUMNS = (
    "event_id", "a_number", "b_number", "kind", "started_at", "duration_s", "a_imei", "a_cell", "b_cell",
    "source", "bundle_id", "file", "line", "attributes",
)


@dataclass
class DayFile:
    day: str
    staged_path: Path  # written aside, under the import's staging folder
    rel_path: str  # where it goes, relative to lake/
    rows: int
    replaces: str | None  # the lake file (relative) it supersedes


def _event_id() -> str:
    # A stable id from the event's key: the same call from two returns gets the same id.
    return (
        "substr(md5(concat_ws('|', a_number, b_number, kind, CAST(epoch(started_at) AS BIGINT), "
        "coalesce(CAST(duration_s AS VARCHAR), ''))), 1, 16)"
    )


def merge_comms(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    out_dir: Path,
    existing: dict[str, str],
    lake: Path,
    bundle_id: str,
    results: dict[str, FeedResult],
    progress: Callable[[int, int], None] | None = None,
) -> list[DayFile]:
    """Merge each staged day with the lake; returns the new day files (not yet in place)."""
    comms_dir = staging / "comms"
    days = sorted(p for p in comms_dir.glob("day=*") if p.is_dir()) if comms_dir.exists() else []
    written: list[DayFile] = []
    key = ", ".join(KEY)
    for i, day_dir in enumerate(days):
        day = day_dir.name.split("=", 1)[1]
        staged_glob = (day_dir / "*.parquet").as_posix()
        staged_sel = (
            f"SELECT {_event_id()} AS event_id, a_number, b_number, kind, started_at, duration_s, a_imei, a_cell, "
            f"b_cell, source, '{bundle_id}' AS bundle_id, file, line, attributes, 1 AS prio, feed_index "
            f"FROM read_parquet('{staged_glob}', union_by_name=true)"
        )
        old = existing.get(day)
        union = staged_sel
        if old:
            union = (
                f"SELECT {', '.join(LAKE_COLUMNS)}, 0 AS prio, -1 AS feed_index "
                f"FROM read_parquet('{(lake / old).as_posix()}') UNION ALL BY NAME {staged_sel}"
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE day_rows AS SELECT *, "
            f"row_number() OVER (PARTITION BY {key} ORDER BY prio, feed_index, line) AS rn, "
            f"min(prio) OVER (PARTITION BY {key}) AS seen_before FROM ({union})"
        )
        for file, dup, new, unchanged in con.execute(
            "SELECT file, count(*) FILTER (WHERE rn > 1 AND NOT (seen_before = 0 AND rn = 2)), "
            "count(*) FILTER (WHERE rn = 1), count(*) FILTER (WHERE rn = 2 AND seen_before = 0) "
            "FROM day_rows WHERE prio = 1 GROUP BY file"
        ).fetchall():
            r = results[file]
            r.duplicates += dup
            r.new += new
            r.unchanged += unchanged
            r.accepted += new + unchanged
        rel = f"comms/day={day}/{bundle_id}.parquet"
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT {', '.join(LAKE_COLUMNS)} FROM day_rows WHERE rn = 1 ORDER BY started_at, a_number) "
            f"TO '{target.as_posix()}' (FORMAT parquet, COMPRESSION zstd)"
        )
        rows = con.execute("SELECT count(*) FROM day_rows WHERE rn = 1").fetchall()[0][0]
        written.append(DayFile(day=day, staged_path=target, rel_path=rel, rows=int(rows), replaces=old))
        if progress:
            progress(i + 1, len(days))
    con.execute("DROP TABLE IF EXISTS day_rows")
    return written
