"""Person records: which agency holds a record of whom, numbered and made noisy.

A source records everyone in its own events and links, plus those it holds
for other reasons: the school trust every pupil, the police people known from
before the period, the hub forces their OCG nominals. Some people have two
records in one source (a duplicate nobody merged). Each record gets the
source's own id, partner-style noise (:mod:`crossline.sim.noise`) and the
identifiers that source would hold.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

from crossline.sim.agencies import AGENCY_BY_ID, COUNCIL, GWENT_POLICE, HEALTH, POLICE, POLICE_BY_FORCE, SCHOOLS
from crossline.sim.geography import TOWN_BY_KEY
from crossline.sim.ids import person_ids
from crossline.sim.names import STREET_ALIASES
from crossline.sim.noise import NONE, apply_noise, area_missing, charity_records, date_wrong, identity_noise
from crossline.sim.rng import stream
from crossline.sim.world import World


def _needed(world: World) -> pl.DataFrame:
    """Every (source, pidx) some source must hold a record for."""
    sc = world.scenario
    rng = stream(sc.seed, "records", "baseline")
    ev = pl.concat(world.events).select(["key", "source"])
    parts = pl.concat(world.participants).join(ev, on="key").select(["source", "pidx"])
    links = pl.concat(world.links) if world.links else pl.DataFrame(schema={"source": pl.String, "left_pidx": pl.Int64, "right_pidx": pl.Int64})
    frames = [
        parts,
        links.select(["source", pl.col("left_pidx").alias("pidx")]),
        links.select(["source", pl.col("right_pidx").alias("pidx")]),
    ]
    people = world.people
    pupils = people.filter(pl.col("market") & (pl.col("age") >= 11) & (pl.col("age") <= 18))["pidx"]
    frames.append(pl.DataFrame({"source": SCHOOLS, "pidx": pupils}))
    adults = people.filter(pl.col("market") & (pl.col("age") >= 18))["pidx"].to_numpy()
    known = adults[rng.random(len(adults)) < sc.indicators.police_history_share]
    frames.append(pl.DataFrame({"source": GWENT_POLICE, "pidx": known}))
    hub = people.filter(~pl.col("market") & (pl.col("age") >= 14))
    keep = rng.random(hub.height) < sc.indicators.hub_police_history_share
    hub = hub.filter(pl.Series(keep))
    frames.append(
        pl.DataFrame({"source": [POLICE_BY_FORCE[f] for f in hub["force_area"].to_list()], "pidx": hub["pidx"]}, schema={"source": pl.String, "pidx": pl.Int64})
    )
    m = world.ocg_members
    if m is not None and m.height:
        known_ocg = m.filter(pl.col("role") != "runner")
        frames.append(pl.DataFrame({
            "source": [POLICE_BY_FORCE[TOWN_BY_KEY[h].force_area] for h in known_ocg["hub"].to_list()],
            "pidx": known_ocg["pidx"]}, schema={"source": pl.String, "pidx": pl.Int64}))
    return (
        pl.concat([f.select(pl.col("source").cast(pl.String), pl.col("pidx").cast(pl.Int64)) for f in frames])
        .filter(pl.col("pidx") >= 0)
        .unique()
        .sort(["source", "pidx"])
    )


def make_records(world: World) -> pl.DataFrame:
    """One row per person record: source, record_id, pidx, dup, the partner's fields, noise tags."""
    sc = world.scenario
    p = sc.noise
    rng = stream(sc.seed, "records")
    need = _needed(world)
    # a second, unmerged record in the same source for a few people
    dup_ok = need["source"].is_in(list(POLICE) + [COUNCIL, HEALTH]).to_numpy()
    dups = need.filter(pl.Series(dup_ok & (rng.random(need.height) < p.p_duplicate_record)))
    rec = pl.concat([need.with_columns(pl.lit(0).alias("dup")), dups.with_columns(pl.lit(1).alias("dup"))])
    rec = rec.with_columns(pl.Series("order", rng.random(rec.height))).sort(["source", "order"]).drop("order")
    # record ids: the source's prefix and a running number from an arbitrary start
    numbers = rec.with_columns(pl.int_range(pl.len()).over("source").alias("n"))["n"].to_numpy()
    prefix = np.array([AGENCY_BY_ID[s].prefix for s in rec["source"].to_list()])
    start = 100000 + np.array([zlib.crc32(s.encode("utf-8")) % 800000 for s in rec["source"].to_list()])
    rec = rec.with_columns(pl.Series("record_id", np.char.add(np.char.add(prefix, "-"), (start + numbers).astype(str))))

    people = world.people
    born = np.zeros(people.height, dtype=np.int64)
    born[people["pidx"].to_numpy()] = people["date_of_birth"].dt.year().cast(pl.Int64).to_numpy()
    ids = person_ids(sc.seed, people.height, born)
    alias = np.array(STREET_ALIASES)[stream(sc.seed, "aliases").integers(0, len(STREET_ALIASES), people.height)].astype(object)
    flagged = people["exploited"].to_numpy().copy()
    if world.ocg_members is not None:
        flagged[world.ocg_members["pidx"].to_numpy()] = True
    alias[~flagged] = ""
    # the school contacts a parent, not the child, most of the time
    parent_phone = (
        people.filter(pl.col("member").is_in(["parent", "partner"]))
        .group_by("household_id").agg(pl.col("phone").drop_nulls().first().alias("parent_phone"))
    )
    truth_cols = ["pidx", "household_id", "given_name", "other_names", "family_name", "birth_family_name", "sex", "date_of_birth",
                  "age", "house", "street", "street_abbrev", "postcode", "town", "prev_house", "prev_street", "prev_postcode",
                  "prev_town", "phone", "phone2"]
    df = rec.join(people.select(truth_cols), on="pidx", how="left").join(parent_phone, on="household_id", how="left")
    pidx = df["pidx"].to_numpy()
    n = df.height
    src = df["source"].to_numpy()
    police = np.isin(src, POLICE)
    school = src == SCHOOLS
    use_parent = school & (rng.random(n) < 0.6) & df["parent_phone"].is_not_null().to_numpy()
    use_second = df["phone2"].is_not_null().to_numpy() & (rng.random(n) < 0.4)
    phone_used = np.where(use_parent, df["parent_phone"].fill_null("").to_numpy(),
                          np.where(use_second, df["phone2"].fill_null("").to_numpy(), df["phone"].fill_null("").to_numpy()))
    df = df.with_columns(pl.Series("alias", alias[pidx].tolist(), dtype=pl.String),
                         pl.Series("phone_used", [x if x else None for x in phone_used], dtype=pl.String))
    multiplier = np.where(police, p.police_multiplier, np.where(school, p.school_multiplier, 1.0))
    noisy = apply_noise(df, rng, p, multiplier, police, school)
    noise = noisy["noise"].to_numpy().astype(object)
    noise[use_parent & noisy["phone"].is_not_null().to_numpy()] += ";parent_phone"

    # which identifiers each source holds
    adult = df["age"].to_numpy() >= 18
    u = rng.random(n)
    pnc = np.where(police & (u < np.where(flagged[pidx], 0.9, 0.5)), ids["pnc_id"][pidx], NONE)
    nhs = np.where((src == HEALTH) | ((src == COUNCIL) & (u < 0.5)), ids["nhs_number"][pidx], NONE)
    upn = np.where(school | ((src == COUNCIL) & ~adult & (u < 0.3)), ids["upn"][pidx], NONE)
    other = np.where((police & adult & (u < 0.15)) | ((src == COUNCIL) & adult & (u < 0.25)), np.char.add("ni:", ids["ni"][pidx]), NONE)

    sex = df["sex"].to_numpy().astype(object)
    blank_sex = police & (rng.random(n) < 0.04)
    sex[blank_sex] = None
    sex[police & ~blank_sex & (rng.random(n) < 0.01)] = "U"
    other_names = np.where(rng.random(n) < np.where(school, 0.9, 0.5), df["other_names"].to_numpy(), "")

    out = pl.DataFrame({
        "source": df["source"],
        "record_id": df["record_id"],
        "pidx": df["pidx"],
        "dup": df["dup"],
        "given_name": noisy["given_name"],
        "family_name": noisy["family_name"],
        "other_names": pl.Series([x if x else None for x in other_names], dtype=pl.String),
        "aliases": noisy["aliases"],
        "date_of_birth": noisy["date_of_birth"],
        "sex": pl.Series(sex.tolist(), dtype=pl.String),
        "address": noisy["address"],
        "town": noisy["town"],
        "postcode": noisy["postcode"],
        "phone": noisy["phone"],
        "pnc_id": pl.Series(pnc.tolist(), dtype=pl.String),
        "nhs_number": pl.Series(nhs.tolist(), dtype=pl.String),
        "upn": pl.Series(upn.tolist(), dtype=pl.String),
        "other_ids": pl.Series(other.tolist(), dtype=pl.String),
        "noise": pl.Series([t.lstrip(";") for t in noise], dtype=pl.String),
    })
    out = identity_noise(out, stream(sc.seed, "records", "identity"), p)
    out = area_missing(out, stream(sc.seed, "records", "area"), p)
    charity = np.array([AGENCY_BY_ID[s].type == "charity" for s in src.tolist()])
    truth = df.select("given_name", "family_name", "house", "street", "postcode", "town", "phone")
    out = charity_records(out, truth, charity, stream(sc.seed, "records", "charity"), p)
    return date_wrong(out, stream(sc.seed, "records", "dob_wrong"), p)

