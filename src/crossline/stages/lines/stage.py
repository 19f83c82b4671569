"""The ``lines`` build stage: deal lines, their numbers and successions, customers and runners.

Reads the comms lake, ``cell_sites``, analysts' ``line_reviews`` and DDTRO
casework from the system of record, and the last build's ``line_numbers`` (so
line ids stay stable); writes the picture tables below and exports
``lines``, ``line_numbers`` and ``successions`` (DATA-CONTRACT section 3).
Its ``line_alerts`` (each successor of a line under a granted order) are raised when the picture publishes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from crossline.access.actor import Actor
from crossline.casework import ddtro
from crossline.engine import duck, spark
from crossline.engine.steps import SqlEngine
from crossline.stages.lines import alerts
from crossline.stages.lines.detect import Inputs, detect_lines
from crossline.stages.lines.sql import KEEP
from crossline.stages.stage import BuildContext, Export, PolarsType, Stage, raise_alerts

TABLES = (
    "lines", "line_numbers", "successions", "line_features", "line_evidence", "runners",
    "line_customers", "line_daily", "line_cells",
)


def _frame(ctx: BuildContext, sql: str, schema: dict[str, PolarsType]) -> pl.DataFrame:
    got = ctx.store(sql)
    if got.is_empty():
        return pl.DataFrame(schema=schema)
    return got.select([pl.col(k).cast(v) for k, v in schema.items()])


def reviews(ctx: BuildContext) -> pl.DataFrame:
    """number -> the latest analyst decision on it; a review of a whole line covers its numbers as last built."""
    rows = _frame(ctx, "SELECT id, line_id, number, decision FROM line_reviews ORDER BY id",
                  {"id": pl.Int64, "line_id": pl.String, "number": pl.String, "decision": pl.String})
    prev = ctx.previous_path("line_numbers")
    if prev is not None and rows.filter(pl.col("number").is_null()).height:
        known = pl.read_parquet(prev, columns=["line_id", "number"]).rename({"number": "line_number"})
        whole = rows.filter(pl.col("number").is_null()).join(known, on="line_id").with_columns(
            pl.col("line_number").alias("number")).drop("line_number")
        rows = pl.concat([rows.filter(pl.col("number").is_not_null()), whole])
    return rows.filter(pl.col("number").is_not_null()).sort("id").group_by("number", maintain_order=True).agg(
        pl.col("decision").last()).sort("number")


def _engine(ctx: BuildContext, engine: str, master: str) -> SqlEngine:
    if engine == "spark":
        return spark.SparkEngine(spark.session(master, needed_by='[lines] engine = "spark"'), keep=KEEP)
    return duck.engine(ctx.ws.settings, ctx.ws.path / ".spill" / "lines")


def run(ctx: BuildContext) -> None:
    s = ctx.ws.settings.lines
    ctx.progress("reading the store", 0.02)
    cells = _frame(ctx, "SELECT cell_id, lat, lon, force_area FROM cell_sites ORDER BY cell_id, source",
                   {"cell_id": pl.String, "lat": pl.Float64, "lon": pl.Float64, "force_area": pl.String}
                   ).unique("cell_id", keep="first", maintain_order=True)
    prev = ctx.previous_path("line_numbers")
    previous_ids = pl.read_parquet(prev, columns=["number", "line_id"]) if prev is not None else None
    with ctx.ws.engine.connect() as conn:
        ordered = ddtro.ordered_numbers(conn)
    comms_paths = ctx.comms_files()
    if not comms_paths:
        ctx.note("lines: no communications data in the lake, so no deal lines to find")
    inputs = Inputs(
        comms_paths=comms_paths, cells=cells, settings=s, workspace=ctx.ws.path,
        reviews=reviews(ctx), previous_ids=previous_ids, ordered_off=ordered.select("number"),
    )
    ctx.progress(f"features on {s.engine}", 0.1)
    engine = _engine(ctx, s.engine, s.spark_master)
    try:
        result = detect_lines(engine, inputs)
    finally:
        engine.close()
        if isinstance(engine, duck.DuckEngine):
            shutil.rmtree(ctx.ws.path / ".spill" / "lines", ignore_errors=True)
    ctx.progress("writing", 0.9)
    for name in TABLES:
        ctx.write(name, result.tables[name])
    ctx.write("line_notes", pl.DataFrame({"note": result.notes}, schema={"note": pl.String}))
    successors = alerts.successor_alerts(result.tables["line_numbers"], ordered)
    ctx.write("line_alerts", alerts.alert_rows(successors))
    ctx.progress(f"{result.tables['lines'].height} lines, {successors.height} successor(s) of ordered lines", 1.0)


def publish(conn: Connection, actor: Actor, folder: Path) -> None:
    path = folder / "line_alerts.parquet"
    if path.exists():
        raise_alerts(conn, actor, pl.read_parquet(path))


LINES_COLUMNS = ("line_id", "first_seen", "last_seen", "status", "confidence", "controller_area", "market_areas",
                 "customers", "daily_messages", "ocg_id")

STAGE = Stage(
    name="lines",
    run=run,
    outputs=TABLES + ("line_notes", "line_alerts"),
    exports=(
        Export("lines", "lines", LINES_COLUMNS),
        Export("line_numbers", "line_numbers", ("line_id", "number", "active_from", "active_to")),
        Export("successions", "successions", ("line_id", "old_number", "new_number", "detected_at", "evidence")),
    ),
    help="Deal lines from the comms lake: features, score, successions, customers, runners (docs/lines.md).",
    publish=publish,
)
