"""What works for commissioners: the evaluation as an HTML report, or as the table other tools read (CSV, JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.errors import InvalidInput
from crossline.exports import csv_safe
from crossline.workspace import Workspace

if TYPE_CHECKING:
    from crossline.evaluate.effects import WhatWorks

FORMATS = ("html", "csv", "json")


def report_with_results(ws: Workspace, actor: Actor, out: Path) -> tuple[Path, WhatWorks]:
    """Write the HTML report to ``out`` and return the results too, evaluated once (the demo shows both); audited."""
    require(actor, "what_works")
    from crossline.evaluate.effects import evaluate_workspace
    from crossline.evaluate.report import write_report

    results = evaluate_workspace(ws)
    path = write_report(results, Path(out))
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "what_works", str(path), {
            "format": "html", "programmes": {r.programme: r.status for r in results.programmes},
        })
    return path, results


def what_works(ws: Workspace, actor: Actor, fmt: str = "html", out: Path | None = None) -> tuple[Path | None, str]:
    """Evaluate each programme; write the report (html) or the table (csv, json) to ``out``, or return the table's text when
    ``out`` is None. Returns (path written or None, text); audited (an aggregate, but built from personal records)."""
    require(actor, "what_works")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; give one of: {', '.join(FORMATS)}")
    from crossline.evaluate.effects import evaluate_workspace
    from crossline.evaluate.report import write_report
    from crossline.evaluate.table import what_works_table

    results = evaluate_workspace(ws)
    path: Path | None = None
    text = ""
    if fmt == "html":
        path = write_report(results, Path(out) if out is not None else Path("what-works.html"))
    else:
        table = what_works_table(results)
        text = csv_safe.safe_frame(table).write_csv() if fmt == "csv" else json.dumps(table.to_dicts(), indent=1, default=str) + "\n"
        if out is not None:
            path = Path(out)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "what_works", str(path) if path else f"({fmt} to the caller)", {
            "format": fmt, "programmes": {r.programme: r.status for r in results.programmes},
        })
    return path, text
