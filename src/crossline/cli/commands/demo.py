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
from crossline.cli.common import console, esc, local
from crossline.service import audit as audit_service
from crossline.service.picture import PictureSummary, summary
from crossline.service.status import status
from crossline.workspace import init_workspace

app = typer.Typer()


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
        result = progress.import_bundle(ws, actor, scenario / "bundle")
        progress.print_import(result, by_kind=True)
        console.rule("3. Build the picture (resolve people, find deal lines, score risk) and export")
        built, exported = progress.build(ws, actor)
        console.print("Stages: " + ", ".join(f"{esc(k)} {v:.1f} s" for k, v in built.stages.items()))
        for name, rows in exported.files.items():
            console.print(f"  {esc(exported.directory / name)}: {rows:,} rows")
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
                    f"[bold]{events:,}[/] events, [bold]{st.comms_events:,}[/] comms events over {esc(st.comms_days)} days.",
                    f"Quarantine: {esc(st.quarantine.get('error', 0))} rejected rows, {esc(st.quarantine.get('warning', 0))} warnings.",
                    *found,
                    f"Audit log: {esc('intact' if verification.ok else 'BROKEN')}, {esc(verification.entries)} entries.",
                    f"Ground truth for checking what Crossline finds: {esc(scenario / 'truth')}",
                    "",
                    "Where to look next:",
                    f"  crossline status --workspace {esc(ws_path)}",
                    f"  crossline review --workspace {esc(ws_path)}   (borderline matches, explained)",
                    f"  crossline lines --workspace {esc(ws_path)}    (then: crossline ddtro LINE_ID)",
                    f"  crossline risk list --workspace {esc(ws_path)}",
                    f"  crossline person SOURCE RECORD_ID --workspace {esc(ws_path)}   (an audited read)",
                    f"  crossline audit verify --workspace {esc(ws_path)}",
                    f"  exports in {esc(exported.directory)}",
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
