"""The ``risk`` build stage: exploitation risk for each young or vulnerable nominal, with reasons.

Reads the resolve stage's ``nominals`` (required) and the lines stage's
``lines``, ``line_numbers`` and ``runners`` (when present: otherwise contact
with deal-line numbers is reported as *not assessed*, never as zero). Writes

- ``risk``: one row per scored nominal (``nominal_id, score, band, reasons,
  as_of`` as DATA-CONTRACT section 3 exports them, plus evidence columns, and
  ``partner_score, partner_band, partner_reasons``: the same scoring without the
  records under handling code C, which are shared only under their conditions
  and so never reach the partner-facing view, alerts, groups or places);
- ``risk_evidence``: one row per record behind a reason, with its points and
  the handling code and conditions of the event behind it;
- ``peer_groups`` and ``places``: the contextual view (groups.py);
- ``risk_alerts``: the alerts this build raises (alerts.py), and ``dual_status``:
  the children both suspect and victim; both reach the casework tables (alerts
  for the agencies that can act, flags on every record) when the picture publishes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from crossline.access.actor import Actor
from crossline.settings.risk import RiskSettings
from crossline.stages.risk import alerts as risk_alerts
from crossline.stages.risk import comms, groups, indicators
from crossline.stages.risk.bands import band
from crossline.stages.risk.inputs import Inputs, ages, home_force, load_inputs, read_nominals
from crossline.stages.risk.score import BY_CODE, score, weigh
from crossline.stages.stage import BuildContext, Export, Stage, raise_alerts

VICTIM_SIGNS = ("missing_episode", "nrm_referral", "concern_exploitation", "cuckooing_victim", "ae_injury", "out_of_area")
SUSPECT_SIGNS = ("arrest_supply_weapons", "arrest_other", "seizure", "cuckooing_suspect", "stop_search_finds")


def run(ctx: BuildContext) -> None:
    rs = ctx.ws.settings.risk
    ctx.progress("reading records", 0.05)
    inp = load_inputs(
        ctx.store, read_nominals(ctx.table_path("nominals")), rs,
        lines_table=ctx.table_path("lines"), line_numbers_table=ctx.table_path("line_numbers"),
        runners_table=ctx.table_path("runners"), ocgs_table=ctx.table_path("ocgs"),
    )
    if inp.persons.is_empty():
        ctx.note("risk: no person records, so nobody to score")
    elif inp.events.is_empty() and inp.links.is_empty():
        ctx.note("risk: no events or links in the records, so every score rests on ages and comms alone")
    contacts = None
    if inp.line_numbers is not None:
        ctx.progress("contacts with deal lines", 0.3)
        phones = indicators.nominal_phones(inp)["number"]
        contacts = comms.line_contacts(ctx.ws.settings, ctx.comms_files(), inp.line_numbers, inp.runners, phones, inp.as_of)
    ctx.progress("indicators", 0.5)
    risk, evidence = compute(inp, rs, contacts)
    ctx.progress("groups and places", 0.75)
    peer, places = groups.contextual_view(inp, risk, evidence, rs)
    ctx.write("risk", risk)
    ctx.write("risk_evidence", evidence)
    ctx.write("peer_groups", peer)
    ctx.write("places", places)
    ctx.progress("alerts", 0.9)
    previous = ctx.previous_path("risk")
    raised = risk_alerts.new_alerts(risk, pl.read_parquet(previous) if previous is not None else None, rs)
    ctx.write("risk_alerts", raised)
    ctx.write("dual_status", dual_status_reasons(risk, evidence))


def publish(conn: Connection, actor: Actor, folder: Path) -> None:
    """The alerts and dual-status flags of the version being published."""
    raised = folder / "risk_alerts.parquet"
    if raised.exists():
        raise_alerts(conn, actor, risk_alerts.alert_rows(pl.read_parquet(raised)))
    dual = folder / "dual_status.parquet"
    if dual.exists():
        risk_alerts.raise_dual_status_flags(conn, actor, pl.read_parquet(dual))


def dual_status_reasons(risk: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """(nominal_id, reason) for children who are both suspects and showing signs of exploitation."""
    dual = risk.filter(pl.col("dual_status")).select("nominal_id", "band")
    words = {code: BY_CODE[code].partner_words.replace(" {times}", "") for code in (*SUSPECT_SIGNS, *VICTIM_SIGNS)}
    signs = (
        evidence.join(dual, on="nominal_id", how="semi").filter(pl.col("indicator").is_in(list(words)))
        .select("nominal_id", "indicator").unique().sort("nominal_id", "indicator")
        .with_columns(pl.col("indicator").replace_strict(words).alias("w"), pl.col("indicator").is_in(SUSPECT_SIGNS).alias("suspect"))
        .group_by("nominal_id", maintain_order=True)
        .agg(pl.col("w").filter(pl.col("suspect")).str.join(", ").alias("as_suspect"),
             pl.col("w").filter(~pl.col("suspect")).str.join(", ").alias("as_victim"))
    )
    return dual.join(signs, on="nominal_id", how="left").select(
        "nominal_id",
        pl.format(
            "Both a suspect ({}) and a young person at risk of exploitation ({}): treat as a child at risk, safeguard first.",
            pl.col("as_suspect").fill_null("offending"),
            pl.when(pl.col("as_victim").fill_null("") != "")
            .then(pl.col("as_victim"))
            .otherwise(pl.format("{} risk band", pl.col("band").str.replace("_", " "))),
        ).alias("reason"),
    )


def compute(inp: Inputs, rs: RiskSettings, contacts: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(risk, risk_evidence) from the inputs: the whole scoring, without reading or writing anything."""
    home = home_force(inp.persons)
    age_frame = ages(inp.persons, inp.as_of)
    evidence = indicators.all_evidence(inp, home, age_frame, contacts)
    scope = in_scope(inp, evidence, age_frame, rs)
    evidence = with_handling(evidence.join(scope, on="nominal_id", how="semi"), inp.events)
    weighed = weigh(evidence, rs, inp.as_of)
    scored = score(weighed, rs).drop("partner_reasons")
    partner = score(weigh(evidence.filter(shareable()), rs, inp.as_of), rs).select(
        "nominal_id", pl.col("score").alias("partner_score"), "partner_reasons")
    as_of_text = inp.as_of.strftime("%Y-%m-%d")
    line_status = "not assessed" if not inp.lines_assessed else None
    found_lines = weighed.filter(pl.col("indicator").is_in(["line_contact", "runner_contact", "runner_number"])).select("nominal_id").unique()
    signs = weighed.group_by("nominal_id").agg(
        pl.col("indicator").is_in(VICTIM_SIGNS).any().alias("_victim"),
        pl.col("indicator").is_in(SUSPECT_SIGNS).any().alias("_suspect"),
        pl.len().alias("records"),
    )
    risk = (
        scope.join(scored.drop("as_of"), on="nominal_id", how="left")
        .join(partner, on="nominal_id", how="left")
        .join(age_frame, on="nominal_id", how="left")
        .join(home, on="nominal_id", how="left")
        .join(signs, on="nominal_id", how="left")
        .join(responsible_agencies(inp, home), on="nominal_id", how="left")
        .with_columns(
            pl.col("score").fill_null(0.0),
            pl.col("points").fill_null(0.0),
            pl.col("reasons").fill_null(""),
            pl.col("partner_score").fill_null(0.0),
            pl.col("partner_reasons").fill_null(""),
            pl.col("indicators").fill_null(""),
            pl.col("records").fill_null(0).cast(pl.Int64),
            pl.lit(as_of_text).alias("as_of"),
        )
        .with_columns(band(pl.col("score"), rs).alias("band"), band(pl.col("partner_score"), rs).alias("partner_band"))
        .with_columns(
            (pl.col("_suspect").fill_null(False) & (pl.col("_victim").fill_null(False) | pl.col("band").is_in(["high", "very_high"]))).alias("dual_status"),
            (pl.lit(line_status) if line_status else
             pl.when(pl.col("nominal_id").is_in(found_lines["nominal_id"].implode())).then(pl.lit("found")).otherwise(pl.lit("none found"))
             ).alias("line_contact"),
        )
        .select(
            "nominal_id", "score", "band", "reasons", "as_of", "points", "partner_reasons", "indicators", "age", "home_force",
            "records", "line_contact", "dual_status", "responsible_agencies", "partner_score", "partner_band",
        )
        .sort(["score", "nominal_id"], descending=[True, False])
    )
    ev_out = weighed.join(
        pl.DataFrame({"indicator": list(BY_CODE), "police_only": [BY_CODE[c].police_only for c in BY_CODE]}), on="indicator", how="left"
    ).select(
        "nominal_id", "indicator", "group", "occurred_at", "source", "record_kind", "record_id", "detail",
        pl.col("weight").round(4), pl.col("points").round(3), "police_only", "handling_code", "handling_conditions",
    ).sort(["nominal_id", "points", "indicator", "occurred_at", "source", "record_id"], descending=[False, True, False, False, False, False],
           nulls_last=True)
    return risk, ev_out


