"""Stream one feed file as batches of text columns, each row carrying its line number.

Every value arrives as a string (or null when blank) so that validation, not
the reader, decides what is bad, and the raw value can be kept for quarantine.
Line numbers count the header as line 1, as partners see the file in an editor.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from crossline.errors import BundleError
from crossline.ingest.encoding import detect_encoding, open_binary
from crossline.ingest.messages import describe

LINE = "__line"


class NeedExactLines(Exception):
    """A malformed row appeared while reading threaded: read the file again, numbering rows exactly."""


@dataclass
class FeedReader:
    """Reads one feed file; ``header`` is known before any batch is read."""

    path: Path
    display_name: str
    batch_rows: int = 500_000  # Parquet and JSON lines; CSV reads blocks of block_bytes
    block_bytes: int = 16 << 20
    header: list[str] = field(default_factory=list)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of rows the CSV parser rejected
    encoding: str = "utf-8"
    exact: bool = False  # number rejected rows exactly (single-threaded); see NeedExactLines
    may_span_lines: bool = True  # False when the file has no quotes, so no value holds a newline
    may_hold_nul: bool = True  # False when the text file has no NUL byte, so validation need not look for one

    def __post_init__(self) -> None:
        name = self.path.name.lower()
        if not self.path.is_file():
            raise BundleError(self.display_name, "is listed in the manifest but not in the bundle")
        self.format = (
            "parquet" if name.endswith(".parquet") else "jsonl" if name.endswith(".jsonl") else "csv"
        )
        if self.format == "csv":
            seen: dict[str, bool] = {}
            self.encoding = detect_encoding(self.path, self.display_name, seen)
            self.may_span_lines = seen.get("quotes", True)
            self.may_hold_nul = seen.get("nul", True)
            self.header = self._csv_header()
        elif self.format == "parquet":
            try:
                self.header = list(pq.ParquetFile(self.path).schema_arrow.names)
            except (pa.ArrowException, OSError) as exc:
                raise BundleError(self.display_name, f"is not a readable Parquet file ({describe(exc)})") from exc
        else:
            seen_jsonl: dict[str, bool] = {}
            self.encoding = detect_encoding(self.path, self.display_name, seen_jsonl)
            self.may_hold_nul = seen_jsonl.get("nul", True)
            self.header = self._jsonl_header()
        self.header = [h.strip() for h in self.header]
        if not any(self.header):
            raise BundleError(self.display_name, "has no header row")

    def _csv_header(self) -> list[str]:
        with open_binary(self.path) as fh:
            first = fh.readline().decode(self.encoding).lstrip("\ufeff")
        return next(csv.reader(io.StringIO(first)), [])

    def _jsonl_header(self) -> list[str]:
        cols: dict[str, None] = {}
        with open_binary(self.path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                if raw.strip():
                    try:
                        cols.update(dict.fromkeys(json.loads(raw.decode(self.encoding))))
                    except (json.JSONDecodeError, AttributeError) as exc:
                        raise BundleError(self.display_name, f"line {lineno} is not a JSON object ({describe(exc)})") from exc
                if lineno >= 1000:
                    break
        return list(cols)

    def batches(self) -> Iterator[pl.DataFrame]:
        """Batches with every header column as String (null when blank) plus ``__line``."""
        if self.format == "csv":
            yield from self._csv_batches()
        elif self.format == "parquet":
            yield from self._parquet_batches()
        else:
            yield from self._jsonl_batches()

    def _stringify(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Every column as text; blanks become null. Surrounding spaces are left for validation to judge."""
        return frame.with_columns(
            [pl.col(c).cast(pl.String).replace("", None) for c in frame.columns if c != LINE]
        )

    def _csv_batches(self) -> Iterator[pl.DataFrame]:
        skipped: list[tuple[int, str]] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            # A row with the wrong number of fields is quarantined, never silently dropped.
            skipped.append((row.number or 0, row.text))
            return "skip"

        names = [h if h else f"column_{i + 1}" for i, h in enumerate(self.header)]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise BundleError(self.display_name, f"has the column {dupes[0]!r} twice in its header")
        # Threads parse twice as fast, but only a single-threaded reader numbers the rows it
        # rejects; so read threaded, and start again exact if a malformed row turns up.
        read_opts = pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=self.block_bytes, encoding=self.encoding, use_threads=not self.exact
        )
        parse_opts = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
        convert_opts = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""],
            quoted_strings_can_be_null=True,
        )
        try:
            reader = pacsv.open_csv(
                str(self.path), read_options=read_opts, parse_options=parse_opts, convert_options=convert_opts
            )
        except (pa.ArrowException, OSError) as exc:
            raise BundleError(self.display_name, f"is not a readable CSV file ({describe(exc)})") from exc
        state = _LineState(may_span_lines=self.may_span_lines)
        try:
            for record_batch in reader:  # a block of about block_size bytes: memory stays bounded
                if skipped and not self.exact:
                    raise NeedExactLines(self.display_name)
                frame = pl.from_arrow(record_batch)
                assert isinstance(frame, pl.DataFrame)
                frame = state.number(frame, skipped, self.malformed)
                skipped.clear()
                yield frame  # the CSV reader already reads every column as text and blanks as null
        except pa.ArrowException as exc:
            raise BundleError(self.display_name, f"cannot be parsed as CSV ({describe(exc)})") from exc
        if skipped and not self.exact:
            raise NeedExactLines(self.display_name)
        if skipped:
            state.number(pl.DataFrame(schema={n: pl.String for n in names}), skipped, self.malformed)

    def _parquet_batches(self) -> Iterator[pl.DataFrame]:
        pf = pq.ParquetFile(self.path)
        line = 2
        for record_batch in pf.iter_batches(batch_size=self.batch_rows):
            frame = pl.from_arrow(record_batch)
            assert isinstance(frame, pl.DataFrame)
            frame = frame.with_columns(pl.int_range(line, line + frame.height, dtype=pl.Int64).alias(LINE))
            line += frame.height
            yield self._stringify(frame)

    def _jsonl_batches(self) -> Iterator[pl.DataFrame]:
        with open_binary(self.path) as fh:
            rows: list[dict[str, object]] = []
            lines: list[int] = []
            for lineno, raw in enumerate(fh, start=1):  # JSON lines have no vectorised reader that keeps line numbers
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode(self.encoding))
                except json.JSONDecodeError as exc:
                    raise BundleError(self.display_name, f"line {lineno} is not a JSON object ({describe(exc)})") from exc
                rows.append({k: (None if v is None else str(v)) for k, v in obj.items()})
                lines.append(lineno)  # JSON lines have no header: a row's line is its physical line
                if len(rows) >= self.batch_rows:
                    yield self._jsonl_frame(rows, lines)
                    rows, lines = [], []
            if rows:
                yield self._jsonl_frame(rows, lines)

    def _jsonl_frame(self, rows: list[dict[str, object]], lines: list[int]) -> pl.DataFrame:
        frame = pl.DataFrame(rows, schema={h: pl.String for h in self.header})
        return self._stringify(frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64)))


