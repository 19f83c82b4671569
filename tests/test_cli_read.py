"""The command line as a user reads it: every read command as a process at 80 columns and piped, and two builds alike.

One workspace (the shared seed-1 scenario, imported and built once) serves the
whole module; the commands run as child processes, a few at a time, so the
module stays well under a minute on two cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.workspace import init_workspace, open_workspace
from helpers import Sim, import_as_hub


@dataclass
class Built:
    ws: Path
    first: Path  # the exports of the first build, kept aside


@pytest.fixture(scope="module")
def built(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from crossline.service.build import build

    root = tmp_path_factory.mktemp("cliread")
    ws = init_workspace(root / "ws")
    try:
        import_as_hub(ws, sim.bundle)
        _, exported = build(ws, LOCAL_ADMIN)
        first = root / "first-exports"
        shutil.copytree(exported.directory, first)
    finally:
        ws.close()
    yield Built(ws=root / "ws", first=first)


def run(*args: str | Path, columns: int | None = 80) -> subprocess.CompletedProcess[str]:
    """One command as a user runs it, its output piped (and COLUMNS=80 unless None: a pipe's own default)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "crossline.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def test_two_builds_give_the_same_exports_byte_for_byte(built: Built) -> None:
    """A second build with another number of DuckDB threads (the order of parallel sums changes) writes identical files."""
    from crossline.service.build import build

    toml = built.ws / "crossline.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"(?m)^threads = \d+$", "threads = 7", text), encoding="utf-8")
    ws = open_workspace(built.ws)
    try:
        _, exported = build(ws, LOCAL_ADMIN)
    finally:
        ws.close()
        toml.write_text(text, encoding="utf-8")
    names = sorted(p.name for p in built.first.iterdir())
    assert names == sorted(p.name for p in exported.directory.iterdir())
    assert "nominals.csv" in names and "risk.csv" in names and "lines.csv" in names
    differ = [n for n in names if (built.first / n).read_bytes() != (exported.directory / n).read_bytes()]
    assert differ == [], f"exports differ between two builds of the same data: {differ}"


LINE_ID = re.compile(r"DL-[0-9a-f]+")
NOMINAL = re.compile(r"(?<![A-Za-z0-9])N[0-9A-F]{6,}")
PHONE = re.compile(r"\+44\d+")


def cut_ids(text: str) -> list[str]:
    """Ids and numbers in ``text`` that are not whole: a line id is DL- and 10 hex digits, a nominal N and 16, a UK mobile +44 and 10."""
    bad = [m.group() for m in LINE_ID.finditer(text) if len(m.group()) != 13]
    bad += [m.group() for m in NOMINAL.finditer(text) if len(m.group()) != 17]
    bad += [m.group() for m in PHONE.finditer(text) if len(m.group()) != 13]
    return bad


def test_every_read_command_at_80_columns_and_piped(built: Built) -> None:
    """Each read command, as a process at 80 columns and piped without COLUMNS: no traceback, no id or number cut."""
    import polars as pl

    lines = pl.read_csv(built.first / "lines.csv", infer_schema_length=0)
    risk = pl.read_csv(built.first / "risk.csv", infer_schema_length=0)
    numbers = pl.read_csv(built.first / "line_numbers.csv", infer_schema_length=0)
    line_id = lines["line_id"][0]
    nominal = risk["nominal_id"][0]
    groups = pl.read_csv(built.first / "ocgs.csv", infer_schema_length=0)
    ocg, member = groups["ocg_id"][0], groups["nominal_id"][0]
    w = ("-w", built.ws)
    commands: list[tuple[str | Path, ...]] = [
        ("status", *w), ("lines", *w), ("line", line_id, *w), ("risk", "list", *w), ("risk", "show", nominal, *w),
        ("risk", "partner-view", nominal, *w), ("risk", "groups", *w), ("risk", "places", *w), ("alerts", "--all", *w),
        ("network", *w), ("priorities", *w), ("review", "decisions", *w), ("quarantine", *w), ("audit", "log", "--limit", "20", *w),
        ("agency", "list", *w), ("crossborder", *w), ("network", "show", ocg, *w), ("network", "show", ocg, "--member", member, *w),
        ("priorities", "--subject", line_id, *w),
    ]
    # piped, Rich assumes 80 columns when COLUMNS is unset: every command once that way, the busiest also with COLUMNS=80
    busiest = ("lines", "line", "alerts", "risk list", "network show")
    runs = [(c, None) for c in commands] + [(c, 80) for c in commands if c[0] in busiest or " ".join(map(str, c[:2])) in busiest]
    runs.append((("risk", "list", *w), 160))  # a wider terminal shows more of each reason
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda rc: (rc, run(*rc[0], columns=rc[1])), runs))
    for (cmd, cols), result in done:
        said = f"{' '.join(map(str, cmd[:3]))} at COLUMNS={cols}"
        assert result.returncode == 0, f"{said}: {result.stderr}"
        assert "Traceback" not in result.stdout + result.stderr, said
        assert cut_ids(result.stdout) == [], f"{said} cut ids: {cut_ids(result.stdout)}\n{result.stdout}"
    out = {(c[0] if c[0] != "risk" else f"risk {c[1]}", cols): r.stdout for (c, cols), r in done}
    assert out[("lines", 80)] == out[("lines", None)], "a pipe is read at 80 columns"
    assert all(i in out[("lines", 80)] for i in lines["line_id"]), "every line id, whole, at 80 columns"
    assert all(n in out[("line", 80)] for n in numbers.filter(pl.col("line_id") == line_id)["number"]), "every number of the line, whole"
    assert all(i in out[("risk list", 80)] for i in risk["nominal_id"].head(30)), "every nominal listed, whole"
    names = dict(pl.read_csv(built.first / "nominal_people.csv", infer_schema_length=0).select("nominal_id", "display_name").iter_rows())
    people: dict[int | None, list[str]] = {}
    for cols in (80, None, 160):
        table = [line for line in out[("risk list", cols)].splitlines() if line.startswith("│")]
        assert all(len(line) <= (cols or 80) for line in table)
        starts = [i for i, line in enumerate(table) if NOMINAL.search(line)]
        assert len(starts) == min(30, risk.height), f"every person once at COLUMNS={cols}:\n{out[('risk list', cols)]}"
        for at, end in zip(starts, [*starts[1:], len(table)], strict=True):
            cells = [line.split("│") for line in table[at:end]]
            who = " ".join(c[4].strip() for c in cells if c[4].strip())
            listed = cells[0][1].strip()
            assert who.startswith(names[listed]), f"{listed}: the name whole ({names[listed]!r}), not {who!r}, at COLUMNS={cols}"
            assert all(not c[5].strip() for c in cells[1:]), f"{listed}: the strongest reasons on one line at COLUMNS={cols}"
        people[cols] = [table[i].split("│")[-2].strip() for i in starts]  # the strongest reasons, as shown
    assert people[80] == people[None], "a pipe is read at 80 columns"
    assert all(r.endswith("…") for r in people[80]), "reasons longer than 80 columns allow end in an ellipsis"
    assert all(len(wide) > len(narrow) and wide.startswith(narrow[:-1]) for wide, narrow in zip(people[160], people[80], strict=True))
    first = out[("risk show", None)].splitlines()[0]
    assert nominal in first and not first.startswith("Score"), f"risk show starts with who: {first}"


