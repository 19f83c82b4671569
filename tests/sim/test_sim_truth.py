"""Truth files agree with the bundle, and the mechanics behave as docs/simulator.md says."""

from __future__ import annotations

import polars as pl
import pytest

from crossline.sim.geography import TOWNS


def e164(col: str) -> pl.Expr:
    return pl.when(pl.col(col).str.starts_with("0")).then("+44" + pl.col(col).str.slice(1)).otherwise(pl.col(col)).alias(col)


@pytest.fixture(scope="module")
def comms(sim) -> pl.DataFrame:
    df = sim.comms().with_columns(e164("a_number"), e164("b_number"),
                                  pl.col("started_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").alias("t"))
    cells = sim.read(sim.feeds("cell_sites")[0]).select(["cell_id", pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64)])
    centres = pl.DataFrame({"town": [t.name for t in TOWNS], "tlat": [t.lat for t in TOWNS], "tlon": [t.lon for t in TOWNS]})
    # each cell's nearest town centre
    near = cells.join(centres, how="cross").with_columns(((pl.col("lat") - pl.col("tlat")) ** 2 + (pl.col("lon") - pl.col("tlon")) ** 2).alias("d"))
    near = near.sort("d").group_by("cell_id").first().select(["cell_id", "town"])
    return df.join(near.rename({"cell_id": "a_cell", "town": "a_town"}), on="a_cell", how="left").join(
        near.rename({"cell_id": "b_cell", "town": "b_town"}), on="b_cell", how="left")


def test_every_record_has_a_true_person(sim) -> None:
    pr = sim.truth("person_records.csv")
    ids = set(sim.truth("persons.csv")["person_id"].to_list())
    assert set(pr["person_id"].to_list()) <= ids
    keys = {(s, r) for s, r in pr.select(["source", "record_id"]).iter_rows()}
    bundle = set()
    for f in sim.feeds("persons"):
        bundle |= {(f["source"], r) for r in sim.read(f)["record_id"].to_list()}
    assert keys == bundle
    assert sim.summary.person_records == len(bundle)
    assert sim.summary.persons == len(ids)


def test_every_line_number_appears_in_comms(sim, comms) -> None:
    numbers = set(sim.truth("line_numbers.csv")["number"].to_list())
    seen = set(comms["a_number"].to_list()) | set(comms["b_number"].to_list())
    assert numbers <= seen
    lines = sim.truth("lines.csv")
    assert lines.height == sim.summary.lines
    assert set(sim.truth("line_numbers.csv")["line_id"].to_list()) == set(lines["line_id"].to_list())


def test_lines_come_from_the_hubs_and_from_inside_wales(sim) -> None:
    lines = sim.truth("lines.csv")
    areas = set(lines["controller_area"].to_list())
    assert {"merseyside", "west-midlands", "metropolitan", "gwent"} <= areas
    assert (lines["internal"] == "true").any()
    assert set(lines["market_area"].to_list()) == {"gwent"}


def test_flares_reach_most_customers_within_minutes(sim, comms) -> None:
    quiet = sim.truth("lines.csv").filter(pl.col("quiet") == "true")["line_id"].to_list()  # issue 18: they never flare
    nums = sim.truth("line_numbers.csv").filter((pl.col("ended_by") == "period_end") & ~pl.col("line_id").is_in(quiet))
    sms = comms.filter(pl.col("kind") == "sms")
    for number, customers in nums.select(["number", pl.col("customers").cast(pl.Int64)]).iter_rows():
        out = sms.filter(pl.col("a_number") == number).sort("t")
        # biggest number of distinct recipients within any 10-minute window starting at a message
        bursts = out.group_by_dynamic("t", every="10m", period="10m").agg(pl.col("b_number").n_unique().alias("n"))
        assert bursts["n"].max() >= 0.6 * customers, number
        days_with_burst = bursts.filter(pl.col("n") >= 0.5 * customers)["t"].dt.date().n_unique()
        assert days_with_burst >= 0.5 * out["t"].dt.date().n_unique()


