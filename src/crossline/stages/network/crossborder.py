"""What crosses force borders: lines run from one area with customers in another, runners from one area found in
another, and missing episodes that end in another; each counted once.

A flow is one person or number (``subject``) moving harm from one force area to
another for one reason (``kind``). However many records, numbers or lines
show the same subject crossing the same border for the same reason, it is
one flow (its lines and evidence are listed on it). The matrix counts flows
per pair of areas; ``harm landing here`` sums, per area, the harm points
(crossline.stages.network.priorities) of lines run from elsewhere that reach it.
"""

from __future__ import annotations

import polars as pl

from crossline.stages.network.inputs import Inputs

FLOW_SCHEMA = {"kind": pl.String, "from_force": pl.String, "to_force": pl.String, "subject": pl.String, "line_ids": pl.String,
               "evidence": pl.String, "cross_border": pl.Boolean}
KINDS = ("customer", "runner", "missing")


def flows(inp: Inputs, members: pl.DataFrame) -> pl.DataFrame:
    owner = inp.lines.select("line_id", pl.col("controller_area").alias("from_force"))
    customers = inp.customers.drop_nulls(["number", "force_area"]).join(owner, on="line_id").select(
        pl.lit("customer").alias("kind"), "from_force", pl.col("force_area").alias("to_force"), ("phone:" + pl.col("number")).alias("subject"),
        "line_id", pl.lit("lines stage: line_customers").alias("evidence"))
    users = inp.person_phones.drop_nulls(["nominal_id", "number"]).select("nominal_id", "number").unique()
    home = inp.people.select("nominal_id", "home_force")
    runners = inp.runners.drop_nulls(["number", "force_area"]).join(owner, on="line_id").join(users, on="number", how="left").join(
        home, on="nominal_id", how="left").select(
        pl.lit("runner").alias("kind"), pl.coalesce("home_force", "from_force").alias("from_force"), pl.col("force_area").alias("to_force"),
        pl.coalesce(pl.lit("nominal:") + pl.col("nominal_id"), pl.lit("phone:") + pl.col("number")).alias("subject"),
        "line_id", pl.format("runner number {} seen in {}", pl.col("number"), pl.col("force_area")).alias("evidence"))
    member_lines = members.select("nominal_id", "line_ids").group_by("nominal_id").agg(pl.col("line_ids").drop_nulls().str.join(";"))
    missing = inp.event_people.filter((pl.col("event_type") == "found_out_of_area") & pl.col("force_area").is_not_null()).join(
        home, on="nominal_id", how="inner").join(member_lines, on="nominal_id", how="left").select(
        pl.lit("missing").alias("kind"), pl.col("home_force").alias("from_force"), pl.col("force_area").alias("to_force"),
        (pl.lit("nominal:") + pl.col("nominal_id")).alias("subject"), pl.col("line_ids").alias("line_id"), "event")
    missing = missing.rename({"event": "evidence"})
    allf = pl.concat([customers, runners, missing], how="diagonal_relaxed").drop_nulls(["from_force", "to_force"])
    allf = allf.with_columns(pl.col("line_id").str.split(";")).explode("line_id").with_columns(
        pl.when(pl.col("line_id") != "").then(pl.col("line_id")).alias("line_id"))
    out = allf.group_by("kind", "from_force", "to_force", "subject").agg(
        pl.col("line_id").drop_nulls().unique().sort().str.join(";").alias("line_ids"),
        pl.col("evidence").drop_nulls().unique().sort().head(20).str.join(";"))
    return out.with_columns((pl.col("from_force") != pl.col("to_force")).alias("cross_border")).select(
        [pl.col(c).cast(t) for c, t in FLOW_SCHEMA.items()]).sort("kind", "from_force", "to_force", "subject")


def matrix(flows: pl.DataFrame) -> pl.DataFrame:
    """Force by force: flows of each kind from the row's area into the column's (the diagonal is harm at home)."""
    counts = flows.group_by("from_force", "to_force").agg(*[(pl.col("kind") == k).sum().cast(pl.Int64).alias(f"{k}s") for k in KINDS])
    lines = flows.select("from_force", "to_force", pl.col("line_ids").str.split(";").alias("line_id")).explode("line_id").filter(
        pl.col("line_id").is_not_null() & (pl.col("line_id") != "")).group_by("from_force", "to_force").agg(
        pl.col("line_id").n_unique().cast(pl.Int64).alias("lines"))
    counts = counts.join(lines, on=["from_force", "to_force"], how="left").with_columns(pl.col("lines").fill_null(0))
    return counts.with_columns(pl.sum_horizontal(*[f"{k}s" for k in KINDS]).alias("flows")).sort("from_force", "to_force")


def harm_landing(flows: pl.DataFrame, priorities: pl.DataFrame) -> pl.DataFrame:
    """Per force area: lines run from elsewhere whose customers or runners are here, their harm points, and the people crossing in."""
    cross = flows.filter(pl.col("cross_border"))
    lines = cross.filter(pl.col("kind").is_in(["customer", "runner"])).select(
        "to_force", pl.col("line_ids").str.split(";").alias("line_id")).explode("line_id").drop_nulls().unique()
    harm = priorities.filter(pl.col("subject_type") == "line").select(pl.col("subject_id").alias("line_id"), "harm_points", "score")
    per_line = lines.join(harm, on="line_id", how="left").group_by("to_force").agg(
        pl.col("line_id").n_unique().cast(pl.Int64).alias("lines_from_elsewhere"),
        pl.col("harm_points").fill_null(0.0).sum().round(2).alias("harm_points"),
        pl.col("line_id").sort().str.join(";").alias("line_ids"))
    people = cross.group_by("to_force").agg(*[(pl.col("kind") == k).sum().cast(pl.Int64).alias(f"{k}s_from_elsewhere") for k in KINDS])
    return people.join(per_line, on="to_force", how="full", coalesce=True).rename({"to_force": "force_area"}).with_columns(
        pl.col("lines_from_elsewhere").fill_null(0), pl.col("harm_points").fill_null(0.0)).sort("harm_points", "force_area", descending=[True, False])
