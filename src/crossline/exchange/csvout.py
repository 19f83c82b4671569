"""The one place exchange files write CSV: through the formula-safe writer, so an i2 or Neo4j CSV is safe in a spreadsheet too."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossline.exports import csv_safe


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    csv_safe.write_csv(frame, path)
    return path
