"""The contextual view: peer groups and places where risk concentrates (contextual safeguarding).

Peer groups are the connected components of a graph whose nodes are scored
young people and whose edges are co-occurrences partners recorded: named in
the same event (not family incidents), linked as associates, linked to the
same older associate, frequenting the same address, reported missing together
(within ``missing_together_hours`` in the same postcode district), or in
contact with the same deal line. Family links are not peer links.

Places are schools (the education agencies that hold a pupil's record),
postcode sectors (where scored young people live: an estate), stations (events
whose address names one) and cuckooed addresses, ranked by the risk
concentrated there: the sum of members' scores / 100 over members at medium
or above.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from crossline.settings.risk import RiskSettings
from crossline.stages.risk.inputs import Inputs, address_key

AT_RISK = ("medium", "high", "very_high")
HIGH = ("high", "very_high")
NOT_PEER_EVENTS = ("domestic_abuse", "safeguarding_referral", "care_placement", "intervention")
EDGE_WORDS = {
    "same_event": "named in the same record",
    "associates": "recorded as associates",
    "same_older_associate": "linked to the same older associate",
    "same_address": "spend time at the same address",
    "missing_together": "reported missing at the same time",
    "same_line": "in contact with the same deal line",
}


def contextual_view(inp: Inputs, risk: pl.DataFrame, evidence: pl.DataFrame, rs: RiskSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(peer_groups, places)."""
    return peer_groups(inp, risk, evidence, rs), places(inp, risk, evidence)


# --- peer groups --------------------------------------------------------------------------------


