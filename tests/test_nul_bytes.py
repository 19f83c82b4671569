"""A NUL byte in a value is quarantined with a reason, on SQLite and PostgreSQL alike (PostgreSQL raised a traceback)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import text

from crossline.workspace import Workspace
from helpers import import_as_hub, write_bundle

PERSONS = "record_id,given_name,family_name,nickname\n"


def test_a_nul_byte_in_a_value_rejects_its_row_with_a_reason(workspace: Workspace, tmp_path: Path) -> None:
    body = PERSONS + "P1,Ann,Lee,\nP2,B\x00b,Hill,\nP3,Cy,Dunn,sl\x00y\n"
    result = import_as_hub(workspace, write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", body)}))
    assert result.feed("p.csv").accepted == 1 and result.feed("p.csv").quarantined == 2
    with workspace.engine.connect() as conn:
        assert conn.execute(text("SELECT record_id FROM persons")).scalars().all() == ["P1"]
        rows = conn.execute(text('SELECT line, "column", value, reason, severity FROM quarantine ORDER BY line')).all()
    assert [(r[0], r[1], r[4]) for r in rows] == [(3, "given_name", "error"), (4, "nickname", "error")]
    assert rows[0][2] == "B\u2400b" and "NUL byte" in rows[0][3]


def test_a_nul_byte_in_a_parquet_value_and_in_a_malformed_row(workspace: Workspace, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", {"p.csv": ("persons", "gp", PERSONS + "P1,Ann,Lee,\nP2,A\x00,x,y,extra,fields\n")})
    pl.DataFrame({"record_id": ["Q1", "Q2"], "given_name": ["Zed", "Z\x00d"]}).write_parquet(bundle / "q.parquet")
    manifest = (bundle / "manifest.toml").read_text(encoding="utf-8")
    (bundle / "manifest.toml").write_text(manifest + '[[feed]]\nfile = "q.parquet"\nkind = "persons"\nsource = "gp"\n', encoding="utf-8")
    result = import_as_hub(workspace, bundle)
    assert result.feed("q.parquet").accepted == 1 and result.feed("q.parquet").quarantined == 1
    assert result.feed("p.csv").accepted == 1 and result.feed("p.csv").quarantined == 1
    with workspace.engine.connect() as conn:
        values = conn.execute(text("SELECT value FROM quarantine ORDER BY file")).scalars().all()
    assert all("\x00" not in (v or "") for v in values) and any("\u2400" in (v or "") for v in values)
