"""Ground truth: what really happened, for tests and for scoring Crossline's picture.

Written as CSV beside the bundle (``OUTDIR/truth/``); docs/simulator.md lists
every file and column. Ids here are the simulator's own (``TP...`` persons,
``LN...`` lines, ``OCG...`` groups); numbers are E.164.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from crossline.sim.dealing import answers_first, change_kinds, is_quiet, reach
from crossline.sim.geography import TOWN_BY_KEY
from crossline.sim.tables import iso_utc
from crossline.sim.world import World

TRUTH_FILES = (
    "persons.csv", "person_records.csv", "lines.csv", "line_numbers.csv", "successions.csv", "ocg_members.csv",
    "young_people.csv", "interventions.csv", "intervention_effects.csv", "confounders.csv", "cuckooed.csv", "phones.csv",
)
HARM_OUTCOMES = "missing_episode;stop_search;school_exclusion;persistent_absence;ae_attendance;arrest"


def _ts(v: int | None) -> str | None:
    return None if v is None else str(iso_utc(np.array([v]))[0])


def write_truth(world: World, records: pl.DataFrame, root: Path) -> dict[str, int]:
    """Write every truth file under ``root``; returns rows per file."""
    root.mkdir(parents=True, exist_ok=True)
    ph = world.phones
    assert ph is not None and world.imeis is not None
    people = world.people
    pid = people["person_id"].to_numpy()
    rows: dict[str, int] = {}

    def out(name: str, df: pl.DataFrame) -> None:
        df.write_csv(root / name)
        rows[name] = df.height

    members = (
        world.ocg_members
        if world.ocg_members is not None
        else pl.DataFrame(schema={"ocg_id": pl.String, "pidx": pl.Int64, "role": pl.String, "line_id": pl.String, "hub": pl.String})
    )
    first_role = members.unique("pidx", keep="first", maintain_order=True).select(["pidx", "ocg_id", pl.col("role").alias("ocg_role")])
    phones = pl.DataFrame({"pidx": ph.owner, "number": ph.number, "kind": ph.kind}).filter(
        pl.col("kind").is_in(["personal", "second"])).group_by("pidx").agg(pl.col("number").sort().str.join(";").alias("phones"))
    truth_people = people.join(first_role, on="pidx", how="left").join(phones, on="pidx", how="left")
    out("persons.csv", truth_people.select(
        "person_id", "household_id", "given_name", "other_names", "family_name", "birth_family_name", "sex",
        pl.col("date_of_birth").cast(pl.String), "age",
        (pl.col("house") + " " + pl.col("street")).alias("address"), "town", "postcode",
        (pl.col("prev_house") + " " + pl.col("prev_street")).alias("previous_address"),
        pl.col("prev_postcode").alias("previous_postcode"), pl.col("prev_town").alias("previous_town"),
        "phones", pl.when(pl.col("market")).then(pl.lit("market")).otherwise(pl.lit("hub")).alias("region"),
        "force_area", "member", "young", "exploited", "p_exploited", "aces", "ace_count", "in_care", "drug_user",
        "ocg_id", "ocg_role").sort("person_id"))

    out("person_records.csv", records.select(
        "source", "record_id", pl.Series("person_id", pid[records["pidx"].to_numpy()]),
        (pl.col("dup") == 1).alias("duplicate"), "noise").sort(["source", "record_id"]))

    line_rows, number_rows, succ_rows = [], [], []
    for ln in world.lines:
        segs = ln.segments
        reached = reach(world.scenario, ln)
        line_rows.append({
            "line_id": ln.line_id, "brand": ln.brand, "ocg_id": ln.ocg_id, "hub_town": TOWN_BY_KEY[ln.hub].name,
            "controller_area": TOWN_BY_KEY[ln.hub].force_area, "market_towns": ";".join(TOWN_BY_KEY[m].name for m in ln.markets),
            "market_area": "gwent", "internal": ln.internal, "holder_person_id": pid[ln.holder],
            "controller_person_id": pid[ln.controller], "first_active": _ts(segs[0].start), "last_active": _ts(segs[-1].end),
            "status": "closed" if segs[-1].ended_by == "closed" else "active", "numbers": len(segs),
            "customers": int(max(len(s.customers) for s in segs)), "runners": len(ln.runners),
            "flare_times_local": ";".join(f"{int(t) // 3600:02d}:{int(t) % 3600 // 60:02d}" for t in ln.flare_times),
            "quiet": is_quiet(world.scenario, ln),
            "answers_first": answers_first(world.scenario, ln),
        })
        for s in segs:
            number_rows.append({
                "line_id": ln.line_id, "number": str(ph.number[s.phone]), "imei": str(world.imeis[ph.imei[s.phone]]),
                "active_from": _ts(s.start), "active_to": _ts(s.end), "ended_by": s.ended_by, "customers": len(s.customers),
            })
        for i, (a, b) in enumerate(zip(segs, segs[1:], strict=False), start=1):
            kinds = change_kinds(world.scenario, ln, i)
            succ_rows.append({
                "line_id": ln.line_id, "old_number": str(ph.number[a.phone]), "new_number": str(ph.number[b.phone]),
                "old_ended_at": _ts(a.end), "new_started_at": _ts(b.start),
                "same_imei": bool(ph.imei[a.phone] == ph.imei[b.phone]),
                "customers_kept": int(np.isin(b.customers, a.customers).sum()),
                "kind": "+".join(kinds) or "clean",
                "customers_followed": int(np.isin(reached.customers[i], reached.customers[i - 1]).sum()),
                "chain_position": i,
            })
    out("lines.csv", pl.DataFrame(line_rows))
    out("line_numbers.csv", pl.DataFrame(number_rows))
    out("successions.csv", pl.DataFrame(succ_rows, schema={
        "line_id": pl.String, "old_number": pl.String, "new_number": pl.String, "old_ended_at": pl.String,
        "new_started_at": pl.String, "same_imei": pl.Boolean, "customers_kept": pl.Int64, "kind": pl.String,
        "customers_followed": pl.Int64, "chain_position": pl.Int64}))
    out("ocg_members.csv", members.select("ocg_id", pl.Series("person_id", pid[members["pidx"].to_numpy()]), "role", "line_id",
                                           pl.col("hub").replace_strict({k: TOWN_BY_KEY[k].name for k in TOWN_BY_KEY}).alias("hub_town")))

    iv = world.interventions
    if iv is None:
        iv = pl.DataFrame(schema={"pidx": pl.Int64, "programme": pl.String, "source": pl.String, "start_ts": pl.Int64,
                                  "end_ts": pl.Int64, "rate_ratio": pl.Float64, "prior_events": pl.Int64, "exploited": pl.Boolean})
    runner_line = members.filter(pl.col("role") == "runner").unique("pidx", keep="first", maintain_order=True).select(["pidx", "line_id"])
    yp = people.filter(pl.col("young") | (pl.col("exploited"))).join(runner_line, on="pidx", how="left").join(
        iv.select(["pidx", "programme", "rate_ratio"]), on="pidx", how="left")
    out("young_people.csv", yp.select(
        "person_id", "age", "sex", "town", "exploited", "p_exploited", "aces", "ace_count", "in_care", "line_id",
        "programme", pl.col("rate_ratio").fill_null(1.0)).sort("person_id"))
    out("interventions.csv", iv.select(
        pl.Series("person_id", pid[iv["pidx"].to_numpy()]), "programme", pl.col("source").alias("provider"),
        iso_utc(iv["start_ts"]).alias("started_at"), iso_utc(iv["end_ts"]).alias("ended_at"), "rate_ratio", "prior_events",
        "exploited").sort("person_id"))
    sc = world.scenario
    out("intervention_effects.csv", pl.DataFrame({
        "programme": [k for k, _ in sc.interventions.rate_ratios],
        "true_rate_ratio": [v for _, v in sc.interventions.rate_ratios],
        "outcomes": [HARM_OUTCOMES] * len(sc.interventions.rate_ratios),
        "meaning": ["after the start, each listed indicator event occurs at this multiple of the person's untreated rate"] * len(sc.interventions.rate_ratios),
    }))

    conf = [{"number": str(ph.number[c.phone]), "kind": c.kind, "name": c.name, "town": TOWN_BY_KEY[c.town].name,
             "recipients": len(c.contacts)} for c in world.confounders]
    chatty = world.chatty if world.chatty is not None else np.array([], np.int64)
    conf += [{"number": str(ph.number[i]), "kind": "chatty_user", "name": "", "town": TOWN_BY_KEY[str(ph.town[i])].name,
              "recipients": 0} for i in chatty]
    out("confounders.csv", pl.DataFrame(conf))

    cu = world.cuckooed
    if cu is None:
        cu = pl.DataFrame(schema={"line_id": pl.String, "pidx": pl.Int64, "from_ts": pl.Int64, "to_ts": pl.Int64})
    out("cuckooed.csv", cu.join(people.select(["pidx", "person_id", "house", "street", "postcode"]), on="pidx").select(
        "line_id", pl.col("person_id").alias("resident_person_id"), (pl.col("house") + " " + pl.col("street")).alias("address"),
        "postcode", iso_utc(cu.join(people.select("pidx"), on="pidx")["from_ts"]).alias("from"),
        iso_utc(cu.join(people.select("pidx"), on="pidx")["to_ts"]).alias("to")))

    owner = np.where(ph.owner >= 0, pid[np.maximum(ph.owner, 0)], np.array(None, dtype=object))
    out("phones.csv", pl.DataFrame({
        "number": ph.number.astype(str), "kind": ph.kind.astype(str), "person_id": pl.Series(owner.tolist(), dtype=pl.String),
        "imei": world.imeis[ph.imei].astype(str), "in_panel": ph.in_panel,
    }).sort("number"))
    return rows
