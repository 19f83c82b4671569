"""After each build: a successor number on a line with a granted DDTRO raises an alert.

An order disables the numbers and handsets it names; the line is often back on a
new number within hours (DOMAIN.md). When a build finds a line that shares a
number with a granted (or executed: ``disconnected``) application and holds a
number the order does not name, an ``alerts`` row asks an analyst to look:
a variation of the order, or a new one. The alert says whether the new number
is in a handset the order already names (an order on the IMEI should then
already bite). One alert per application and new number (the table's unique
key), so rebuilding never repeats it.

Written by the lines stage in its own transaction, with an audit entry; the
alert is a fact about the comms data, true whether or not a later stage of the
same build fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Engine, select

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.store.models import Alert, DdtroApplication, DdtroStatusChange

KIND = "ddtro_successor"
ORDERED = ("granted", "disconnected")


def ordered_numbers(engine: Engine) -> pl.DataFrame:
    """number, application_id, granted_at, imeis: every number named in a granted or executed order."""
    rows = []
    with engine.connect() as conn:
        apps = conn.execute(select(DdtroApplication).where(DdtroApplication.status.in_(ORDERED))).all()
        for app in apps:
            granted = conn.execute(
                select(DdtroStatusChange.at).where(
                    DdtroStatusChange.application_id == app.application_id, DdtroStatusChange.status == "granted"
                ).order_by(DdtroStatusChange.id)
            ).scalars().first()
            for number in json.loads(app.numbers or "[]"):
                rows.append({"number": number, "application_id": app.application_id, "line_id": app.line_id,
                             "granted_at": granted or app.updated_at, "imeis": ";".join(json.loads(app.imeis or "[]"))})
    return pl.DataFrame(rows, schema={"number": pl.String, "application_id": pl.String, "line_id": pl.String,
                                      "granted_at": pl.String, "imeis": pl.String})


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


def raise_alerts(engine: Engine, actor: Actor, line_numbers: pl.DataFrame) -> int:
    """Insert the alerts not raised before; returns how many are new."""
    ordered = ordered_numbers(engine)
    found = successor_alerts(line_numbers, ordered)
    if found.is_empty():
        return 0
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    new = 0
    with engine.begin() as conn:
        existing = set(conn.execute(select(Alert.subject_id).where(Alert.kind == KIND)).scalars().all())
        for row in found.iter_rows(named=True):  # a handful of rows: one per successor of an ordered line
            subject = f"{row['application_id']}:{row['number']}"
            if subject in existing:
                continue
            details = {
                "line_id": row["line_id"], "application_id": row["application_id"], "new_number": row["number"],
                "first_flare_at": row["first_flare_at"], "order_granted_at": row["granted_at"],
                "imeis": [i for i in (row["imeis"] or "").split(";") if i], "handset_named_in_order": row["handset_named"],
                "message": (
                    f"line {row['line_id']} is back on {row['number']} after the order {row['application_id']}"
                    + (" in a handset the order names" if row["handset_named"] else "; the order does not name its handset")
                ),
            }
            conn.execute(Alert.__table__.insert().values(
                kind=KIND, subject_type="line_number", subject_id=subject, for_agency=None, raised_at=now,
                details=json.dumps(details, sort_keys=True), status="open",
            ))
            audit.record(conn, actor, "alert_raised", subject, {"kind": KIND, "line_id": row["line_id"]})
            new += 1
    return new
