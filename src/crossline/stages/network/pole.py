"""The POLE graph as two tables: nodes and edges, each edge with its weight, first and last seen, and provenance.

Node ids carry their kind: ``nominal:N..``, ``phone:+44..``, ``handset:IMEI``,
``address:POSTCODE|ADDRESS``, ``vehicle:VRM``, ``line:DL-..``. Every edge says
why it is there: the records, links, events or comms counts behind it, so an
analyst can answer "why is this here?" from the table alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from crossline.settings.network import NetworkSettings
from crossline.stages.network.groups import CRIME_EVENTS, OFFENDER_ROLES
from crossline.stages.network.inputs import Inputs

EDGE_SCHEMA = {"src": pl.String, "dst": pl.String, "kind": pl.String, "weight": pl.Float64, "first_seen": pl.String,
               "last_seen": pl.String, "contacts": pl.Int64, "voice": pl.Int64, "texts": pl.Int64, "provenance": pl.String}
NODE_SCHEMA = {"node_id": pl.String, "kind": pl.String, "label": pl.String}


def _iso(col: str) -> pl.Expr:
    return pl.from_epoch(pl.col(col), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _agg(frame: pl.DataFrame) -> pl.DataFrame:
    """One edge per (src, dst, kind): records' evidence joined, first and last seen over them."""
    return frame.group_by("src", "dst", "kind").agg(
        pl.len().cast(pl.Float64).alias("weight"), pl.col("seen").min().alias("first_seen"), pl.col("seen").max().alias("last_seen"),
        pl.col("evidence").drop_nulls().unique().sort().str.join(";").alias("provenance"),
    ).with_columns(pl.lit(None, pl.Int64).alias("contacts"), pl.lit(None, pl.Int64).alias("voice"), pl.lit(None, pl.Int64).alias("texts"))


