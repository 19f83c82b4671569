"""A successor number on a line with a granted DDTRO: the alert a build raises when it publishes.

An order disables the numbers and handsets it names; the line is often back on a
new number within hours (DOMAIN.md). When a build finds a line that shares a
number with a granted (or executed: ``disconnected``) application and holds a
number the order does not name, an alert asks an analyst to look: a variation
of the order, or a new one. The alert says whether the new number is in a
handset the order already names (an order on the IMEI should then already
bite). One alert per application and new number, so rebuilding never repeats
it.

The lines stage writes the alerts into the picture (``line_alerts``); they are
raised (crossline.casework.alerts) in the transaction that publishes it.
"""

from __future__ import annotations

import polars as pl

from crossline.casework import alerts as casework_alerts

KIND = "ddtro_successor"


def successor_alerts(line_numbers: pl.DataFrame, ordered: pl.DataFrame) -> pl.DataFrame:
    """Numbers an order does not name that began flaring after every number it does name, on the ordered line.

    "After" is read in the comms data's own time (first flares), not the wall clock:
    returns arrive late, and the question is whether the line moved on from what the
    order covers.
    """
    empty = pl.DataFrame(schema={"application_id": pl.String, "line_id": pl.String, "number": pl.String,
                                 "first_flare_at": pl.String, "granted_at": pl.String, "imeis": pl.String,
                                 "handset_named": pl.Boolean})
    if ordered.is_empty() or line_numbers.is_empty():
        return empty
    start = pl.col("first_flare_at").fill_null(pl.col("active_from"))
    hit = (
        line_numbers.join(ordered.select("number", "application_id", "granted_at", pl.col("imeis").alias("order_imeis")), on="number")
        .group_by("line_id", "application_id", "granted_at", "order_imeis")
        .agg(start.max().alias("named_latest"))
    )
    cand = (
        line_numbers.join(hit, on="line_id")
        .join(ordered.select("application_id", "number"), on=["application_id", "number"], how="anti")
        .filter(start > pl.col("named_latest"))
    )
    if cand.is_empty():
        return empty
    return cand.select(
        "application_id", "line_id", "number", "first_flare_at", "granted_at", "imeis",
        pl.struct("imeis", "order_imeis").map_elements(
            lambda r: bool(set(filter(None, (r["imeis"] or "").split(";"))) & set(filter(None, (r["order_imeis"] or "").split(";")))),
            return_dtype=pl.Boolean,
        ).alias("handset_named"),
    ).sort(["application_id", "number"])


def alert_rows(found: pl.DataFrame) -> pl.DataFrame:
    """The successors as alert rows (analysts only: no agency), for the ``line_alerts`` picture table."""
    rows = []
    for row in found.iter_rows(named=True):  # a handful: one per successor of an ordered line
        named = "in a handset the order names" if row["handset_named"] else "; the order does not name its handset"
        rows.append({
            "kind": KIND, "subject_type": "order_number", "subject_id": f"{row['application_id']}:{row['number']}", "agencies": "",
            "details": {
                "line_id": row["line_id"], "application_id": row["application_id"], "new_number": row["number"],
                "first_flare_at": row["first_flare_at"], "order_granted_at": row["granted_at"],
                "imeis": [i for i in (row["imeis"] or "").split(";") if i], "handset_named_in_order": row["handset_named"],
                "message": f"line {row['line_id']} is back on {row['number']} after the order {row['application_id']}"
                           + (f" {named}" if row["handset_named"] else named),
            },
        })
    return casework_alerts.frame(rows)
