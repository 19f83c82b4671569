"""Turning the world into contract rows: persons, events, event_people, links per source.

Events get their source's record ids in time order; people in them are named
by the record the source holds (now and then the unmerged duplicate); links
name persons as ``person:<record_id>`` and other endpoints as the contract
spells them. Every value written here is one the contract accepts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import AGENCY_BY_ID, COUNCIL, GWENT_POLICE, HEALTH, POLICE, SCHOOL_COLUMNS, SCHOOLS
from crossline.sim.clock import offset
from crossline.sim.rng import stream
from crossline.sim.tables import iso_date, iso_utc
from crossline.sim.world import World

PERSON_COLUMNS = ("record_id", "given_name", "family_name", "other_names", "aliases", "date_of_birth", "sex", "address",
                  "town", "postcode", "phone", "pnc_id", "nhs_number", "upn", "other_ids")
EVENT_COLUMNS = ("record_id", "event_type", "occurred_at", "ended_at", "postcode", "lat", "lon", "force_area", "summary",
                 "phone", "vehicle", "address", "source_eval", "intel_assessment", "handling_code", "handling_conditions",
                 "programme")


def person_feeds(records: pl.DataFrame, people: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each source's persons file; the school trust's in its own column names, with a YearGroup."""
    out: dict[str, pl.DataFrame] = {}
    ages = people["age"].to_numpy()
    for source in sorted(records["source"].unique().to_list()):
        df = records.filter(pl.col("source") == source).sort("record_id")
        if source == SCHOOLS:
            year = np.clip(ages[df["pidx"].to_numpy()] - 4, 7, 13).astype(str)
            df = df.with_columns(pl.Series("YearGroup", year)).select(
                [pl.col(c).alias(SCHOOL_COLUMNS[c]) for c in SCHOOL_COLUMNS] + [pl.col("YearGroup")]
            )
        else:
            df = df.select(PERSON_COLUMNS)
        out[source] = df
    return out


def _record_for(records: pl.DataFrame) -> pl.DataFrame:
    """(source, pidx) -> the record a mention uses: the main one, sometimes the duplicate."""
    main = records.filter(pl.col("dup") == 0).select(["source", "pidx", "record_id"])
    dup = records.filter(pl.col("dup") == 1).select(["source", "pidx", pl.col("record_id").alias("dup_id")])
    return main.join(dup, on=["source", "pidx"], how="left")


