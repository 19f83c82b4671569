"""Data never breaks the terminal: Rich markup, emoji codes and control characters in a bundle are printed as text.

The attack: a partner's bundle labelled ``[/bold]`` made ``crossline status`` die with a MarkupError traceback
(a closing tag with nothing open), and a value such as ``[red]`` or an escape sequence vanished into styling:
an analyst reading the screen saw something other than what the record holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_run import crossline
from crossline.cli.app import app
from crossline.cli.common import clean, esc

LABEL = "[/bold]partner [red]drop[/red] :police_car:"
GIVEN = "[red]Kai[/red]"
FAMILY = "[/bold]Morgan"
ALIAS = "Tiny\x1b]0;owned\x07\x1b[2J"  # an OSC title change and a clear-screen, inside a value

MANIFEST = f'''contract_version = 1
bundle = "{LABEL}"
produced_at = "2026-11-21T09:00:00Z"

[[agency]]
id = "gwent-police"
name = "Gwent Police"
type = "police"
force_area = "gwent"

[[feed]]
file = "police/[bold]persons.csv"
kind = "persons"
source = "gwent-police"
'''


@pytest.fixture
def marked_bundle(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    (root / "police").mkdir(parents=True)
    (root / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (root / "police" / "[bold]persons.csv").write_text(
        "record_id,given_name,family_name,aliases,date_of_birth,sex,town\n"
        f'P1,{GIVEN},{FAMILY},"{ALIAS}",2009-03-14,M,Newport\n',
        encoding="utf-8",
    )
    return root


def _no_breakage(out: str) -> None:
    assert "Traceback" not in out and "MarkupError" not in out
    assert "\x1b]0;" not in out and "\x1b[2J" not in out, "a control sequence from the data reached the terminal"


def test_markup_in_a_bundle_is_printed_as_text_by_the_cli_process(tmp_path: Path, marked_bundle: Path) -> None:
    ws = tmp_path / "ws"
    assert crossline("init", "-w", ws, cwd=tmp_path).returncode == 0
    imported = crossline("import", marked_bundle, "--as-agency", "gwent-police", "--detail", "-w", ws, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    _no_breakage(imported.stdout + imported.stderr)
    assert LABEL in imported.stdout and "[bold]persons.csv" in imported.stdout
    status = crossline("status", "-w", ws, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    _no_breakage(status.stdout + status.stderr)
    assert f"latest: {LABEL}" in status.stdout
    person = crossline("person", "gwent-police", "P1", "-w", ws, cwd=tmp_path)
    assert person.returncode == 0, person.stderr
    _no_breakage(person.stdout + person.stderr)
    assert GIVEN in person.stdout and FAMILY in person.stdout
    missing = crossline("person", "[/bold]x", "[red]y", "-w", ws, cwd=tmp_path)
    assert missing.returncode != 0
    _no_breakage(missing.stderr)
    assert "[/bold]x" in missing.stderr


def test_markup_in_a_bundle_is_printed_as_text_through_clirunner(tmp_path: Path, marked_bundle: Path) -> None:
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", "-w", ws]).exit_code == 0
    imported = runner.invoke(app, ["import", str(marked_bundle), "--as-agency", "gwent-police", "-w", ws], env={"COLUMNS": "250"})
    assert imported.exit_code == 0, imported.output
    assert LABEL in imported.output
    status = runner.invoke(app, ["status", "-w", ws], env={"COLUMNS": "250"})
    assert status.exit_code == 0 and status.exception is None, status.output
    _no_breakage(status.output)
    assert LABEL in status.output and "gwent-police" in status.output


def test_escaping_keeps_the_text_and_shows_control_characters() -> None:
    assert clean(ALIAS) == "Tiny\\x1b]0;owned\\x07\\x1b[2J"
    assert clean("line one\n\tline two") == "line one\n\tline two"
    assert esc("[/bold]") == "\\[/bold]"
