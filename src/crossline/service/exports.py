"""Exports (DATA-CONTRACT section 3): the stable files other tools read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, text

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.evaluate.export import what_works_export
from crossline.exports import csv_safe
from crossline.service.people import nominal_people
from crossline.stages import registry
from crossline.store import files
from crossline.store import picture as picture_store
from crossline.store.bulk import read_rows
from crossline.workspace import Workspace

# Exports from the system of record: file stem -> SQL giving exactly the contract's
# columns. Build stages declare theirs (crossline.stages.registry), read from the picture.
EXPORTS: dict[str, str] = {
    "quarantine": (
        'SELECT bundle, file, line, "column", value, reason, severity FROM quarantine ORDER BY id'
    ),
}


def _write(frame: pl.DataFrame, out: Path, stem: str, result: ExportResult) -> None:
    """Each file owner-only and renamed into place once whole (a full disk never leaves an export that looks complete);
    formula-like cells in the CSV are quoted for spreadsheets, the Parquet twin keeps the raw value."""
    files.write_with(out / f"{stem}.csv", lambda tmp: csv_safe.write_csv(frame, tmp))
    files.write_with(out / f"{stem}.parquet", frame.write_parquet)
    result.files[f"{stem}.csv"] = frame.height


@dataclass
class ExportResult:
    directory: Path
    files: dict[str, int] = field(default_factory=dict)  # file name -> rows


def _nominal_people(ws: Workspace, conn: Connection) -> pl.DataFrame | None:
    """Who each nominal is (name, date of birth, the agencies holding records): an optional export, under the same
    permission as the rest (crossline.service.people)."""
    nominals_path = picture_store.current_table(ws.engine, ws.path, "nominals")
    if nominals_path is None:
        return None
    # in no order: nominal_people's result does not depend on it (every tie is broken by value)
    persons = read_rows(conn, "persons", dict.fromkeys(("source", "record_id", "given_name", "family_name", "date_of_birth"), pl.String))
    return nominal_people(pl.read_parquet(nominals_path, columns=["nominal_id", "source", "record_id"]), persons)


def export(ws: Workspace, actor: Actor, directory: Path | None = None) -> ExportResult:
    """Write every available export as CSV and Parquet; audited, since exports carry personal data.

    Every agency's records and the police lines: administrators and police or national analysts only.
    """
    require(viewer(ws.engine, actor), "export")
    out = Path(directory) if directory else ws.exports
    if directory is None:
        files.private_dir(out)
    else:  # a folder the user named: created owner-only if new, an existing one keeps its mode (its files are 0600)
        out.mkdir(mode=files.DIR_MODE, parents=True, exist_ok=True)
    result = ExportResult(out)
    what_works = what_works_export(ws)  # before the transaction: the evaluation reads the records on its own connection
    with ws.engine.begin() as conn:
        for stem, sql in EXPORTS.items():
            cursor = conn.execute(text(sql))
            columns = list(cursor.keys())
            frame = pl.DataFrame(cursor.fetchall(), schema=columns, orient="row", infer_schema_length=None)
            _write(frame, out, stem, result)
        for exp in registry.exports():  # outputs of build stages, from the current picture
            path = picture_store.current_table(ws.engine, ws.path, exp.table)
            if path is not None:
                _write(pl.read_parquet(path, columns=list(exp.columns)), out, exp.file, result)
        people = _nominal_people(ws, conn)
        if people is not None:
            _write(people, out, "nominal_people", result)
        if what_works is not None:
            _write(what_works, out, "what_works", result)
        audit.record(conn, actor, "export", str(out), {"files": result.files})
    return result