def test_lines_and_nominals_by_a_unique_start_or_a_number(built: Built) -> None:
    import polars as pl

    lines = pl.read_csv(built.first / "lines.csv", infer_schema_length=0)
    risk = pl.read_csv(built.first / "risk.csv", infer_schema_length=0)
    ids = sorted(lines["line_id"])
    w = ("-w", built.ws)
    unique = next(i[:k] for i in ids for k in range(4, 13) if sum(j.startswith(i[:k]) for j in ids) == 1)
    full = next(i for i in ids if i.startswith(unique))
    numbers = pl.read_csv(built.first / "line_numbers.csv", infer_schema_length=0)
    number = numbers.filter(pl.col("line_id") == full)["number"][0]
    nominal = risk["nominal_id"][0]
    with ThreadPoolExecutor(max_workers=3) as pool:
        by_start, by_number, national, ambiguous, person, partner = pool.map(lambda a: run(*a), [
            ("line", unique, *w), ("line", number, *w), ("line", "0" + number[3:], *w), ("line", "DL-", *w),
            ("risk", "show", nominal[:12], *w), ("risk", "partner-view", nominal[:12], "--format", "json", *w)])
    for r in (by_start, by_number, national):
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(full)
    assert ambiguous.returncode == 2 and "Traceback" not in ambiguous.stderr
    assert f"fits {len(ids)} lines" in ambiguous.stderr.replace("\n", " ") and ids[0] in ambiguous.stderr
    assert person.returncode == 0 and nominal in person.stdout
    assert partner.returncode == 0 and json.loads(partner.stdout)["nominal_id"] == nominal


