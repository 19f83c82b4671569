"""Each member's key-player measures within their group, beside the role, and the group summary.

A group's graph is its members and its lines with the ties the grouping used
(people tied through a line node share that line). Measures are computed per
group (crossline.stages.network.measures), so a person in two groups has two
sets. ``centrality`` in ``ocgs.csv`` is the member's PageRank within the group
(sums to 1 over the group's graph). The key players are the ``key_players``
members whose removal cuts off most of the group, then by betweenness; each
gets a reason in words.
"""

from __future__ import annotations

import polars as pl

from crossline.settings.network import NetworkSettings
from crossline.stages.network.groups import Found
from crossline.stages.network.inputs import Inputs
from crossline.stages.network.measures import measure

MEASURE_SCHEMA = {"degree": pl.Int64, "betweenness": pl.Float64, "pagerank": pl.Float64, "disruption": pl.Float64,
                  "centrality": pl.Float64, "key_player": pl.Boolean, "key_reason": pl.String, "betweenness_method": pl.String}


def score_members(found: Found, s: NetworkSettings) -> pl.DataFrame:
    members = found.members
    if members.is_empty():
        return members.with_columns([pl.lit(None, t).alias(c) for c, t in MEASURE_SCHEMA.items()])
    g = found.graph
    index = {n: i for i, n in enumerate(g.vs["name"])}
    out = []
    for (ocg_id,), grp in members.group_by("ocg_id", maintain_order=True):
        lines = {ln for v in grp["line_ids"].drop_nulls().to_list() for ln in v.split(";")}
        names = sorted(set(grp["nominal_id"].to_list())) + sorted(f"line:{ln}" for ln in lines)
        ids = [index[n] for n in names if n in index]
        sub = g.induced_subgraph(ids)
        m = measure(sub, s.exact_betweenness_max_nodes, s.betweenness_samples, s.seed, weights="weight")
        where = {n: i for i, n in enumerate(sub.vs["name"])}
        rows = []
        for nominal in grp["nominal_id"].to_list():
            i = where.get(nominal)
            rows.append({"ocg_id": ocg_id, "nominal_id": nominal,
                         "degree": int(m.degree[i]) if i is not None else 0,
                         "betweenness": round(float(m.betweenness[i]), 4) if i is not None else 0.0,
                         "pagerank": round(float(m.pagerank[i]), 4) if i is not None else 0.0,
                         "disruption": round(float(m.disruption[i]), 4) if i is not None else 0.0,
                         "betweenness_method": m.betweenness_method})
        frame = pl.DataFrame(rows).sort(["disruption", "betweenness", "nominal_id"], descending=[True, True, False])
        top = frame.head(s.key_players).filter((pl.col("disruption") > 0) | (pl.col("betweenness") > 0))["nominal_id"].to_list()
        out.append(frame.with_columns(pl.col("nominal_id").is_in(top).alias("key_player")))
    measured = pl.concat(out).with_columns(
        pl.col("pagerank").alias("centrality"),
        pl.when(pl.col("key_player")).then(pl.format(
            "removing them cuts off {}% of the rest of the group; on {}% of shortest paths between members",
            (pl.col("disruption") * 100).round(0).cast(pl.Int64), (pl.col("betweenness") * 100).round(0).cast(pl.Int64),
        )).alias("key_reason"))
    return members.join(measured, on=["ocg_id", "nominal_id"], how="left").select(
        *members.columns, *[pl.col(c).cast(t) for c, t in MEASURE_SCHEMA.items()]).sort("ocg_id", "nominal_id")


def group_table(groups: pl.DataFrame, members: pl.DataFrame, inp: Inputs) -> pl.DataFrame:
    """One row per group: its lines, size, people by role, key players, and the force areas its lines run from and sell into."""
    if groups.is_empty() or members.is_empty():
        return pl.DataFrame(schema={"ocg_id": pl.String, "lines": pl.String, "size": pl.Int64, "controllers": pl.Int64, "holders": pl.Int64,
                                    "runners": pl.Int64, "occupants": pl.Int64, "associates": pl.Int64, "key_players": pl.String,
                                    "run_from": pl.String, "sells_into": pl.String})
    per = members.group_by("ocg_id").agg(
        pl.len().alias("size"),
        *[(pl.col("role") == r).sum().cast(pl.Int64).alias(f"{r}s") for r in ("controller", "holder", "runner", "occupant", "associate")],
        pl.col("nominal_id").filter(pl.col("key_player")).sort().str.join(";").alias("key_players"))
    lines = groups.select("ocg_id", pl.col("lines").str.split(";").alias("line_id")).explode("line_id").join(
        inp.lines.select("line_id", "controller_area", "market_areas"), on="line_id", how="left")
    areas = lines.group_by("ocg_id").agg(
        pl.col("controller_area").drop_nulls().unique().sort().str.join(";").alias("run_from"),
        pl.col("market_areas").drop_nulls().str.split(";").list.explode(keep_nulls=False, empty_as_null=False)
        .unique().sort().str.join(";").alias("sells_into"))
    return groups.select("ocg_id", "lines").join(per, on="ocg_id", how="inner").join(areas, on="ocg_id", how="left").sort("ocg_id")
