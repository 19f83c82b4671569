"""``crossline demo``: the whole flow on a small synthetic scenario, in under two minutes."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from crossline.access.actor import local_admin
from crossline.service import audit as audit_service
from crossline.service.build import build
from crossline.store import picture as picture_store
from crossline.service.status import status
from crossline.workspace import Workspace, init_workspace


def run_demo(directory: Path, seed: int, scale: float, console: Console) -> None:
    from crossline.cli import _simulate_with_progress, import_with_progress, print_import

    started = time.monotonic()
    directory = Path(directory)
    scenario, ws_path = directory / "scenario", directory / "workspace"
    for old in (scenario, ws_path):
        if old.exists():
            shutil.rmtree(old)  # the demo always starts fresh; it only ever touches its own folder
    console.rule("1. Simulate a county lines scenario (synthetic, with ground truth)")
    summary = _simulate_with_progress(scenario, seed, scale)
    console.print(summary.describe())
    console.rule("2. Import the partners' bundle into a fresh workspace")
    ws = init_workspace(ws_path)
    result = import_with_progress(ws, scenario / "bundle")
    print_import(result, by_kind=True)
    console.rule("3. Build the picture (resolve people, find deal lines, score risk) and export")
    built, exported = build(ws, local_admin())
    console.print("Stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in built.stages.items()))
    for name, rows in exported.files.items():
        console.print(f"  {exported.directory / name}: {rows:,} rows")
    found = _found(ws)
    verification = audit_service.verify(ws, local_admin())
    st = status(ws, local_admin())
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
    ws.close()


def _found(ws: Workspace) -> list[str]:
    """What the build found, in a few plain lines (counts only)."""
    import polars as pl

    def table(name: str) -> pl.DataFrame | None:
        return picture_store.read_table(ws.engine, ws.path, name, required=False)

    lines: list[str] = []
    nominals = table("nominals")
    if nominals is not None:
        lines.append(f"[bold]{nominals['nominal_id'].n_unique():,}[/] nominals (people) resolved from {nominals.height:,} records.")
    found = table("lines")
    numbers = table("line_numbers")
    successions = table("successions")
    if found is not None:
        lines.append(
            f"[bold]{found.height}[/] deal lines on {numbers.height if numbers is not None else 0} numbers, "
            f"{successions.height if successions is not None else 0} number changes followed."
        )
    risk = table("risk")
    if risk is not None and "band" in risk.columns:
        bands = dict(risk.group_by("band").len().iter_rows())
        lines.append(
            f"Young people at risk: {bands.get('very_high', 0)} very high, {bands.get('high', 0)} high, "
            f"{bands.get('medium', 0)} medium (each with its reasons)."
        )
    return lines