def test_quiet_lines_never_flare_but_take_orders(sim, comms) -> None:
    quiet = sim.truth("lines.csv").filter(pl.col("quiet") == "true")["line_id"].to_list()
    assert quiet, "the default scenario has quiet lines"
    nums = sim.truth("line_numbers.csv").filter(pl.col("line_id").is_in(quiet))["number"].to_list()
    sms = comms.filter((pl.col("kind") == "sms") & pl.col("a_number").is_in(nums)).sort("t")
    bursts = sms.group_by_dynamic("t", every="2m", period="2m", group_by="a_number").agg(pl.col("b_number").n_unique().alias("n"))
    assert bursts["n"].max() < 15  # never a bulk burst (the detector's min_burst)
    assert comms.filter(pl.col("b_number").is_in(nums)).height > 0


def test_holders_sit_in_the_hub_and_customers_in_the_market(sim, comms) -> None:
    lines = sim.truth("lines.csv").join(sim.truth("line_numbers.csv"), on="line_id")
    for number, hub, markets in lines.select(["number", "hub_town", "market_towns"]).iter_rows():
        out = comms.filter((pl.col("a_number") == number) & pl.col("a_town").is_not_null())
        assert (out["a_town"] == hub).mean() > 0.95, number
        inbound = comms.filter((pl.col("b_number") == number) & (pl.col("kind") != "mms") & pl.col("a_town").is_not_null())
        if inbound.height:
            assert inbound["a_town"].is_in(markets.split(";") + [hub]).mean() > 0.6, number


def test_orders_get_call_backs_the_same_day(sim, comms) -> None:
    nums = sim.truth("line_numbers.csv")["number"].to_list()
    orders = comms.filter(pl.col("b_number").is_in(nums)).select(["a_number", "b_number", "t"]).rename(
        {"a_number": "customer", "b_number": "line"})
    calls = comms.filter(pl.col("a_number").is_in(nums) & (pl.col("kind") == "voice")).select(
        [pl.col("a_number").alias("line"), pl.col("b_number").alias("customer"), pl.col("t").alias("tc")])
    joined = orders.join(calls, on=["line", "customer"]).filter((pl.col("tc") > pl.col("t")) & (pl.col("tc") - pl.col("t") < pl.duration(minutes=30)))
    share = joined.unique(["customer", "line", "t"]).height / orders.height
    assert 0.3 < share < 0.95


def test_successions_flare_the_old_customers_within_hours(sim, comms) -> None:
    succ = sim.truth("successions.csv")
    assert succ.height == sim.summary.successions >= 1
    assert set(succ["same_imei"].to_list()) <= {"true", "false"}
    sms = comms.filter(pl.col("kind") == "sms")
    for old, new, started, kind in succ.select(["old_number", "new_number", "new_started_at", "kind"]).iter_rows():
        t0 = pl.Series([started]).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")[0]
        old_customers = set(sms.filter(pl.col("a_number") == old)["b_number"].to_list())
        # issue 18: a "trickle" change tells customers one by one over up to 8 hours; at a "partial" one 60% follow
        hours = 9 if "trickle" in kind else 3
        first = sms.filter((pl.col("a_number") == new) & (pl.col("t") >= t0) & (pl.col("t") < t0 + pl.duration(hours=hours)))
        reached = set(first["b_number"].to_list())
        assert len(reached & old_customers) >= (0.4 if "partial" in kind else 0.6) * len(old_customers), (old, new, kind)
        old_imei = set(comms.filter(pl.col("a_number") == old)["a_imei"].drop_nulls().to_list())
        new_imei = set(comms.filter(pl.col("a_number") == new)["a_imei"].drop_nulls().to_list())
        same = succ.filter(pl.col("new_number") == new)["same_imei"][0] == "true"
        assert (old_imei == new_imei) == same


def test_confounders_are_local_and_not_daily_flares(sim, comms) -> None:
    conf = sim.truth("confounders.csv")
    assert {"taxi", "taxi_dispatch", "takeaway", "gp_surgery", "sports_club", "chatty_user"} <= set(conf["kind"].to_list())
    days = comms["t"].dt.date().n_unique()
    for number, kind, town, size in conf.filter(pl.col("kind") != "chatty_user").select(
            ["number", "kind", "town", pl.col("recipients").cast(pl.Int64)]).iter_rows():
        out = comms.filter((pl.col("a_number") == number) & (pl.col("kind") == "sms")).sort("t")
        assert out.height > 0, kind
        assert (out["a_town"].drop_nulls() == town).all()
        assert (out["b_town"].drop_nulls() == town).mean() > 0.9
        bursts = out.group_by_dynamic("t", every="10m").agg(pl.col("b_number").n_unique().alias("n"))
        burst_days = bursts.filter(pl.col("n") >= 0.5 * size)["t"].dt.date().n_unique()
        assert burst_days <= 0.45 * days, kind  # weekly or set weekdays, never every day