def test_lists_as_csv_and_json(built: Built) -> None:
    w = ("-w", built.ws)
    with ThreadPoolExecutor(max_workers=3) as pool:
        as_csv, as_json, risk_json, bad = pool.map(lambda a: run(*a), [
            ("lines", "--format", "csv", *w), ("lines", "--format", "json", *w), ("risk", "list", "--format", "json", *w),
            ("lines", "--format", "yaml", *w)])
    header = as_csv.stdout.splitlines()[0].split(",")
    assert {"line_id", "current_number", "confidence", "imeis"} <= set(header)
    rows = json.loads(as_json.stdout)
    assert len(rows) == len(as_csv.stdout.splitlines()) - 1 and all(len(r["line_id"]) == 13 for r in rows)
    people = json.loads(risk_json.stdout)
    assert people and {"nominal_id", "name", "area", "date_of_birth", "reasons"} <= set(people[0])
    assert sum(bool(p["name"]) for p in people) > len(people) // 2, "most young people at risk have a name on a record"
    assert bad.returncode == 2 and "table, csv or json" in bad.stderr


def test_errors_are_one_line_with_what_to_do(built: Built, tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("mine")
    w = ("-w", built.ws)
    with ThreadPoolExecutor(max_workers=3) as pool:
        status, band, refer, out_file, markup, missing, again = pool.map(lambda a: run(*a), [
            ("lines", "--status", "bogus", *w), ("risk", "list", "--band", "bogus", *w), ("refer", "list", "--status", "bogus", *w),
            ("export", in_the_way, *w), ("lines", "--status", "[[agency]]", *w), ("lines", "-w", tmp_path / "no where"),
            ("init", *w)])
    for r in (status, band, refer, markup, out_file, missing):
        assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
        assert "Traceback" not in r.stderr and r.stderr.startswith("Error: ")
    assert status.returncode == band.returncode == refer.returncode == markup.returncode == 2
    assert "active, dormant, disrupted" in status.stderr and "bogus" in band.stderr and "made, accepted" in refer.stderr
    assert "[[agency]]" in markup.stderr, "markup in a message is printed, not obeyed"
    assert out_file.returncode == 1 and "Traceback" not in out_file.stderr and "a file is in the way" in out_file.stderr
    assert in_the_way.read_text() == "mine"
    assert missing.returncode == 6 and "crossline init --workspace" in missing.stderr and "no where" in missing.stderr
    made = subprocess.run(["sh", "-c", re.search(r"`(crossline init [^`]+)`", missing.stderr).group(1)  # type: ignore[union-attr]
                           .replace("crossline", f"{sys.executable} -m crossline.cli", 1)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and (tmp_path / "no where" / "crossline.toml").exists(), "the hint's command works"
    assert again.returncode == 0 and "already exists" in again.stdout and "nothing was changed" in again.stdout


def test_quarantine_audit_log_and_a_grant_dated_when_it_happened(built: Built) -> None:
    import polars as pl

    w = ("-w", built.ws)
    line_id = pl.read_csv(built.first / "lines.csv", infer_schema_length=0)["line_id"][0]
    drafted = run("ddtro-case", "draft", line_id, *w)
    app_id = re.search(r"Drafted (\S+):", drafted.stdout).group(1)  # type: ignore[union-attr]
    assert run("ddtro-case", "set", app_id, "applied", *w).returncode == 0
    early = run("ddtro-case", "set", app_id, "granted", "--granted-on", "2999-01-01", *w)
    assert early.returncode == 2 and "future" in early.stderr
    granted = run("ddtro-case", "set", app_id, "granted", "--granted-on", "2026-10-20", "--note", "Newport magistrates", *w)
    assert granted.returncode == 0 and "2026-10-20" in granted.stdout
    listed = json.loads(run("ddtro-case", "list", "--line", line_id, "--format", "json", *w).stdout)
    step = [h for a in listed if a["application_id"] == app_id for h in a["history"] if h["status"] == "granted"][0]
    assert step["at"].startswith("2026-10-20") and "recorded" in step["note"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        quarantine, severity, log, by_subject = pool.map(lambda a: run(*a), [
            ("quarantine", "--format", "json", *w), ("quarantine", "--severity", "fatal", *w),
            ("audit", "log", "--action", "ddtro_status", "--format", "json", *w), ("audit", "log", "--subject", app_id, *w)])
    assert quarantine.returncode == 0 and isinstance(json.loads(quarantine.stdout), list)
    assert severity.returncode == 2 and "error or warning" in severity.stderr
    entries = json.loads(log.stdout)
    assert [e["details"]["to"] for e in entries][:2] == ["granted", "applied"]
    assert entries[0]["details"]["granted_on"] == "2026-10-20" and entries[0]["subject"] == app_id
    assert by_subject.returncode == 0 and app_id in by_subject.stdout


def test_priorities_show_the_factors_that_score_and_every_factor_of_one(built: Built) -> None:
    """The ranked list shows, per subject, the factors that score, most points first; --subject every factor with
    its points, which add up to the score; the cross-border picture as a table, CSV or JSON."""
    import polars as pl

    w = ("-w", built.ws)
    ranked = pl.read_parquet(sorted((built.ws / "picture").glob("v*/priorities.parquet"))[-1])
    top = ranked.sort("rank").row(0, named=True)
    with ThreadPoolExecutor(max_workers=3) as pool:
        listed, one, one_json, nothing, flows, landing = pool.map(lambda a: run(*a), [
            ("priorities", *w), ("priorities", "--subject", top["subject_id"], *w),
            ("priorities", "--subject", top["subject_id"], "--format", "json", *w), ("priorities", "--subject", "DL-none", *w),
            ("crossborder", "--format", "json", *w), ("crossborder", "--harm", "--format", "csv", *w)])
    assert listed.returncode == 0 and all(s in listed.stdout for s in ranked["subject_id"]), "every subject, whole"
    assert one.returncode == 0 and one.stdout.startswith(f"{top['subject_id']} (")
    factors = json.loads(one_json.stdout)
    assert len(factors) == len(top["reasons"].split(";")), "every factor, those that score nothing too"
    assert [f["points"] for f in factors] == sorted((f["points"] for f in factors), reverse=True)
    assert abs(sum(f["points"] for f in factors) - top["score"]) < 0.1 * len(factors), "the points make the score"
    first = listed.stdout.splitlines()[[i for i, line in enumerate(listed.stdout.splitlines()) if top["subject_id"] in line][0]]
    assert factors[0]["factor"][:10] in first, "the list starts with the factor that scores most"
    assert nothing.returncode != 0 and "crossline priorities" in nothing.stderr and "Traceback" not in nothing.stderr
    both = json.loads(flows.stdout)
    matrix = pl.read_parquet(sorted((built.ws / "picture").glob("v*/crossborder_matrix.parquet"))[-1])
    assert len(both["flows"]) == matrix.height and {"from", "to", "lines", "customers", "runners", "missing"} <= set(both["flows"][0])
    assert landing.stdout.splitlines()[0] == "force,lines_from_elsewhere,harm_points,runners_in,customers,missing_here"


def test_is_this_child_known_shows_the_risk_band_and_open_alerts_to_those_who_may_see_them(built: Built) -> None:
    """Issue 13 item 6: asked by name and date of birth about a young person scored at risk and alerted on, a police analyst
    sees the band and the open alerts beside the match (and the command line prints them); a school's lead is told only
    that the child is known and by which kinds of agency."""
    import polars as pl
    from sqlalchemy import text

    from crossline.access.actor import Actor
    from crossline.service import alerts as alert_service
    from crossline.service import resolve as svc
    from crossline.stages.resolve.known import KnownResult

    ws = open_workspace(built.ws)
    try:
        with ws.engine.connect() as conn:
            types = dict(conn.execute(text("SELECT agency_id, type FROM agencies")).all())
            alerted = [n for (n,) in conn.execute(text(
                "SELECT DISTINCT subject_id FROM alerts WHERE status = 'open' AND subject_type = 'nominal' ORDER BY subject_id"))]
            persons = pl.DataFrame(conn.execute(text(
                "SELECT source, record_id, given_name, family_name, date_of_birth FROM persons")).all(), orient="row",
                schema=["source", "record_id", "given_name", "family_name", "date_of_birth"])
        police = next(a for a, t in sorted(types.items()) if t == "police")
        school = next(a for a, t in sorted(types.items()) if t == "education")
        analyst = Actor("ana", police, "analyst")
        risk = pl.read_parquet(built.ws / "exports" / "risk.parquet").select(pl.col("nominal_id").cast(pl.String), "band")
        nominals = pl.read_parquet(built.ws / "exports" / "nominals.parquet").select(pl.col("nominal_id").cast(pl.String), "source", "record_id")
        dated = nominals.join(persons, on=["source", "record_id"]).filter(pl.col("date_of_birth").str.len_chars() == 10)
        chosen = risk.filter(pl.col("nominal_id").is_in(alerted)).join(dated, on="nominal_id").sort("nominal_id").row(0, named=True)
        ask = {"given_name": chosen["given_name"], "family_name": chosen["family_name"], "date_of_birth": chosen["date_of_birth"]}

        result = svc.match_record(ws, analyst, ask)
        assert isinstance(result, KnownResult) and result.known and result.risk_shown
        best = result.candidates[0]
        assert best.nominal_id == chosen["nominal_id"] and best.risk_band == chosen["band"]
        listed = [a for a in alert_service.list_alerts(ws, analyst) if a["subject_id"] == chosen["nominal_id"]]
        assert listed and sorted(a["alert_id"] for a in best.open_alerts) == sorted(a["alert_id"] for a in listed)

        summary = svc.match_record(ws, Actor("dsl", school, "safeguarding"), ask)
        assert isinstance(summary, svc.KnownSummary) and summary.known
        assert chosen["band"] not in str(summary.__dict__) and "alert" not in str(summary.__dict__)
    finally:
        ws.close()
    shown = run("known", "--given-name", ask["given_name"], "--family-name", ask["family_name"], "--dob", ask["date_of_birth"],
                "-w", built.ws, columns=160)
    assert shown.returncode == 0, shown.stderr
    assert f"risk band {chosen['band'].replace('_', ' ')}" in shown.stdout and "alert" in shown.stdout
    assert "No null level" not in shown.stderr, shown.stderr  # Splink's note on the practitioner comparison is not the user's business