@dataclass
class _LineState:
    """Turns the parser's logical row numbers into the physical lines a partner sees in an editor.

    A logical row spans more than one line when a quoted value holds newlines;
    rows the parser rejected keep their place in the count.
    """

    next_row: int = 2  # logical row number of the next row; the header is row 1
    extra_newlines: int = 0  # newlines inside values of all earlier rows
    may_span_lines: bool = True

    def number(
        self, frame: pl.DataFrame, skipped: list[tuple[int, str]], malformed: list[tuple[int, str]]
    ) -> pl.DataFrame:
        n = frame.height
        logical = pl.int_range(self.next_row, self.next_row + n, dtype=pl.Int64)
        for row_number, _text in sorted(skipped):  # few: one pass per rejected row, not per row
            logical = logical + (logical >= row_number).cast(pl.Int64)
        cols = frame.columns
        if n and self.may_span_lines and frame.select(
            pl.any_horizontal([pl.col(c).str.contains("\n", literal=True) for c in cols]).any()
        ).item():
            extra = pl.sum_horizontal([pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in cols])
            frame = frame.with_columns(__row=logical, __extra=extra.cast(pl.Int64)).with_columns(
                (pl.col("__row") + self.extra_newlines + pl.col("__extra").cum_sum() - pl.col("__extra")).alias(LINE)
            )
        else:  # no value spans lines: a row's line is its logical row plus what came before
            frame = frame.with_columns(__row=logical, __extra=pl.lit(0, pl.Int64)).with_columns(
                (pl.col("__row") + self.extra_newlines).alias(LINE)
            )
        for row_number, text in sorted(skipped):
            before = frame.filter(pl.col("__row") < row_number)["__extra"].sum() if n else 0
            malformed.append((row_number + self.extra_newlines + int(before or 0), text))
        self.extra_newlines += int(frame["__extra"].sum() or 0) + sum(t.count("\n") for _, t in skipped)
        self.next_row += n + len(skipped)
        return frame.drop("__row", "__extra")
