"""An edge list from elsewhere (two columns of node ids, an optional weight): read, checked row by row, and measured.

Bad rows never stop the run: each kind of problem (a blank id, a weight that
is not a positive number, a self-loop) is reported once with how many rows had
it and the first few line numbers, and the rest of the file is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import igraph as ig
import numpy as np
import polars as pl

from crossline.errors import InvalidInput
from crossline.stages.network.measures import communities, measure


@dataclass
class EdgeList:
    edges: pl.DataFrame  # a, b, weight
    problems: list[str] = field(default_factory=list)


def read_edges(path: Path) -> EdgeList:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    try:
        raw = pl.read_csv(path, infer_schema_length=0, has_header=True, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(f"{path}: cannot be read as CSV ({exc})") from exc
    if raw.width < 2:
        raise InvalidInput(f"{path}: needs two columns of node ids (and optionally a weight); found {raw.columns}")
    cols = raw.columns
    named = {c.lower(): c for c in cols}
    if "source" in named and "target" in named:  # a header that names its columns (e.g. phase,source,target,weight) is followed
        cols = [named["source"], named["target"]] + ([named["weight"]] if "weight" in named else [])
    frame = raw.select(pl.col(cols[0]).str.strip_chars().alias("a"), pl.col(cols[1]).str.strip_chars().alias("b"),
                       (pl.col(cols[2]).str.strip_chars() if len(cols) > 2 else pl.lit("1")).alias("w")).with_row_index("line", offset=2)
    weight = frame["w"].cast(pl.Float64, strict=False)
    frame = frame.with_columns(weight.alias("weight"))
    checks = [
        ("a blank node id", (pl.col("a").is_null() | (pl.col("a") == "") | pl.col("b").is_null() | (pl.col("b") == ""))),
        ("a weight that is not a positive number", (pl.col("weight").is_null() | (pl.col("weight") <= 0) | pl.col("weight").is_nan())
         & pl.col("w").is_not_null() & (pl.col("w") != "")),
        ("a self-loop (a node linked to itself)", pl.col("a") == pl.col("b")),
    ]
    problems = []
    bad = pl.lit(False)
    for words, cond in checks:
        hit = frame.filter(cond.fill_null(False) & ~bad.fill_null(False))
        if hit.height:
            first = ", ".join(str(x) for x in hit["line"].head(5).to_list())
            problems.append(f"{hit.height} row(s) with {words} left out (line {first}{', ...' if hit.height > 5 else ''})")
        bad = bad | cond.fill_null(False)
    good = frame.filter(~bad).select("a", "b", pl.col("weight").fill_null(1.0))
    return EdgeList(good, problems)


def graph_of(edges: pl.DataFrame) -> ig.Graph:
    """An undirected igraph graph with a ``name`` per vertex and summed ``weight`` per pair (duplicates merged)."""
    names = pl.concat([edges["a"], edges["b"]]).unique(maintain_order=True)
    idx = pl.DataFrame({"name": names, "i": np.arange(len(names))})
    e = edges.join(idx.rename({"name": "a", "i": "ia"}), on="a").join(idx.rename({"name": "b", "i": "ib"}), on="b").select(
        pl.min_horizontal("ia", "ib").alias("u"), pl.max_horizontal("ia", "ib").alias("v"), "weight").group_by("u", "v").agg(pl.col("weight").sum())
    g = ig.Graph(n=len(names), edges=e.select("u", "v").to_numpy(), directed=False)
    g.vs["name"] = names.to_list()
    g.es["weight"] = e["weight"].to_list()
    return g


def measures_table(g: ig.Graph, resolution: float, seed: int, exact_max: int, samples: int) -> tuple[pl.DataFrame, str]:
    m = measure(g, exact_max, samples, seed)
    groups = communities(g, resolution, seed, weights="weight") if g.ecount() else list(range(g.vcount()))
    frame = pl.DataFrame({"node": g.vs["name"], "group": groups, "degree": m.degree.astype(np.int64), "betweenness": m.betweenness,
                          "pagerank": m.pagerank, "disruption": m.disruption})
    return frame.sort("betweenness", descending=True), m.betweenness_method