def test_ocg_membership_and_exploited_flags(sim) -> None:
    members = sim.truth("ocg_members.csv")
    assert set(members["role"].to_list()) == {"controller", "holder", "runner", "associate"}
    assert members["ocg_id"].n_unique() == sim.summary.ocgs
    persons = sim.truth("persons.csv")
    yp = sim.truth("young_people.csv")
    assert (yp["exploited"] == "true").sum() == sim.summary.exploited == (persons["exploited"] == "true").sum()
    runners = set(members.filter(pl.col("role") == "runner")["person_id"].to_list())
    exploited = set(persons.filter(pl.col("exploited") == "true")["person_id"].to_list())
    assert exploited <= runners


def test_aces_raise_but_do_not_decide_exploitation(sim) -> None:
    yp = sim.truth("young_people.csv").filter(pl.col("p_exploited").cast(pl.Float64) > 0)
    yp = yp.with_columns(pl.col("ace_count").cast(pl.Int64), (pl.col("exploited") == "true").alias("e"))
    with_aces = yp.filter(pl.col("ace_count") > 0)
    without = yp.filter(pl.col("ace_count") == 0)
    assert with_aces["e"].mean() > 2 * without["e"].mean()
    assert without["e"].sum() > 0 and (~with_aces["e"]).sum() > with_aces["e"].sum()


def test_indicators_are_not_trivially_separable(sim) -> None:
    yp = sim.truth("young_people.csv")
    pr = sim.truth("person_records.csv")
    kinds = ["missing_episode", "ae_attendance", "persistent_absence", "stop_search"]
    hits = {}
    for f in sim.feeds("event_people"):
        ep = sim.read(f).with_columns(pl.lit(f["source"]).alias("source"))
        ev = sim.read([g for g in sim.feeds("events") if g["source"] == f["source"]][0]).select(["record_id", "event_type"])
        ep = ep.join(ev, left_on="event_id", right_on="record_id").filter(pl.col("event_type").is_in(kinds))
        ep = ep.join(pr, left_on=["source", "person_id"], right_on=["source", "record_id"])
        for et, pid in ep.select(["event_type", "person_id_right"]).iter_rows():
            hits.setdefault(pid, set()).add(et)
    exploited = set(yp.filter(pl.col("exploited") == "true")["person_id"].to_list())
    others = set(yp.filter(pl.col("exploited") == "false")["person_id"].to_list())
    with_any = {p for p in hits}
    assert len(with_any & others) > len(with_any & exploited)  # many non-exploited have an indicator too
    assert len(with_any & exploited) / max(1, len(exploited)) > 3 * len(with_any & others) / max(1, len(others))


def test_interventions_are_not_random_and_their_true_effects_are_written(sim) -> None:
    eff = sim.truth("intervention_effects.csv")
    assert set(eff["programme"].to_list()) == {"mentoring", "sport", "education", "family_support"}
    assert (eff["true_rate_ratio"].cast(pl.Float64) < 1).all()
    iv = sim.truth("interventions.csv")
    assert iv.height == sim.summary.interventions > 5
    yp = sim.truth("young_people.csv").filter(pl.col("p_exploited").cast(pl.Float64) > 0)
    treated = set(iv["person_id"].to_list())
    yp = yp.with_columns(pl.col("person_id").is_in(list(treated)).alias("treated"), (pl.col("exploited") == "true").alias("e"))
    assert yp.filter("treated")["e"].mean() > 3 * yp.filter(~pl.col("treated"))["e"].mean()
    events = pl.concat([sim.read(f) for f in sim.feeds("events")])
    ivs = events.filter(pl.col("event_type") == "intervention")
    assert ivs.height == iv.height and set(ivs["programme"].to_list()) <= set(eff["programme"].to_list())
