"""The ``what_works`` export: the evaluation's table, whenever the workspace's records and picture allow it to run."""

from __future__ import annotations

import polars as pl

from crossline.errors import NotFound
from crossline.workspace import Workspace


def what_works_export(ws: Workspace) -> pl.DataFrame | None:
    """The what-works table, or None when the evaluation cannot run (no picture yet, no events): nothing to say then."""
    from crossline.evaluate.effects import evaluate_workspace
    from crossline.evaluate.table import what_works_table

    try:
        results = evaluate_workspace(ws)
    except NotFound:
        return None
    return what_works_table(results)
