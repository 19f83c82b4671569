"""Reading the store, the picture and the lake into :class:`Inputs` (the stage's only I/O besides writing)."""

from __future__ import annotations

import json
import shutil

import polars as pl

from crossline.engine import duck, spark
from crossline.engine.steps import SqlEngine
from crossline.stages.network.inputs import CUSTOMERS, LINE_NUMBERS, LINES, MEMBERS, RUNNERS, Inputs, shaped
from crossline.stages.network.sql import EDGE_STEPS, KEEP
from crossline.stages.stage import BuildContext


def _read(ctx: BuildContext, name: str) -> pl.DataFrame | None:
    path = ctx.table_path(name)
    return pl.read_parquet(path) if path is not None else None


def _nominal(record: pl.Expr, source: pl.Expr) -> pl.Expr:
    return pl.coalesce(pl.col("nominal_id"), pl.lit("record:") + source + ":" + record)


def _engine(ctx: BuildContext) -> SqlEngine:
    s = ctx.ws.settings.network
    if s.engine == "spark":
        return spark.SparkEngine(spark.session(s.spark_master, needed_by='[network] engine = "spark"'), keep=KEEP)
    return duck.engine(ctx.ws.settings, ctx.ws.path / ".spill" / "network")


def comms_edges(engine: SqlEngine, paths: list[str], seeds: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contact edges and number handsets within two hops of ``seeds`` (a frame with a ``number`` column)."""
    engine.load_comms(paths)
    engine.register("seeds", seeds.select(pl.col("number").cast(pl.String)).unique())
    engine.run(EDGE_STEPS)
    return engine.fetch("contact_edges"), engine.fetch("number_handsets")


def load(ctx: BuildContext) -> Inputs:
    nominals = _read(ctx, "nominals")
    nmap = (nominals.select("source", "record_id", "nominal_id").unique(["source", "record_id"]) if nominals is not None
            else pl.DataFrame(schema={"source": pl.String, "record_id": pl.String, "nominal_id": pl.String}))
    persons = ctx.store("SELECT source, record_id, given_name, family_name, phone, address, postcode FROM persons")
    persons = persons.join(nmap, on=["source", "record_id"], how="left").with_columns(
        _nominal(pl.col("record_id"), pl.col("source")).alias("nominal_id"),
        (pl.col("source") + ":" + pl.col("record_id")).alias("evidence"))
    phones = persons.select("nominal_id", "evidence", pl.col("phone").map_elements(
        lambda v: json.loads(v) if v else [], return_dtype=pl.List(pl.String)).alias("number")).explode("number")
    links = ctx.store('SELECT source, link_key, "left", relation, "right", observed_at FROM links')
    links = links.with_columns((pl.col("source") + ":link:" + pl.col("link_key")).alias("evidence"), pl.col("observed_at").alias("seen"))
    for side in ("left", "right"):
        rec = pl.col(f"{side}_rec")
        links = links.with_columns(pl.col(side).str.strip_prefix("person:").alias(f"{side}_rec")).join(
            nmap.rename({"record_id": f"{side}_rec", "nominal_id": f"{side}_nominal"}), on=["source", f"{side}_rec"], how="left").with_columns(
            pl.when(pl.col(side).str.starts_with("person:")).then(
                pl.coalesce(pl.col(f"{side}_nominal"), pl.lit("record:") + pl.col("source") + ":" + rec)).alias(f"{side}_person"))
    link_phones = pl.concat([
        links.filter(pl.col("relation") == "uses_phone").select(
            pl.col(a + "_person").alias("nominal_id"), pl.col(b).str.strip_prefix("phone:").alias("number"), "evidence", "seen")
        for a, b in (("left", "right"), ("right", "left"))]).filter(pl.col("nominal_id").is_not_null() & ~pl.col("number").str.contains(":"))
    # the force of the agency that recorded each phone: a line's number recorded where the line sells is a runner carrying it
    forces = ctx.store("SELECT agency_id, force_area FROM agencies")
    person_phones = pl.concat([phones.with_columns(pl.lit(None, pl.String).alias("seen")), link_phones], how="diagonal_relaxed").with_columns(
        pl.col("evidence").str.split_exact(":", 1).struct.field("field_0").alias("agency_id")).join(
        forces, on="agency_id", how="left").drop("agency_id")
    home = persons.filter(pl.col("postcode").is_not_null() & pl.col("address").is_not_null()).select(
        "nominal_id", pl.lit("address").alias("kind"), (pl.col("postcode") + "|" + pl.col("address")).alias("place"), "evidence",
        pl.lit(None, pl.String).alias("seen"))
    linked_places = links.filter(pl.col("relation").is_in(["resides_at", "frequents", "drives"]) & pl.col("left_person").is_not_null()).select(
        pl.col("left_person").alias("nominal_id"), pl.col("right").str.split_exact(":", 1).struct.field("field_0").alias("kind"),
        pl.col("right").str.splitn(":", 2).struct.field("field_1").alias("place"), "evidence", "seen")
    person_links = links.filter(pl.col("left_person").is_not_null() & pl.col("right_person").is_not_null()).select(
        pl.col("left_person").alias("a"), "relation", pl.col("right_person").alias("b"), "evidence", "seen")
    link_handsets = links.filter(pl.col("relation") == "uses_handset").select(
        pl.col("left").str.strip_prefix("phone:").alias("number"), pl.col("right").str.strip_prefix("handset:").alias("imei"))
    # where an event has no place, the force of the agency that recorded it stands in (a force records what happens in its area)
    ev = ctx.store("SELECT e.source, e.record_id, e.event_type, e.occurred_at, COALESCE(e.force_area, a.force_area) AS force_area, "
                   "e.phone, e.address, ep.person_id, ep.role "
                   "FROM events e JOIN event_people ep ON ep.source = e.source AND ep.event_id = e.record_id "
                   "LEFT JOIN agencies a ON a.agency_id = e.source")
    ev = ev.join(nmap, left_on=["source", "person_id"], right_on=["source", "record_id"], how="left").select(
        (pl.col("source") + ":" + pl.col("record_id")).alias("event"), "event_type", "occurred_at", "force_area", "phone", "address",
        _nominal(pl.col("person_id"), pl.col("source")).alias("nominal_id"), "role")
    line_numbers = _read(ctx, "line_numbers")
    seeds = line_numbers.select("number") if line_numbers is not None else pl.DataFrame(schema={"number": pl.String})
    paths = ctx.comms_files()
    engine = _engine(ctx)
    try:
        contacts, handsets = comms_edges(engine, paths, seeds)
    finally:
        engine.close()
        if isinstance(engine, duck.DuckEngine):
            shutil.rmtree(ctx.ws.path / ".spill" / "network", ignore_errors=True)
    handsets = pl.concat([handsets, link_handsets], how="diagonal_relaxed")
    risk = _read(ctx, "risk")
    labels = persons.group_by("nominal_id").agg(
        (pl.col("given_name").drop_nulls().first() + " " + pl.col("family_name").drop_nulls().first()).alias("label"))
    people = labels if risk is None else labels.join(risk.select("nominal_id", "age", "home_force"), on="nominal_id", how="full", coalesce=True)
    prev = ctx.previous_path("ocg_members")
    return Inputs(
        person_phones=person_phones, person_places=pl.concat([home, linked_places]), person_links=person_links, event_people=ev,
        contacts=contacts, handsets=handsets, lines=shaped(_read(ctx, "lines"), LINES),
        line_numbers=shaped(line_numbers, LINE_NUMBERS), runners=shaped(_read(ctx, "runners"), RUNNERS),
        customers=shaped(_read(ctx, "line_customers"), CUSTOMERS), people=people,
        previous_members=shaped(pl.read_parquet(prev, columns=["ocg_id", "nominal_id"]) if prev is not None else None, MEMBERS),
    )
