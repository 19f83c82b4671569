"""``crossline demo``: the whole flow on a small synthetic scenario, in about two minutes.

Simulate, import into a fresh workspace, build, export, evaluate what works,
say what was found, and score it against the scenario's truth (lines found of
those planted, number changes followed, exploited young people at high risk
or above, linkage F1). Every read of the result goes
through the service layer, as any other command's does.

The demo never deletes anything: a folder that already holds something (a
previous demo that has since been used for casework, or a user's own files)
is refused when named with ``--dir``, and the default folder gives way to a
fresh ``crossline-demo-2`` and so on. The demo is made in a hidden staging
folder beside the target and renamed into place only when it has finished, so
an interrupted demo leaves nothing half-made under the name it was asked for.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.panel import Panel

from crossline.cli import progress
from crossline.cli.common import console, esc, local
from crossline.errors import Conflict, InvalidInput
from crossline.evaluate import scorecard
from crossline.processes import alive
from crossline.service import audit as audit_service
from crossline.service.agencies import allow_sender_for_bundle
from crossline.service.picture import PictureSummary, changes, summary
from crossline.service.status import status
from crossline.service.what_works import report_with_results
from crossline.workspace import init_workspace

if TYPE_CHECKING:
    from crossline.evaluate.effects import WhatWorks

app = typer.Typer()
DEMO_HUB = "partnership-hub"  # the demo's bundle is packaged by one hub for every partner, as a MASH would
# What works needs [risk] what_works_min_treated (30) participants in a programme, and who takes part depends on how
# many young people the scenario holds, not on its length: at scale 1 the largest programme has 22, at 2 more than 30
# (mentoring is then estimated; tests/test_cli.py checks it). Five months keep the demo quick; --months follows longer.
DEMO_SCALE = 2.0
DEMO_MONTHS = 5


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="A new or empty folder for the demo (by default crossline-demo, or the next free crossline-demo-N)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    scale: Annotated[float, typer.Option(
        help="Scenario scale. The default is large enough for at least 30 young people to take part in one programme, "
             "the fewest what works compares; at 1 every programme is too small to estimate.",
    )] = DEMO_SCALE,
    months: Annotated[int, typer.Option(
        help="Length of the scenario in calendar months from 1 June 2026 (5 to 36). Five follow the programmes' "
             "participants long enough for what works at the default scale; longer scenarios add follow-up and take longer.",
    )] = DEMO_MONTHS,
) -> None:
    """Simulate a scenario into a fresh workspace, import it, build, evaluate what works, and score what was found against the truth."""
    from crossline.sim.scenario import DEFAULT_MONTHS, MAX_MONTHS

    if not DEFAULT_MONTHS <= months <= MAX_MONTHS:
        raise InvalidInput(f"give --months from {DEFAULT_MONTHS} to {MAX_MONTHS} (programmes start up to day 70 and need follow-up)")
    target = choose_folder(directory)
    if directory is None and target != DEFAULT_FOLDER:
        console.print(f"{DEFAULT_FOLDER} already holds files; nothing in it is touched. This demo goes to [bold]{target}[/].")
    sweep_abandoned(target)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        run_demo(staging, target, seed, scale, months)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # made by this run alone, moments ago
        raise


DEFAULT_FOLDER = Path("crossline-demo")


def choose_folder(asked: Path | None, default: Path = DEFAULT_FOLDER) -> Path:
    """Where the demo goes: the folder asked for if it is new or empty, else (default only) the next free one.

    Anything already in a folder may be someone's work (casework done in an
    earlier demo's workspace counts), so the demo never writes into or over it.
    """
    def free(p: Path) -> bool:
        return not p.exists() or (p.is_dir() and not any(p.iterdir()))

    if asked is not None:
        if not free(asked):
            raise Conflict(f"{asked} is not empty; the demo never writes over existing files. Name a new or empty folder with --dir.")
        return asked
    n = 1
    while not free(candidate := default if n == 1 else default.with_name(f"{default.name}-{n}")):
        n += 1
    return candidate


def sweep_abandoned(target: Path) -> list[Path]:
    """Remove staging folders of demos for ``target`` that were killed (their process is gone).

    Only the demo's own hidden ``.NAME.partial-PID`` folders are touched, and
    only when the process that made them no longer runs and they hold nothing
    but the demo's two folders.
    """
    swept = []
    for leftover in target.parent.glob(f".{target.name}.partial-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or alive(int(pid)) or not {p.name for p in leftover.iterdir()} <= {"scenario", "workspace"}:
            continue
        shutil.rmtree(leftover)
        swept.append(leftover)
    return swept



def run_demo(staging: Path, target: Path, seed: int, scale: float, months: int = DEMO_MONTHS) -> None:
    """Make the demo in ``staging`` and rename it to ``target`` once everything has been written."""
    started = time.monotonic()
    scenario, ws_path = staging / "scenario", staging / "workspace"
    console.rule("1. Simulate a county lines scenario (synthetic, with ground truth)")
    console.print(progress.simulate(scenario, seed, scale, months).describe())
    console.rule("2. Import the partners' bundle into a fresh workspace")
    init_workspace(ws_path).close()
    with local(ws_path) as (ws, actor):
        partners = allow_sender_for_bundle(ws, actor, DEMO_HUB, scenario / "bundle")
        console.print(f"The partners' data hub [bold]{DEMO_HUB}[/] is allowed to send for the {len(partners)} partners in the bundle.")
        result = progress.import_bundle(ws, actor, scenario / "bundle", DEMO_HUB)
        progress.print_import(result, next_step=None)
        console.rule("3. Build the picture (resolve people, find deal lines, score risk) and export")
        built, exported = progress.build(ws, actor)
        console.print(f"Picture version {built.version} built in {sum(built.stages.values()):.0f} s:")
        for line in changes(PictureSummary(None), summary(ws, actor)):
            console.print(f"  {esc(line)}")
        console.print(f"{len([n for n in exported.files if n.endswith('.csv')])} exports (CSV and Parquet) written.")
        console.rule("4. What works: did the programmes reduce harm? (matched comparison)")
        report_path, results = report_with_results(ws, actor, ws_path / "reports" / "what-works.html")
        worked = _what_works(results)
        for line in worked:
            console.print(f"  {esc(line)}")
        found = _found(summary(ws, actor))
        verification = audit_service.verify(ws, actor)
        st = status(ws, actor)
    judged = scorecard.describe(scorecard.score(scenario / "truth", _exported(exported.files, exported.directory)))
    if target.exists():
        target.rmdir()  # checked empty by choose_folder
    staging.rename(target)
    scenario, ws_path = target / "scenario", target / "workspace"
    exports_dir = target / os.path.relpath(exported.directory, staging)
    report = target / os.path.relpath(report_path, staging)
    estimated = sum(1 for p in results.programmes if p.status == "estimated")
    persons = sum(n for (kind, _), n in st.rows.items() if kind == "persons")
    events = sum(n for (kind, _), n in st.rows.items() if kind == "events")
    console.print(
        Panel.fit(
            "\n".join(
                [
                    f"[bold]{persons:,}[/] person records from {len({s for (k, s) in st.rows if k == 'persons'})} agencies, "
                    f"[bold]{events:,}[/] events, [bold]{st.comms_events:,}[/] comms events over {esc(st.comms_days)} days.",
                    f"Quarantine: {esc(st.quarantine.get('error', 0))} rejected rows, {esc(st.quarantine.get('warning', 0))} warnings.",
                    *found,
                    f"What works: [bold]{estimated}[/] of {len(results.programmes)} programme(s) estimated against matched young "
                    f"people; the report: {esc(report)}",
                    f"Audit log: {esc('intact' if verification.ok else 'BROKEN')}, {esc(verification.entries)} entries.",
                    "",
                    "[bold]How good was it?[/] Compared with the scenario's ground truth:",
                    *(f"  {esc(line)}" for line in judged),
                    f"Ground truth for checking what Crossline finds: {esc(scenario / 'truth')}",
                    "",
                    "Where to look next:",
                    f"  crossline status --workspace {esc(ws_path)}",
                    f"  crossline review --workspace {esc(ws_path)}   (borderline matches, explained)",
                    f"  crossline lines --workspace {esc(ws_path)}    (then: crossline ddtro LINE_ID)",
                    f"  crossline risk list --workspace {esc(ws_path)}",
                    f"  crossline network --workspace {esc(ws_path)}  (then: crossline network show OCG_ID --out group.html)",
                    f"  crossline priorities --workspace {esc(ws_path)}   (lines and groups ranked by harm)",
                    f"  crossline user add ME --agency gwent-police --role police_analyst --workspace {esc(ws_path)}",
                    f"  crossline serve --workspace {esc(ws_path)}   (then log in as ME at http://127.0.0.1:8400)",
                    f"  crossline person SOURCE RECORD_ID --workspace {esc(ws_path)}   (an audited read)",
                    f"  crossline audit verify --workspace {esc(ws_path)}",
                    f"  exports in {esc(exports_dir)}",
                ]
            ),
            title=f"Demo finished in {time.monotonic() - started:.0f} s",
        )
    )


def _found(pic: PictureSummary) -> list[str]:
    """What the build found, in a few plain lines (counts only)."""
    out: list[str] = []
    if pic.nominals is not None:
        out.append(f"[bold]{pic.nominals:,}[/] nominals (people) resolved from {pic.records:,} records.")
    if pic.lines is not None:
        out.append(f"[bold]{pic.lines}[/] deal lines on {pic.line_numbers} numbers, {pic.successions} number changes followed.")
    if pic.bands:
        b = pic.bands
        out.append(f"Young people at risk: {b.get('very_high', 0)} very high, {b.get('high', 0)} high, "
                   f"{b.get('medium', 0)} medium (each with its reasons).")
    if pic.groups is not None:
        out.append(f"[bold]{pic.groups}[/] organised crime groups behind the lines ({pic.group_members:,} people, each with a role "
                   f"and reasons); {pic.cross_border_groups} sell across a force border.")
    return out


def _what_works(results: WhatWorks) -> list[str]:
    """One line per programme: its estimate for all harm to the end of the data, or why there is none."""
    from crossline.evaluate.table import verdict

    out = [f"{results.cohort:,} young people followed from {results.data_start:%d %B %Y} to {results.data_end:%d %B %Y}."]
    for p in results.programmes:
        if p.status != "estimated":
            out.append(f"{p.name}: no estimate: {p.reason}")
            continue
        e = p.estimate("harm_indicators", "to the end of the data")
        head = e.headline() if e is not None and e.status == "estimated" else None
        if head is None:
            out.append(f"{p.name}: {p.matched} of {p.participants} participants matched; {e.reason if e is not None else 'no estimate'}")
            continue
        _method, ratio, low, high = head
        interval = f" (95% interval {low:.2f} to {high:.2f})" if low is not None and high is not None else ""
        out.append(f"{p.name}: {p.matched} of {p.participants} participants matched; harm rate ratio {ratio:.2f}{interval}: "
                   f"{verdict(ratio, low, high)}")
    return out


def _exported(files: dict[str, int], directory: Path) -> dict[str, pl.DataFrame]:
    """The exported tables the scorecard compares with the truth (read back from the files a user would open)."""
    wanted = {"nominals", "line_numbers", "successions", "risk"}
    return {Path(name).stem: pl.read_csv(directory / name, infer_schema_length=0) for name in files if Path(name).stem in wanted and name.endswith(".csv")}
