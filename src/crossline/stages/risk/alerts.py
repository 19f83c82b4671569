"""Safeguarding alerts: a new or rising high-risk young person, for the agencies that can act.

An alert is raised when a nominal reaches the alert band (``[risk]
alert_band``, high by default) and was below it in the last published picture
(or not scored at all), or when a nominal already at or above it rises by
``alert_rise_points`` or more. It goes to the child's council and school (the
``responsible_agencies`` of the risk table), and carries only what a partner
may see: the band, the score, and the reasons in plain words
(``partner_reasons``), never the intelligence or the records behind them.

Alerts are written to the ``alerts`` casework table (one per child: a later
alert for the same child reopens and updates it) with one
``alert_recipients`` row per agency, in one transaction with its audit entry.
The risk stage runs last, so only publishing the picture can still fail after
it; a rebuild raises the same alerts again, idempotently.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Engine, delete, insert, select, update

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.stages.risk.bands import BANDS, rank
from crossline.settings.risk import RiskSettings
from crossline.casework.models import AlertRecipient
from crossline.store.models import Alert

KIND = "safeguarding_risk"
SUBJECT = "nominal"

ALERT_SCHEMA = {
    "nominal_id": pl.String, "score": pl.Float64, "band": pl.String, "previous_score": pl.Float64, "previous_band": pl.String,
    "why": pl.String, "reasons": pl.String, "agencies": pl.String, "as_of": pl.String,
}


def new_alerts(risk: pl.DataFrame, previous: pl.DataFrame | None, rs: RiskSettings) -> pl.DataFrame:
    """The nominals that raise an alert in this build: newly at the alert band, or rising within it."""
    if rs.alert_band not in BANDS[2:]:
        raise ValueError(f"[risk] alert_band must be high or very_high, not {rs.alert_band!r}")
    threshold = BANDS.index(rs.alert_band)
    prev = (
        previous.select("nominal_id", pl.col("score").alias("previous_score"), pl.col("band").alias("previous_band"))
        if previous is not None else pl.DataFrame(schema={"nominal_id": pl.String, "previous_score": pl.Float64, "previous_band": pl.String})
    )
    now = risk.filter(rank(pl.col("band")) >= threshold).join(prev, on="nominal_id", how="left")
    was_below = pl.col("previous_band").is_null() | (rank(pl.col("previous_band").fill_null("low")) < threshold)
    rising = (pl.col("score") - pl.col("previous_score").fill_null(0.0)) >= rs.alert_rise_points
    out = now.filter(was_below | rising).with_columns(
        pl.when(pl.col("previous_band").is_null()).then(pl.lit("newly scored at this band"))
        .when(was_below).then(pl.format("risen from {} to {}", pl.col("previous_band").str.replace("_", " "), pl.col("band").str.replace("_", " ")))
        .otherwise(pl.format("score rose from {} to {}", pl.col("previous_score"), pl.col("score"))).alias("why"),
    )
    return out.select(
        "nominal_id", "score", "band", "previous_score", "previous_band", "why", pl.col("partner_reasons").alias("reasons"),
        pl.col("responsible_agencies").fill_null("").alias("agencies"), "as_of",
    ).cast(ALERT_SCHEMA)  # type: ignore[arg-type]


def raise_alerts(engine: Engine, actor: Actor, alerts: pl.DataFrame) -> int:
    """Write (or reopen and update) one alert per nominal, with its recipients; audited. Returns how many."""
    if alerts.height == 0:
        return 0
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = alerts.to_dicts()  # alerts are few (a new or rising high band), not millions of rows
    ids = [r["nominal_id"] for r in rows]
    with engine.begin() as conn:
        existing: dict[str, int] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            existing.update({
                sid: aid for aid, sid in conn.execute(
                    select(Alert.id, Alert.subject_id).where(Alert.kind == KIND, Alert.subject_type == SUBJECT, Alert.subject_id.in_(part))
                )
            })
        for r in rows:
            agencies = [a for a in r["agencies"].split(";") if a]
            details = json.dumps({
                "band": r["band"], "score": r["score"], "why": r["why"], "as_of": r["as_of"],
                "reasons": [x for x in r["reasons"].split("; ") if x], "agencies": agencies,
            })
            # for_agency names the council (listed first: it leads safeguarding); recipients hold every agency
            values = {"for_agency": agencies[0] if agencies else None, "raised_at": now, "details": details,
                      "status": "open", "acknowledged_by": None, "acknowledged_at": None}
            alert_id = existing.get(r["nominal_id"])
            if alert_id is None:
                alert_id = conn.execute(
                    insert(Alert).values(kind=KIND, subject_type=SUBJECT, subject_id=r["nominal_id"], **values).returning(Alert.id)
                ).scalar_one()
            else:
                conn.execute(update(Alert).where(Alert.id == alert_id).values(**values))
                conn.execute(delete(AlertRecipient).where(AlertRecipient.alert_id == alert_id))
            if agencies:
                conn.execute(insert(AlertRecipient), [{"alert_id": alert_id, "agency": a} for a in agencies])
        audit.record(conn, actor, "raise_alerts", KIND, {"alerts": len(rows), "new": len(rows) - len(existing)})
    return len(rows)


def raise_dual_status_flags(engine: Engine, actor: Actor, reasons: pl.DataFrame) -> int:
    """Write the build's dual-status flags (suspect and potential victim) so every record opened shows them; audited."""
    from crossline.casework import nrm

    if reasons.height == 0:
        return 0
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with engine.begin() as conn:
        new = nrm.sync_flags(conn, reasons.to_dicts(), str(actor), now)
        if new:
            audit.record(conn, actor, "raise_flags", nrm.DUAL_STATUS, {"new": new})
    return new
