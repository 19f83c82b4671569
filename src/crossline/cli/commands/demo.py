"""``crossline demo``: the whole flow on a small synthetic scenario, in under two minutes.

Simulate, import into a fresh workspace, build, export, and say what was
found. Every read of the result goes through the service layer, as any
other command's does.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from crossline.cli import progress
from crossline.cli.common import console, local
from crossline.service import audit as audit_service
from crossline.service.agencies import allow_sender_for_bundle
from crossline.service.picture import PictureSummary, summary
from crossline.service.status import status
from crossline.workspace import init_workspace

app = typer.Typer()
DEMO_HUB = "partnership-hub"  # the demo's bundle is packaged by one hub for every partner, as a MASH would


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Folder for the demo's scenario and workspace.")] = Path("crossline-demo"),
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    scale: Annotated[float, typer.Option(help="Scenario scale.")] = 1.0,
) -> None:
    """Simulate a small scenario into a fresh workspace, import it, export, and say what was found."""
    run_demo(Path(directory), seed, scale)


def run_demo(directory: Path, seed: int, scale: float) -> None:
    started = time.monotonic()
    scenario, ws_path = directory / "scenario", directory / "workspace"
    for old in (scenario, ws_path):
        if old.exists():
            shutil.rmtree(old)  # the demo always starts fresh; it only ever touches its own folder
    console.rule("1. Simulate a county lines scenario (synthetic, with ground truth)")
    console.print(progress.simulate(scenario, seed, scale, 5).describe())
    console.rule("2. Import the partners' bundle into a fresh workspace")
    init_workspace(ws_path).close()
    with local(ws_path) as (ws, actor):
        partners = allow_sender_for_bundle(ws, actor, DEMO_HUB, scenario / "bundle")
        console.print(f"The partners' data hub [bold]{DEMO_HUB}[/] is allowed to send for the {len(partners)} partners in the bundle.")
        result = progress.import_bundle(ws, actor, scenario / "bundle", DEMO_HUB)
        progress.print_import(result, by_kind=True)
        console.rule("3. Build the picture (resolve people, find deal lines, score risk) and export")
        built, exported = progress.build(ws, actor)
        console.print("Stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in built.stages.items()))
        for name, rows in exported.files.items():
            console.print(f"  {exported.directory / name}: {rows:,} rows")
        found = _found(summary(ws, actor))
        verification = audit_service.verify(ws, actor)
        st = status(ws, actor)
    persons = sum(n for (kind, _), n in st.rows.items() if kind == "persons")
    events = sum(n for (kind, _), n in st.rows.items() if kind == "events")
    console.print(
        Panel.fit(
            "\n".join(
                [
                    f"[bold]{persons:,}[/] person records from {len({s for (k, s) in st.rows if k == 'persons'})} agencies, "
                    f"[bold]{events:,}[/] events, [bold]{st.comms_events:,}[/] comms events over {st.comms_days} days.",
                    f"Quarantine: {st.quarantine.get('error', 0)} rejected rows, {st.quarantine.get('warning', 0)} warnings.",
                    *found,
                    f"Audit log: {'intact' if verification.ok else 'BROKEN'}, {verification.entries} entries.",
                    f"Ground truth for checking what Crossline finds: {scenario / 'truth'}",
                    "",
                    "Where to look next:",
                    f"  crossline status --workspace {ws_path}",
                    f"  crossline review --workspace {ws_path}   (borderline matches, explained)",
                    f"  crossline lines --workspace {ws_path}    (then: crossline ddtro LINE_ID)",
                    f"  crossline risk list --workspace {ws_path}",
                    f"  crossline person SOURCE RECORD_ID --workspace {ws_path}   (an audited read)",
                    f"  crossline audit verify --workspace {ws_path}",
                    f"  exports in {exported.directory}",
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
    return out
