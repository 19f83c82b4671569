"""The lines commands, end to end on a built scenario: list, detail, pack, casework, reviews, alerts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from crossline.cli import app
from lines_comms import Built

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_lines_commands(built: Built, tmp_path: Path) -> None:
    w = ["--workspace", str(built.ws.path)]
    line_id = str(built.export("lines.csv").sort("line_id")["line_id"][0])
    assert "deal line(s)" in run("lines", *w)
    assert line_id in run("line", line_id, *w)
    out = run("ddtro", line_id, "--out", str(tmp_path), *w)
    assert (tmp_path / f"{line_id}-ddtro.pdf").exists() and "Evidence pack written" in out
    drafted = run("ddtro-case", "draft", line_id, "--note", "for the superintendent", *w)
    app_id = drafted.split("Drafted ")[1].split(":")[0].strip()
    assert "drafted -> applied" in run("ddtro-case", "set", app_id, "applied", *w)
    refused = runner.invoke(app, ["ddtro-case", "set", app_id, "disconnected", *w])
    assert refused.exit_code != 0
    assert app_id in run("ddtro-case", "list", "--line", line_id, *w)
    assert "No open alerts." in run("line-alerts", *w)
    assert "takes effect at the next" in run("line-review", line_id, "confirmed", "--reason", "intelligence agrees", *w)
    with built.ws.engine.connect() as conn:
        from sqlalchemy import text

        reviewed = pl.DataFrame(conn.execute(text("SELECT line_id, decision FROM line_reviews")).all(), schema=["l", "d"], orient="row")
    assert set(reviewed["l"]) == {line_id} and set(reviewed["d"]) == {"confirmed"}
