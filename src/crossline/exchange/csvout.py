"""The one place exchange files write CSV, so the formula-safe writer (crossline.exports.csv_safe) can replace it in one line."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path)
    return path