def edges(inp: Inputs, scored: pl.DataFrame, evidence: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """Undirected edges (a < b, kind) between scored nominals."""
    ids = scored.select("nominal_id")
    parts: list[pl.DataFrame] = []

    ev = inp.events.filter(~pl.col("event_type").is_in(NOT_PEER_EVENTS)).select("source", "event_id")
    part = inp.people.join(ev, on=["source", "event_id"], how="semi").join(ids, on="nominal_id", how="semi").select("source", "event_id", "nominal_id").unique()
    parts.append(_pairs(part, ["source", "event_id"], "same_event"))

    assoc = inp.links.filter(
        pl.col("relation").is_in(["associate_of", "controls"]) & pl.col("left_nominal").is_not_null() & pl.col("right_nominal").is_not_null()
    )
    direct = assoc.select(pl.col("left_nominal").alias("a"), pl.col("right_nominal").alias("b"))
    direct = direct.join(ids, left_on="a", right_on="nominal_id", how="semi").join(ids, left_on="b", right_on="nominal_id", how="semi")
    parts.append(direct.with_columns(pl.lit("associates").alias("kind")))

    both_ways = pl.concat([
        assoc.select(pl.col("left_nominal").alias("nominal_id"), pl.col("right_nominal").alias("hub")),
        assoc.select(pl.col("right_nominal").alias("nominal_id"), pl.col("left_nominal").alias("hub")),
    ]).join(ids, on="nominal_id", how="semi").join(ids, left_on="hub", right_on="nominal_id", how="anti").unique()
    parts.append(_pairs(both_ways, ["hub"], "same_older_associate"))

    freq = (
        inp.links.filter((pl.col("relation") == "frequents") & pl.col("left_nominal").is_not_null() & (pl.col("right_kind") == "address"))
        .with_columns(pl.col("right_value").str.splitn("|", 2).alias("_a"))
        .select(pl.col("left_nominal").alias("nominal_id"),
                address_key(pl.col("_a").struct.field("field_0"), pl.col("_a").struct.field("field_1")).alias("key"))
        .drop_nulls("key").join(ids, on="nominal_id", how="semi").unique()
    )
    parts.append(_pairs(freq, ["key"], "same_address"))

    miss = (
        inp.people.join(inp.events.filter(pl.col("event_type") == "missing_episode"), on=["source", "event_id"], how="inner")
        .join(ids, on="nominal_id", how="semi")
        .with_columns(pl.col("postcode").str.extract(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)", 1).alias("district"))
        .drop_nulls("district").select("nominal_id", "district", "occurred_at").sort("occurred_at")
    )
    if miss.height:
        window = timedelta(hours=rs.missing_together_hours)
        m2 = miss.join(miss, on="district", suffix="_b").filter(
            (pl.col("nominal_id") < pl.col("nominal_id_b"))
            & ((pl.col("occurred_at") - pl.col("occurred_at_b")).abs() <= window)
        )
        parts.append(m2.select(pl.col("nominal_id").alias("a"), pl.col("nominal_id_b").alias("b"), pl.lit("missing_together").alias("kind")))

    lines = evidence.filter(pl.col("indicator").is_in(["line_contact", "runner_contact"]))
    if lines.height:
        by_line = lines.select("nominal_id", pl.col("record_id").str.split(" <-> ").list.get(1).alias("counterpart")).unique()
        parts.append(_pairs(by_line, ["counterpart"], "same_line"))

    out = pl.concat([p.select("a", "b", "kind") for p in parts]) if parts else pl.DataFrame(schema={"a": pl.String, "b": pl.String, "kind": pl.String})
    return (
        out.filter(pl.col("a") != pl.col("b"))
        .select(pl.min_horizontal("a", "b").alias("a"), pl.max_horizontal("a", "b").alias("b"), "kind")
        .unique()
    )


def _pairs(frame: pl.DataFrame, on: list[str], kind: str) -> pl.DataFrame:
    """Every pair of nominals sharing ``on`` (groups larger than 50 are skipped: a venue, not a peer group)."""
    small = frame.filter(pl.len().over(on) <= 50)
    joined = small.join(small, on=on, suffix="_b").filter(pl.col("nominal_id") < pl.col("nominal_id_b"))
    return joined.select(pl.col("nominal_id").alias("a"), pl.col("nominal_id_b").alias("b"), pl.lit(kind).alias("kind"))


def components(nodes: pl.Series, edge_frame: pl.DataFrame) -> pl.DataFrame:
    """(nominal_id, component): connected components by min-label propagation (set-based; converges in diameter steps)."""
    labels = pl.DataFrame({"nominal_id": nodes.unique()}).with_columns(pl.col("nominal_id").alias("component"))
    if edge_frame.height == 0:
        return labels
    both = pl.concat([edge_frame.select("a", "b"), edge_frame.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique()
    while True:
        spread = (
            both.join(labels, left_on="b", right_on="nominal_id", how="inner")
            .group_by("a").agg(pl.col("component").min().alias("near"))
        )
        new = labels.join(spread, left_on="nominal_id", right_on="a", how="left").with_columns(
            pl.min_horizontal("component", pl.col("near").fill_null(pl.col("component"))).alias("component")
        ).drop("near")
        changed = new.join(labels, on="nominal_id", suffix="_old").filter(pl.col("component") != pl.col("component_old")).height
        labels = new
        if changed == 0:
            return labels


def peer_groups(inp: Inputs, risk: pl.DataFrame, evidence: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """One row per member of each peer group with at least one member at medium or above, ranked by concentrated risk."""
    scored = risk.filter(pl.col("score") > 0).select("nominal_id", "score", "band", "partner_reasons")
    e = edges(inp, scored, evidence, rs)
    comp = components(pl.concat([e["a"], e["b"]]) if e.height else pl.Series("nominal_id", [], pl.String), e)
    members = comp.join(scored, on="nominal_id", how="inner")
    sized = members.with_columns(pl.len().over("component").alias("group_size"))
    sized = sized.filter((pl.col("group_size") >= rs.min_group_size) & pl.col("band").is_in(AT_RISK).any().over("component"))
    if sized.height == 0:
        return pl.DataFrame(schema=PEER_SCHEMA)
    kinds = (
        e.join(comp, left_on="a", right_on="nominal_id").group_by("component", "kind").len()
        .with_columns(pl.format("{} ({} pair(s))", pl.col("kind").replace_strict(EDGE_WORDS, default=pl.col("kind")), pl.col("len")).alias("w"))
        .sort(["component", "len", "w"], descending=[False, True, False])
        .group_by("component", maintain_order=True).agg(pl.col("w").str.join("; ").alias("links"))
    )
    concentrated = (pl.col("score").filter(pl.col("band").is_in(AT_RISK)).sum() / 100).over("component")
    out = (
        sized.join(kinds, on="component", how="left")
        .with_columns(
            ("PG-" + pl.col("component")).alias("group_id"),  # the lowest member id: stable while that member stays
            concentrated.round(2).alias("group_risk"),
            pl.col("band").is_in(HIGH).sum().over("component").cast(pl.Int64).alias("high_members"),
        )
    )
    order = out.select("group_id", "group_risk").unique().sort(["group_risk", "group_id"], descending=[True, False]).with_row_index("rank", offset=1)
    return (
        out.join(order.select("group_id", "rank"), on="group_id")
        .select(
            pl.col("rank").cast(pl.Int64), "group_id", "nominal_id", "score", "band", pl.col("group_size").cast(pl.Int64), "high_members",
            "group_risk", pl.col("links").fill_null(""), pl.col("partner_reasons").alias("reasons"),
        )
        .sort(["rank", "score", "nominal_id"], descending=[False, True, False])
    )


PEER_SCHEMA = {
    "rank": pl.Int64, "group_id": pl.String, "nominal_id": pl.String, "score": pl.Float64, "band": pl.String, "group_size": pl.Int64,
    "high_members": pl.Int64, "group_risk": pl.Float64, "links": pl.String, "reasons": pl.String,
}


# --- places ---------------------------------------------------------------------------------------


def places(inp: Inputs, risk: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """One row per place, ranked by the risk concentrated there, with its at-risk members and the commonest reasons."""
    scored = risk.select("nominal_id", "score", "band")
    agency_names = inp.agencies.select("agency_id", "type")
    school = (
        inp.persons.select("nominal_id", pl.col("source").alias("agency_id"))
        .join(agency_names.filter(pl.col("type") == "education"), on="agency_id", how="semi")
        .select("nominal_id", pl.lit("school").alias("kind"), pl.col("agency_id").alias("place")).unique()
    )
    sector = (
        inp.persons.select("nominal_id", pl.col("postcode").str.to_uppercase().str.extract(r"^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9])", 1).alias("place"))
        .drop_nulls("place").group_by("nominal_id", "place").len()
        .sort(["nominal_id", "len", "place"], descending=[False, True, False])  # a tie between two sectors goes to the first by name
        .group_by("nominal_id", maintain_order=True).agg(pl.col("place").first())
        .select("nominal_id", pl.lit("postcode_sector").alias("kind"), "place")
    )
    # stations: an event's address naming one, or a named station ("Newport Station") in a non-intelligence record
    named = r"\b((?:[A-Z][a-z]+ )+(?:[Rr]ailway |[Bb]us )?[Ss]tation)\b"
    station_events = inp.events.filter(pl.col("event_type") != "intelligence").with_columns(
        pl.coalesce(
            pl.when(pl.col("address").fill_null("").str.contains(r"(?i)\bstation\b")).then(pl.col("address")),
            pl.col("summary").str.extract(named, 1),
        ).alias("place")
    ).drop_nulls("place")
    station = inp.people.join(station_events, on=["source", "event_id"], how="inner").select("nominal_id", pl.lit("station").alias("kind"), "place").unique()
    cuckooed = (
        inp.events.filter(pl.col("event_type") == "cuckooing_report")
        .with_columns(pl.format("{}, {}", pl.col("address").fill_null("?"), pl.col("postcode").fill_null("?")).alias("place"))
        .join(inp.people, on=["source", "event_id"], how="inner").select("nominal_id", pl.lit("cuckooed_address").alias("kind"), "place").unique()
    )
    members = pl.concat([school, sector, station, cuckooed]).join(scored, on="nominal_id", how="inner")
    if members.height == 0:
        return pl.DataFrame(schema=PLACE_SCHEMA)
    # places are for partners planning outreach: police-only evidence (comms, intelligence) shows as one generic label
    label = pl.when(pl.col("police_only")).then(pl.lit("police information of concern")).otherwise(pl.col("indicator").str.replace_all("_", " "))
    top_reasons = (
        evidence.filter(pl.col("group") == "indicator").select("nominal_id", label.alias("sign")).unique()
        .join(members.filter(pl.col("band").is_in(AT_RISK)).select("nominal_id", "kind", "place"), on="nominal_id")
        .group_by("kind", "place", "sign").len()
        .sort(["kind", "place", "len", "sign"], descending=[False, False, True, False])
        .group_by("kind", "place", maintain_order=True)
        .agg(pl.format("{} with {}", pl.col("len"), pl.col("sign")).head(4).str.join("; ").alias("reasons"))
    )
    at_risk = pl.col("band").is_in(AT_RISK)
    summary = (
        members.group_by("kind", "place")
        .agg(
            pl.len().alias("members"),
            at_risk.sum().cast(pl.Int64).alias("at_risk"),
            pl.col("band").is_in(HIGH).sum().cast(pl.Int64).alias("high"),
            (pl.col("score").filter(at_risk).sum() / 100).round(2).alias("risk_concentration"),
            pl.col("nominal_id").filter(at_risk).sort().str.join(";").alias("at_risk_members"),
        )
        .filter(pl.col("at_risk") > 0)
        .with_columns((pl.col("at_risk") / pl.col("members")).round(3).alias("share_at_risk"))
        .join(top_reasons, on=["kind", "place"], how="left")
        .sort(["risk_concentration", "kind", "place"], descending=[True, False, False])
        .with_row_index("rank", offset=1)
    )
    return summary.select(
        pl.col("rank").cast(pl.Int64), "kind", "place", pl.col("members").cast(pl.Int64), "at_risk", "high", "share_at_risk",
        "risk_concentration", "at_risk_members", pl.col("reasons").fill_null(""),
    )


PLACE_SCHEMA = {
    "rank": pl.Int64, "kind": pl.String, "place": pl.String, "members": pl.Int64, "at_risk": pl.Int64, "high": pl.Int64,
    "share_at_risk": pl.Float64, "risk_concentration": pl.Float64, "at_risk_members": pl.String, "reasons": pl.String,
}
