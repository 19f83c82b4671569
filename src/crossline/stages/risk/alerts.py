"""Safeguarding alerts: a new or rising high-risk young person, for the agencies that can act.

An alert is raised when a nominal reaches the alert band (``[risk]
alert_band``, high by default) and was below it in the last published picture
(or not scored at all), or when a nominal already at or above it rises by
``alert_rise_points`` or more. It goes to the child's council and school (the
``responsible_agencies`` of the risk table), and carries only what a partner
may see: the partner-facing band, score and reasons in plain words
(``partner_band``, ``partner_score``, ``partner_reasons``: without records
under handling code C), never the intelligence or the records behind them.

The stage writes the alerts it would raise to the picture (``risk_alerts``)
and its dual-status flags (``dual_status``); both are raised when the picture
publishes (crossline.casework.alerts: one alert per child, a later alert for
the same child reopens and updates it, one ``alert_recipients`` row per
agency), so a build that does not publish raises nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Connection

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.casework import alerts as casework_alerts
from crossline.settings.risk import RiskSettings
from crossline.stages.risk.bands import BANDS, rank

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
    # alerts go to partners, so they rest on the partner-facing score: records under handling code C never raise one
    # (a picture published before partner scores existed is read by its full score, the only one it has)
    risk = risk.drop("score", "band").rename({"partner_score": "score", "partner_band": "band"})
    if previous is not None and "partner_score" in previous.columns:
        previous = previous.drop("score", "band").rename({"partner_score": "score", "partner_band": "band"})
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
    ).cast(pl.Schema(ALERT_SCHEMA))


def alert_rows(raised: pl.DataFrame) -> pl.DataFrame:
    """The build's alerts as alert rows for the child's council and school: the band and plain reasons only."""
    rows = []
    for r in raised.iter_rows(named=True):  # alerts are few (a new or rising high band), not millions of rows
        agencies = [a for a in r["agencies"].split(";") if a]  # the council first: it leads safeguarding
        rows.append({
            "kind": KIND, "subject_type": SUBJECT, "subject_id": r["nominal_id"], "agencies": ";".join(agencies),
            "details": {
                "band": r["band"], "score": r["score"], "why": r["why"], "as_of": r["as_of"],
                "reasons": [x for x in r["reasons"].split("; ") if x], "agencies": agencies,
                "message": f"{r['nominal_id']}: {r['why']} ({r['band'].replace('_', ' ')} risk of exploitation)",
            },
        })
    return casework_alerts.frame(rows)


def raise_dual_status_flags(conn: Connection, actor: Actor, reasons: pl.DataFrame) -> None:
    """The build's dual-status flags (suspect and potential victim), so every record opened shows them; audited."""
    from crossline.casework import nrm

    if reasons.height == 0:
        return
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    new = nrm.sync_flags(conn, reasons.to_dicts(), str(actor), now)
    if new:
        audit.record(conn, actor, "raise_flags", nrm.DUAL_STATUS, {"new": new})
