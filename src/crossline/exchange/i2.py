"""i2 Analyst's Notebook import: an entity CSV, a link CSV, and an import specification saying how to map their columns.

Analyst's Notebook's importer is driven by a specification built in its Import
wizard; the specification here (``i2_import_spec.xml``) names the same column
mappings in a plain XML an analyst can rebuild it from or load where the
importer accepts it: entity type from ``Type``, identity from ``Identity``,
label from ``Label``; links from ``From Identity`` to ``To Identity`` typed by
``Link Type``, with dates and the provenance as description.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

import polars as pl

from crossline.exchange.csvout import write_csv
from crossline.exchange.graph import Graph

I2_TYPES = {"nominal": "Person", "phone": "Telephone", "handset": "Mobile Handset", "address": "Address", "vehicle": "Vehicle",
            "line": "Deal Line", "record": "Person"}
ENTITY_COLUMNS = ("Identity", "Type", "Label", "Groups", "Roles")
LINK_COLUMNS = ("From Identity", "To Identity", "Link Type", "Strength", "Date From", "Date To", "Description")


def write_i2(g: Graph, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ents = g.nodes.select(
        pl.col("node_id").alias("Identity"), pl.col("kind").replace_strict(I2_TYPES, default="Entity").alias("Type"),
        pl.col("label").alias("Label"), pl.col("groups").alias("Groups"), pl.col("roles").alias("Roles"))
    links = g.edges.select(
        pl.col("src").alias("From Identity"), pl.col("dst").alias("To Identity"), pl.col("kind").alias("Link Type"),
        pl.col("weight").alias("Strength"), pl.col("first_seen").alias("Date From"), pl.col("last_seen").alias("Date To"),
        pl.col("provenance").alias("Description"))
    spec = ['<?xml version="1.0" encoding="UTF-8"?>', '<ImportSpecification product="i2 Analyst\'s Notebook" source="Crossline">',
            '  <EntityImport file="i2_entities.csv" hasHeader="true">',
            '    <Identity column="Identity"/>', '    <EntityType column="Type"/>', '    <Label column="Label"/>',
            '    <Attribute name="Groups" column="Groups"/>', '    <Attribute name="Roles" column="Roles"/>', '  </EntityImport>',
            '  <LinkImport file="i2_links.csv" hasHeader="true">',
            '    <From column="From Identity"/>', '    <To column="To Identity"/>', '    <LinkType column="Link Type"/>',
            '    <Strength column="Strength"/>', '    <DateFrom column="Date From"/>', '    <DateTo column="Date To"/>',
            '    <Description column="Description"/>', '  </LinkImport>']
    for kind, i2 in sorted(I2_TYPES.items()):
        spec.append(f"  <TypeMap crossline={quoteattr(kind)} i2={quoteattr(i2)}/>")
    spec.append("</ImportSpecification>")
    spec_path = folder / "i2_import_spec.xml"
    spec_path.write_text("\n".join(spec) + "\n", encoding="utf-8")
    return [write_csv(ents, folder / "i2_entities.csv"), write_csv(links, folder / "i2_links.csv"), spec_path]