def with_handling(evidence: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Evidence rows with the handling code and conditions of the event behind them (null for other kinds of record)."""
    codes = events.select(
        "source", pl.col("event_id").cast(pl.String).alias("record_id"), pl.lit("event").alias("record_kind"),
        pl.col("handling_code").cast(pl.String).str.to_uppercase(), pl.col("handling_conditions").cast(pl.String),
    ).unique(["source", "record_id"])
    return evidence.join(codes, on=["source", "record_kind", "record_id"], how="left")


def shareable() -> pl.Expr:
    """Evidence a partner-facing reason may rest on: not handling code C (C is shared only under its conditions)."""
    return pl.col("handling_code").fill_null("P") != "C"


def in_scope(inp: Inputs, evidence: pl.DataFrame, age_frame: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """Young nominals (by age), nominals of unknown age with an indicator, and vulnerable adults (cuckooed residents)."""
    young = age_frame.filter(pl.col("age").is_between(rs.min_age, rs.max_age)).select("nominal_id")
    # contact with a line alone does not bring in someone of unknown age: customers of any age contact lines
    signs = [c for c, i in BY_CODE.items() if i.group == "indicator" and c not in ("line_contact", "runner_contact")]
    with_signs = evidence.filter(pl.col("indicator").is_in(signs)).select("nominal_id").unique()
    unknown_age = with_signs.join(age_frame, on="nominal_id", how="anti")
    vulnerable = evidence.filter(pl.col("indicator") == "cuckooing_victim").select("nominal_id")
    return pl.concat([young, unknown_age, vulnerable]).unique().sort("nominal_id")


def responsible_agencies(inp: Inputs, home: pl.DataFrame) -> pl.DataFrame:
    """The agencies that can act for a child: councils and schools holding their record, else the home area's council."""
    kinds = inp.agencies.filter(pl.col("type").is_in(["local_authority", "education"]))
    holding = inp.persons.select("nominal_id", pl.col("source").alias("agency_id")).join(kinds, on="agency_id", how="inner")
    has_council = holding.filter(pl.col("type") == "local_authority").select("nominal_id").unique()
    area_council = (
        home.join(has_council, on="nominal_id", how="anti")
        .join(kinds.filter(pl.col("type") == "local_authority"), left_on="home_force", right_on="force_area", how="inner")
        .select("nominal_id", "agency_id", "type")
    )
    return (
        pl.concat([holding.select("nominal_id", "agency_id", "type"), area_council]).unique()
        .sort(["nominal_id", pl.col("type") != "local_authority", "agency_id"])  # the council first: it leads safeguarding
        .group_by("nominal_id", maintain_order=True)
        .agg(pl.col("agency_id").str.join(";").alias("responsible_agencies"))
    )


STAGE = Stage(
    name="risk",
    run=run,
    outputs=("risk", "risk_evidence", "peer_groups", "places", "risk_alerts", "dual_status"),
    exports=(Export("risk", "risk", ("nominal_id", "score", "band", "reasons", "as_of")),),
    help="Exploitation risk for young and vulnerable nominals, with reasons; peer groups and places; safeguarding alerts.",
    publish=publish,
)
