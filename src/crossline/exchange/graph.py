"""What every exchange format writes: the POLE nodes and edges, with each nominal's groups and roles as attributes."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Graph:
    nodes: pl.DataFrame  # node_id, kind, label, groups, roles
    edges: pl.DataFrame  # src, dst, kind, weight, first_seen, last_seen, provenance


def assemble(nodes: pl.DataFrame, edges: pl.DataFrame, members: pl.DataFrame | None) -> Graph:
    if members is not None and members.height:
        per = members.group_by("nominal_id").agg(pl.col("ocg_id").sort().str.join(";").alias("groups"),
                                                 pl.col("role").sort().str.join(";").alias("roles")).select(
            ("nominal:" + pl.col("nominal_id")).alias("node_id"), "groups", "roles")
        nodes = nodes.join(per, on="node_id", how="left")
    else:
        nodes = nodes.with_columns(pl.lit(None, pl.String).alias("groups"), pl.lit(None, pl.String).alias("roles"))
    nodes = nodes.select("node_id", "kind", "label", pl.col("groups").fill_null(""), pl.col("roles").fill_null(""))
    edges = edges.select("src", "dst", "kind", "weight", pl.col("first_seen").fill_null(""), pl.col("last_seen").fill_null(""),
                         pl.col("provenance").fill_null(""))
    return Graph(nodes, edges)


def for_group(g: Graph, members: pl.DataFrame, ocg_id: str) -> Graph:
    """The group's people, their lines, and everything one step from them (their phones, handsets, addresses)."""
    people = set(("nominal:" + members.filter(pl.col("ocg_id") == ocg_id)["nominal_id"]).to_list())
    lines = {f"line:{ln}" for v in members.filter(pl.col("ocg_id") == ocg_id)["line_ids"].drop_nulls().to_list() for ln in v.split(";")}
    core = people | lines
    e = g.edges.filter(pl.col("src").is_in(list(core)) | pl.col("dst").is_in(list(core)))
    e = e.filter(~pl.col("kind").is_in(["customer_number", "contact"]) | (pl.col("src").is_in(list(core)) & pl.col("dst").is_in(list(core))))
    ids = set(e["src"].to_list()) | set(e["dst"].to_list()) | core
    return Graph(g.nodes.filter(pl.col("node_id").is_in(list(ids))), e)