def pole_edges(inp: Inputs, s: NetworkSettings) -> pl.DataFrame:
    parts: list[pl.DataFrame] = []
    pp = inp.person_phones.drop_nulls(["nominal_id", "number"])
    parts.append(_agg(pp.select(("nominal:" + pl.col("nominal_id")).alias("src"), ("phone:" + pl.col("number")).alias("dst"),
                                pl.lit("uses_phone").alias("kind"), "seen", "evidence")))
    pl_ = inp.person_places.drop_nulls(["nominal_id", "place"])
    parts.append(_agg(pl_.select(("nominal:" + pl.col("nominal_id")).alias("src"), (pl.col("kind") + ":" + pl.col("place")).alias("dst"),
                                 pl.when(pl.col("kind") == "vehicle").then(pl.lit("drives")).otherwise(pl.lit("resides_at")).alias("kind"),
                                 "seen", "evidence")))
    lk = inp.person_links.drop_nulls(["a", "b"]).filter(pl.col("a") != pl.col("b"))
    parts.append(_agg(lk.select(("nominal:" + pl.col("a")).alias("src"), ("nominal:" + pl.col("b")).alias("dst"),
                                pl.col("relation").alias("kind"), "seen", "evidence")))
    ep = inp.event_people.filter(pl.col("event_type").is_in(CRIME_EVENTS) & pl.col("role").is_in(OFFENDER_ROLES)).unique(["event", "nominal_id"])
    sizes = ep.group_by("event").len().filter((pl.col("len") >= 2) & (pl.col("len") <= s.max_event_people))
    ep = ep.join(sizes, on="event").select("event", "nominal_id", "occurred_at")
    pairs = ep.join(ep, on="event", suffix="_b").filter(pl.col("nominal_id") < pl.col("nominal_id_b"))
    parts.append(_agg(pairs.select(("nominal:" + pl.col("nominal_id")).alias("src"), ("nominal:" + pl.col("nominal_id_b")).alias("dst"),
                                   pl.lit("co_offending").alias("kind"), pl.col("occurred_at").alias("seen"), pl.col("event").alias("evidence"))))
    c = inp.contacts
    parts.append(c.select(
        ("phone:" + pl.col("u")).alias("src"), ("phone:" + pl.col("v")).alias("dst"), pl.lit("contact").alias("kind"),
        pl.col("contacts").cast(pl.Float64).alias("weight"), _iso("first_t").alias("first_seen"), _iso("last_t").alias("last_seen"),
        ("comms: " + pl.col("contacts").cast(pl.String) + " (" + pl.col("voice").cast(pl.String) + " calls, "
         + pl.col("texts").cast(pl.String) + " texts)").alias("provenance"), "contacts", "voice", "texts"))
    h = inp.handsets
    parts.append(h.select(
        ("phone:" + pl.col("number")).alias("src"), ("handset:" + pl.col("imei")).alias("dst"), pl.lit("uses_handset").alias("kind"),
        pl.col("contacts").cast(pl.Float64).alias("weight"), _iso("first_t").alias("first_seen"), _iso("last_t").alias("last_seen"),
        pl.when(pl.col("contacts").is_null()).then(pl.lit("a partner's uses_handset link")).otherwise(
            pl.format("comms: {} outbound from this handset", pl.col("contacts"))).alias("provenance"),
        pl.col("contacts"), pl.lit(None, pl.Int64).alias("voice"), pl.lit(None, pl.Int64).alias("texts")))
    ln = inp.line_numbers.drop_nulls(["line_id", "number"])
    parts.append(ln.select(
        ("line:" + pl.col("line_id")).alias("src"), ("phone:" + pl.col("number")).alias("dst"), pl.lit("line_number").alias("kind"),
        pl.lit(1.0).alias("weight"), pl.col("active_from").alias("first_seen"), pl.col("active_to").alias("last_seen"),
        pl.lit("lines stage: line_numbers").alias("provenance"),
        pl.lit(None, pl.Int64).alias("contacts"), pl.lit(None, pl.Int64).alias("voice"), pl.lit(None, pl.Int64).alias("texts")))
    r = inp.runners.drop_nulls(["line_id", "number"])
    parts.append(r.select(
        ("line:" + pl.col("line_id")).alias("src"), ("phone:" + pl.col("number")).alias("dst"), pl.lit("runner_number").alias("kind"),
        pl.col("instructions").cast(pl.Float64).fill_null(1.0).alias("weight"), pl.lit(None, pl.String).alias("first_seen"),
        pl.lit(None, pl.String).alias("last_seen"),
        pl.format("lines stage: {} work instructions", pl.col("instructions")).alias("provenance"),
        pl.col("instructions").alias("contacts"), pl.lit(None, pl.Int64).alias("voice"), pl.lit(None, pl.Int64).alias("texts")))
    cu = inp.customers.drop_nulls(["line_id", "number"]).unique(["line_id", "number"])
    parts.append(cu.select(
        ("line:" + pl.col("line_id")).alias("src"), ("phone:" + pl.col("number")).alias("dst"), pl.lit("customer_number").alias("kind"),
        pl.lit(1.0).alias("weight"), pl.lit(None, pl.String).alias("first_seen"), pl.lit(None, pl.String).alias("last_seen"),
        pl.lit("lines stage: line_customers").alias("provenance"),
        pl.lit(None, pl.Int64).alias("contacts"), pl.lit(None, pl.Int64).alias("voice"), pl.lit(None, pl.Int64).alias("texts")))
    out = pl.concat([p.select([pl.col(k).cast(v) for k, v in EDGE_SCHEMA.items()]) for p in parts])
    return out.sort("kind", "src", "dst")


def pole_nodes(edges: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Every endpoint once, with its kind and a label (a nominal's name where the people table has one)."""
    ids = pl.concat([edges.select(pl.col("src").alias("node_id")), edges.select(pl.col("dst").alias("node_id"))]).unique()
    named = labels.select(("nominal:" + pl.col("nominal_id")).alias("node_id"), "label")
    return ids.join(named, on="node_id", how="left").select(
        "node_id", pl.col("node_id").str.split_exact(":", 1).struct.field("field_0").alias("kind"),
        pl.coalesce("label", pl.col("node_id").str.splitn(":", 2).struct.field("field_1")).alias("label"),
    ).sort("node_id")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
