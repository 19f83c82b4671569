"""Neo4j: node and relationship CSVs and a Cypher script that loads them with ``LOAD CSV`` (no APOC needed).

Each node kind becomes a label (``Nominal``, ``Phone``, ``Handset``, ``Address``,
``Vehicle``, ``Line``) and each edge kind a relationship type in capitals
(``USES_PHONE``, ``CONTACT``...). One ``LOAD CSV`` statement per label and
per type, since Cypher cannot take a label or type from a column.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossline.exchange.csvout import write_csv
from crossline.exchange.graph import Graph

LABELS = {"nominal": "Nominal", "phone": "Phone", "handset": "Handset", "address": "Address", "vehicle": "Vehicle", "line": "Line",
          "record": "Nominal"}


def rel_type(kind: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in kind).upper()


def write_neo4j(g: Graph, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    nodes = g.nodes.with_columns(pl.col("kind").replace_strict(LABELS, default="Entity").alias("label_name"))
    edges = g.edges.with_columns(pl.col("kind").map_elements(rel_type, return_dtype=pl.String).alias("type"))
    npath = write_csv(nodes.select(pl.col("node_id").alias("id"), pl.col("label_name").alias("label"), pl.col("label").alias("name"),
                                   "groups", "roles"), folder / "neo4j_nodes.csv")
    rpath = write_csv(edges.select(pl.col("src").alias("start_id"), pl.col("dst").alias("end_id"), "type", "weight", "first_seen",
                                   "last_seen", "provenance"), folder / "neo4j_relationships.csv")
    lines = ["// Crossline network: copy neo4j_nodes.csv and neo4j_relationships.csv into Neo4j's import folder, then run this script.",
             "CREATE CONSTRAINT crossline_id IF NOT EXISTS FOR (n:Crossline) REQUIRE n.id IS UNIQUE;"]
    for label in sorted(nodes["label_name"].unique().to_list()):
        lines.append(f"LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes.csv' AS row WITH row WHERE row.label = '{label}' "
                     f"MERGE (n:Crossline {{id: row.id}}) SET n:{label}, n.name = row.name, n.groups = row.groups, n.roles = row.roles;")
    for t in sorted(edges["type"].unique().to_list()):
        lines.append(f"LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row WITH row WHERE row.type = '{t}' "
                     f"MATCH (a:Crossline {{id: row.start_id}}), (b:Crossline {{id: row.end_id}}) "
                     f"CREATE (a)-[:{t} {{weight: toFloat(row.weight), first_seen: row.first_seen, last_seen: row.last_seen, "
                     f"provenance: row.provenance}}]->(b);")
    script = folder / "neo4j_load.cypher"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [npath, rpath, script]
