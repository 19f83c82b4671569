"""Output that fits the work (issue 14 item 6): import by kind with totals and the next step, build says what changed,
status says how old the picture is. Real processes on the contract's small examples."""

from __future__ import annotations

from pathlib import Path

from helpers import TEST_HUB, declared_agencies
from test_cli import run


def test_import_build_and_status_say_what_a_user_needs(tmp_path: Path, examples: Path) -> None:
    assert run("init", cwd=tmp_path).returncode == 0
    fors = [arg for a in declared_agencies(examples / "good") for arg in ("--for", a)]
    assert run("agency", "allow-sender", TEST_HUB, *fors, cwd=tmp_path).returncode == 0
    never = run("status", cwd=tmp_path)
    assert "Picture: not built yet" in never.stdout

    imported = run("import", str(examples / "good"), "--as-agency", TEST_HUB, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    out = imported.stdout
    assert "\n persons " in out and "\n events " in out  # one row per kind of record ...
    assert "gwent_police/persons.csv" not in out  # ... not per file
    assert "\n total " in out and "Next: crossline build" in out
    assert run("status", cwd=tmp_path).stdout.count("1 bundle(s) imported since") == 0  # never built: not "since"

    built = run("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "Picture version 1 published" in built.stdout and "Nominals (people):" in built.stdout
    assert "New alerts:" in built.stdout and "resolve_tf" not in built.stdout  # no internal table names
    fresh = run("status", cwd=tmp_path)
    assert "Picture: version 1, built " in fresh.stdout and "no imports since" in fresh.stdout

    detail = run("import", str(examples / "bad"), "--as-agency", TEST_HUB, "--detail", cwd=tmp_path)
    assert "gwent_police/persons.csv" in detail.stdout and "\n total " in detail.stdout
    stale = run("status", cwd=tmp_path)
    assert "1 bundle(s) imported since" in stale.stdout and "crossline build" in stale.stdout


def test_a_build_says_how_each_figure_moved() -> None:
    from crossline.service.picture import PictureSummary, changes

    first = changes(PictureSummary(None), PictureSummary(1, nominals=10, records=12, lines=2, line_numbers=3,
                                                         bands={"high": 2, "medium": 1}, alerts=2))
    assert first == ["Nominals (people): 10 from 12 records", "Deal lines: 2",
                     "Numbers used by lines: 3; number changes followed: 0",
                     "Young people at high risk or above: 2 (0 very high, 2 high; 1 medium)", "New alerts: 2"]
    was = PictureSummary(1, nominals=10, records=12, lines=2, line_numbers=3, bands={"high": 2}, alerts=2)
    now = PictureSummary(2, nominals=9, records=13, lines=2, line_numbers=4, successions=1,
                         bands={"high": 2, "very_high": 1}, alerts=2)
    assert changes(was, now) == ["Nominals (people): 9 (-1) from 13 records", "Deal lines: 2 (unchanged)",
                                 "Numbers used by lines: 4 (+1); number changes followed: 1 (+1)",
                                 "Young people at high risk or above: 3 (+1) (1 very high, 2 high; 0 medium)",
                                 "New alerts: none"]


def test_a_folded_column_wraps_between_words_never_inside_one() -> None:
    """At 80 columns a name, a place or a date wraps onto a second line whole ("Abergavenny", never "Abergave/nny");
    when even the words do not fit, the least useful column goes and the note says which."""
    from crossline.cli.common import console
    from crossline.cli.output import Col, emit

    rows = [{"alert_id": i, "kind": "safeguarding risk", "subject_id": f"N{i:016X}", "who": "Kieran Probert, 16, Abergavenny",
             "raised": "2026-12-06 04:36", "message": "newly scored at this band (very high risk of exploitation)"} for i in range(3)]
    cols = [Col("alert_id", "alert", whole=True, right=True), Col("kind", "kind", keep=6), Col("raised", "raised", keep=4),
            Col("subject_id", "about", whole=True), Col("who", "who", keep=6), Col("message", "what", keep=8)]
    was = console.width
    console.width = 80
    try:
        with console.capture() as shown:
            emit(rows, cols, "table")
    finally:
        console.width = was
    cells = [cell.strip() for line in shown.get().splitlines() if line.startswith("│") for cell in line.split("│")[1:-1]]
    words = {w for r in rows for v in r.values() for w in str(v).split()}
    assert all(w in words for cell in cells for w in cell.split()), f"a word broken in two:\n{shown.get()}"
    assert "Abergavenny" in cells and "safeguarding" in cells
