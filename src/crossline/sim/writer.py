"""Writing the bundle: feed files, the streamed comms files, and manifest.toml.

Files are written so that the same seed gives the same bytes: rows in a fixed
order, gzip headers without a timestamp or file name, and a manifest whose
``produced_at`` is part of the scenario rather than the clock.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from crossline.sim.agencies import Agency

COMMS_SCHEMA = pa.schema([
    ("a_number", pa.string()), ("b_number", pa.string()), ("kind", pa.string()), ("started_at", pa.string()),
    ("duration_s", pa.int64()), ("a_imei", pa.string()), ("a_cell", pa.string()), ("b_cell", pa.string()),
])


@dataclass
class Feed:
    """One ``[[feed]]`` entry of the manifest, with the rows written."""

    file: str
    kind: str
    source: str
    rows: int
    columns: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)


class BundleWriter:
    """Writes feed files under ``root`` and remembers them for the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.feeds: list[Feed] = []
        root.mkdir(parents=True, exist_ok=True)

    def write_csv(self, rel: str, df: pl.DataFrame, kind: str, source: str,
                  columns: dict[str, str] | None = None, formats: dict[str, str] | None = None) -> None:
        """Write one feed as CSV with a header (UTF-8, ``\\n`` line ends, blanks for nulls)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        df.write_csv(path)
        self.feeds.append(Feed(rel, kind, source, df.height, columns or {}, formats or {}))

    def comms(self, folder: str, source: str, fmt: str) -> CommsWriter:
        """A writer for comms streamed day by day into one file per month."""
        return CommsWriter(self, folder, source, fmt)

    def write_manifest(self, bundle: str, produced_at: str, agencies: list[Agency]) -> None:
        """manifest.toml naming every agency that appears in a feed and every feed."""
        q = json.dumps  # TOML basic strings accept JSON's escapes for this text
        lines = ["contract_version = 1", f"bundle = {q(bundle)}", f"produced_at = {q(produced_at)}", ""]
        for a in agencies:
            lines += ["[[agency]]", f"id = {q(a.id)}", f"name = {q(a.name)}", f"type = {q(a.type)}",
                      f"force_area = {q(a.force_area)}", ""]
        for f in self.feeds:
            lines += ["[[feed]]", f"file = {q(f.file)}", f"kind = {q(f.kind)}", f"source = {q(f.source)}"]
            if f.columns:
                lines += ["[feed.columns]"] + [f"{k} = {q(v)}" for k, v in f.columns.items()]
            if f.formats:
                lines += ["[feed.formats]"] + [f"{k} = {q(v)}" for k, v in f.formats.items()]
            lines.append("")
        (self.root / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


class CommsWriter:
    """Appends comms chunks to ``comms-YYYY-MM`` files (``.csv.gz`` or ``.parquet``).

    Memory stays bounded: each chunk is written and dropped; one file per
    month keeps any one file a partner-like size.
    """

    def __init__(self, bundle: BundleWriter, folder: str, source: str, fmt: str) -> None:
        self.bundle = bundle
        self.folder = folder
        self.source = source
        self.fmt = fmt
        self.month: str | None = None
        self.rel = ""
        self.rows = 0
        self._raw: BinaryIO | None = None
        self._gz: gzip.GzipFile | None = None
        self._pq: pq.ParquetWriter | None = None

    def write(self, month: str, df: pl.DataFrame) -> None:
        """Append one chunk (columns as :data:`COMMS_SCHEMA`) to ``month``'s file."""
        if month != self.month:
            self._close_file()
            self._open(month)
        if self._gz is not None:
            self._gz.write(df.write_csv(include_header=self.rows == 0).encode("utf-8"))
        elif self._pq is not None:
            self._pq.write_table(df.to_arrow().cast(COMMS_SCHEMA))
        self.rows += df.height

    def _open(self, month: str) -> None:
        self.month = month
        self.rows = 0
        self.rel = f"{self.folder}/comms-{month}.{self.fmt}"
        path = self.bundle.root / self.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "csv.gz":
            self._raw = open(path, "wb")  # closed in _close_file
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=1)
        else:
            self._pq = pq.ParquetWriter(path, COMMS_SCHEMA, compression="zstd")

    def _close_file(self) -> None:
        if self.month is None:
            return
        if self._gz is not None:
            if self.rows == 0:
                self._gz.write((",".join(COMMS_SCHEMA.names) + "\n").encode("utf-8"))
            self._gz.close()
            assert self._raw is not None
            self._raw.close()
            self._gz = self._raw = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None
        self.bundle.feeds.append(Feed(self.rel, "comms", self.source, self.rows))
        self.month = None

    def close(self) -> None:
        """Finish the last month's file."""
        self._close_file()