def _pick(df: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    use_dup = df["dup_id"].is_not_null().to_numpy() & (rng.random(df.height) < 0.3)
    return pl.Series("person_record", np.where(use_dup, df["dup_id"].fill_null("").to_numpy(), df["record_id"].to_numpy()))


def event_feeds(world: World, records: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame], pl.DataFrame]:
    """Each source's events and event_people, and the key -> (source, record_id) map."""
    rng = stream(world.scenario.seed, "feeds", "events")
    ev = pl.concat(world.events).sort(["source", "ts", "key"])
    ev = ev.with_columns(pl.int_range(pl.len()).over("source").alias("n"))
    prefix = np.array([AGENCY_BY_ID[s].prefix for s in ev["source"].to_list()])
    ev = ev.with_columns(pl.Series("record_id", np.char.add(np.char.add(prefix, "-E"), np.char.zfill((ev["n"].to_numpy() + 1).astype(str), 7))))

    ts = ev["ts"].to_numpy()
    health = (ev["source"] == HEALTH).to_numpy()
    off = offset(ts)
    local = pl.from_epoch(pl.Series(ts + off), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    suffix = np.where(off == 3600, "+01:00", "+00:00")
    occurred = np.where(ev["date_only"].to_numpy(), iso_date(ts).to_numpy(),
                        np.where(health, np.char.add(local.to_numpy().astype(str), suffix), iso_utc(ts).to_numpy()))
    end = ev["end_ts"].to_numpy()
    ended = iso_utc(np.maximum(end, 0)).to_numpy().astype(object)
    ended[end < 0] = None
    ev = ev.with_columns(
        pl.Series("occurred_at", occurred.astype(str)),
        pl.Series("ended_at", ended.tolist(), dtype=pl.String),
        pl.col("lat").round(5),
        pl.col("lon").round(5),
    )
    events = {s: ev.filter(pl.col("source") == s).select(EVENT_COLUMNS) for s in ev["source"].unique(maintain_order=True).to_list()}

    keymap = ev.select(["key", "source", pl.col("record_id").alias("event_id")])
    parts = pl.concat(world.participants).join(keymap, on="key")
    chosen = parts.join(_record_for(records), on=["source", "pidx"], how="left")
    missing = chosen["record_id"].null_count()
    if missing:
        raise RuntimeError(f"{missing} event participants have no person record")
    chosen = chosen.with_columns(_pick(chosen, rng)).unique(["source", "event_id", "person_record", "role"], maintain_order=True)
    people_feeds = {
        s: chosen.filter(pl.col("source") == s).sort(["event_id", "person_record", "role"]).select(
            [pl.col("event_id"), pl.col("person_record").alias("person_id"), pl.col("role")])
        for s in chosen["source"].unique(maintain_order=True).to_list()
    }
    return events, people_feeds, keymap


def link_feeds(world: World, records: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each source's links: those mechanics asserted, plus homes, phones and families from its records."""
    sc = world.scenario
    rng = stream(sc.seed, "feeds", "links")
    rec = _record_for(records)
    frames = []
    if world.links:
        lk = pl.concat(world.links)
        for side in ("left", "right"):
            lk = lk.join(rec.select(["source", pl.col("pidx").alias(f"{side}_pidx"), pl.col("record_id").alias(f"{side}_rec")]),
                         on=["source", f"{side}_pidx"], how="left")
            lk = lk.with_columns(
                pl.when(pl.col(f"{side}_pidx") >= 0).then(pl.lit("person:") + pl.col(f"{side}_rec")).otherwise(pl.col(side)).alias(side)
            )
        frames.append(lk.select(["source", "left", "relation", "right", "ts"]))

    main = records.filter(pl.col("dup") == 0)
    holders = main.filter(pl.col("source").is_in(list(POLICE) + [COUNCIL]))
    # where people live and which phone they use, as the source recorded it
    home = holders.filter(pl.Series(rng.random(holders.height) < 0.35) & pl.col("postcode").is_not_null())
    frames.append(home.select(
        "source", (pl.lit("person:") + pl.col("record_id")).alias("left"), pl.lit("resides_at").alias("relation"),
        (pl.lit("address:") + pl.col("postcode") + pl.lit("|") + pl.col("address")).alias("right"),
        pl.lit(sc.start_ts).alias("ts")))
    ph = holders.filter(pl.Series(rng.random(holders.height) < 0.3) & pl.col("phone").is_not_null())
    frames.append(ph.select(
        "source", (pl.lit("person:") + pl.col("record_id")).alias("left"), pl.lit("uses_phone").alias("relation"),
        (pl.lit("phone:") + pl.col("phone")).alias("right"), pl.lit(sc.start_ts).alias("ts")))
    # families: a child and a parent both recorded by the same police force or council
    people = world.people.select(["pidx", "household_id", "member"])
    fam = main.filter(pl.col("source").is_in([GWENT_POLICE, COUNCIL])).select(["source", "record_id", "pidx"]).join(people, on="pidx")
    kids = fam.filter(pl.col("member") == "child")
    adults = fam.filter(pl.col("member").is_in(["parent", "partner"]))
    pairs = kids.join(adults, on=["source", "household_id"], suffix="_p")
    frames.append(pairs.select(
        "source", (pl.lit("person:") + pl.col("record_id")).alias("left"), pl.lit("family_of").alias("relation"),
        (pl.lit("person:") + pl.col("record_id_p")).alias("right"), pl.lit(sc.start_ts).alias("ts")))

    allk = pl.concat([f.with_columns(pl.col("ts").cast(pl.Int64)) for f in frames])
    bad = allk.filter(pl.col("left").is_null() | pl.col("right").is_null()).height
    if bad:
        raise RuntimeError(f"{bad} links have an endpoint with no record")
    allk = allk.with_columns(iso_date(allk["ts"]).alias("observed_at"), _key("left"), _key("right"))
    # one link per normalised pair, as the importer keys them (a phone in two spellings is one phone)
    allk = allk.unique(["source", "left_key", "relation", "right_key"], maintain_order=True)
    return {
        s: allk.filter(pl.col("source") == s).sort(["left", "relation", "right"]).select(["left", "relation", "right", "observed_at"])
        for s in sorted(allk["source"].unique().to_list())
    }


def _key(col: str) -> pl.Expr:
    """An endpoint as the importer would normalise it: phones to digits with 44, postcodes upper-case."""
    digits = pl.col(col).str.slice(6).str.replace_all(r"\D", "")
    phone = pl.when(digits.str.starts_with("0")).then(pl.lit("44") + digits.str.slice(1)).otherwise(digits)
    return (
        pl.when(pl.col(col).str.starts_with("phone:")).then(pl.lit("phone:") + phone)
        .otherwise(pl.col(col).str.to_uppercase().str.replace_all(r"\s+", ""))
        .alias(f"{col}_key")
    )
