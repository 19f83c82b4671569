"""Issue 4 item 10 on a realistic scenario: each hand-written case links or stays apart as it should."""

from __future__ import annotations

import json

import polars as pl
import pytest

from resolve_cases import APART, SAME
from resolve_support import Resolved


@pytest.mark.parametrize(("case", "records"), SAME, ids=[c for c, _ in SAME])
def test_resolve_links(resolved: Resolved, case: str, records: list[tuple[str, str]]) -> None:
    nominals = {resolved.nominal(source, record) for source, record in records}
    assert len(nominals) == 1, f"{case}: {records} should be one nominal, got {nominals}"


@pytest.mark.parametrize(("case", "records"), APART, ids=[c for c, _ in APART])
def test_resolve_keeps_apart(resolved: Resolved, case: str, records: list[tuple[str, str]]) -> None:
    nominals = [resolved.nominal(source, record) for source, record in records]
    assert len(set(nominals)) == len(records), f"{case}: {records} should be {len(records)} nominals, got {nominals}"


def test_resolve_shared_phone_is_weak_evidence(resolved: Resolved) -> None:
    """A phone in common never weighs more than the cap, and never outweighs a different name and birthday."""
    model = json.loads(resolved.table("resolve_model")["model"][0])
    phone = model["levels"]["phone"]["a phone in common"]
    import math

    assert math.log2(phone["m"] / phone["u"]) <= 2.0 + 1e-9
    pairs = resolved.table("pairs")
    household = pairs.filter(pl.col("record_a").is_in(["CP-1", "CP-2", "CS-1"]) & pl.col("record_b").is_in(["CP-1", "CP-2", "CS-1"]))
    assert household.filter(pl.col("linked")).height == 0
    assert (household["mw_phone"] <= 2.0 + 1e-9).all()


def test_resolve_every_record_has_one_nominal(resolved: Resolved) -> None:
    nominals = resolved.table("nominals")
    with resolved.ws.engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT COUNT(*) FROM persons")).scalar()
    assert nominals.height == stored
    assert nominals.select("source", "record_id").is_duplicated().sum() == 0
    exported = pl.read_csv(resolved.exports / "nominals.csv", infer_schema=False)
    assert exported.columns == ["nominal_id", "source", "record_id", "match_probability"]
    assert exported.height == stored
    assert (resolved.exports / "nominals.parquet").exists()
    # a record alone in its nominal has no match probability; a linked one has its strongest link's
    sizes = nominals.group_by("nominal_id").len()
    joined = nominals.join(sizes, on="nominal_id")
    assert joined.filter(pl.col("len") == 1)["match_probability"].null_count() == joined.filter(pl.col("len") == 1).height
    assert (joined.filter(pl.col("len") > 1)["match_probability"] >= 0.9).all()


def test_resolve_accuracy_on_the_scenario(resolved: Resolved) -> None:
    """Pairwise F1 against the simulator's truth (the benchmark measures it properly; this guards regressions)."""
    truth = pl.read_csv(resolved.sim / "truth" / "person_records.csv", infer_schema=False)
    joined = resolved.table("nominals").join(truth.select("source", "record_id", "person_id"), on=["source", "record_id"])

    def pairs(frame: pl.DataFrame, *keys: str) -> float:
        n = frame.group_by(*keys).len()["len"].cast(pl.Float64)
        return float((n * (n - 1) / 2).sum())

    tp, predicted, true = pairs(joined, "nominal_id", "person_id"), pairs(joined, "nominal_id"), pairs(joined, "person_id")
    precision, recall = tp / predicted, tp / true
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.95, (precision, recall, f1)


def test_resolve_review_queue_is_ranked_and_explained(resolved: Resolved) -> None:
    everything = resolved.table("review_queue")
    assert everything["rank"].to_list() == list(range(1, everything.height + 1))
    # the links the constraints left out come first, each with its note; then the borderline pairs
    kept_apart = everything["explanation"].str.contains('"constraint"').to_list()
    assert kept_apart == sorted(kept_apart, reverse=True)
    queue = everything.filter(~pl.Series(kept_apart))
    assert queue.height > 0
    assert queue["impact"].is_sorted(descending=True)
    assert ((queue["match_probability"] >= 0.3) & (queue["match_probability"] < 0.995)).all()
    first = json.loads(queue["explanation"][0])
    assert {f["comparison"] for f in first["fields"]} >= {"given_name", "family_name", "date_of_birth", "location"}
    total = first["prior"] + sum(f["weight"] for f in first["fields"])
    assert total == pytest.approx(queue["match_weight"][0], abs=0.05)


def test_resolve_constraint_splits_are_explained_in_the_queue(resolved: Resolved) -> None:
    """Issue 13 item 1: the father-son chain was split, and the queue says why, naming both records."""
    queue = resolved.table("review_queue")
    split = queue.filter(pl.col("explanation").str.contains("Kept apart") & pl.col("explanation").str.contains("Ashcombe|CH-10|CP-10|CH-11|CS-10"))
    assert split.height >= 1
    assert not split["linked"].any()
    from crossline.stages.resolve.explain import lines

    first = lines(split["explanation"][0], split["match_probability"][0])
    assert first[0].startswith("Kept apart:") and ("years apart" in first[0] or "differ" in first[0])
    details = json.loads(resolved.table("resolve_model")["details"][0])
    assert details["constraint_splits"] >= 1 and details["overridden_constraints"] == []


def test_resolve_no_nominal_holds_dates_a_generation_apart(resolved: Resolved) -> None:
    """Issue 13 item 5 on the scenario: no nominal holds two records whose own dates of birth are a generation apart.

    (The benchmark also counts nominals joining true people ten years apart: a record with no date of birth can
    still join a parent and a child of one name at one home, which no record's fields tell apart.)
    """
    from crossline.stages.resolve.constraints import within_clusters

    records = resolved.table("resolve_records")
    labels = records["nominal_id"].rank("dense").cast(pl.Int64).to_numpy()
    assert within_clusters(records, labels) == []


def test_resolve_keeps_namesake_children_of_one_home_apart(resolved: Resolved) -> None:
    """The scenario's two children of one name at one home, one to three years apart (cousins brought up together),
    never share a nominal through their dated records (namesakes guard; a record with no date may still join one of
    them, as for a parent and a child)."""
    from crossline.sim.namesakes import namesake_pairs

    people = pl.read_csv(resolved.sim / "truth" / "persons.csv", infer_schema=False).with_columns(
        pl.col("person_id").str.slice(2).cast(pl.Int64).alias("pidx"), pl.col("date_of_birth").str.to_date())
    close = namesake_pairs(people).filter((pl.col("years") >= 1) & (pl.col("years") <= 3))
    assert close.height >= 10  # the scenario plants them: the test has something to look at
    truth = pl.read_csv(resolved.sim / "truth" / "person_records.csv", infer_schema=False).select(
        "source", "record_id", pl.col("person_id").str.slice(2).cast(pl.Int64).alias("pidx"))
    dated = (resolved.table("resolve_records").filter(pl.col("dob_day").is_not_null()).select("source", "record_id", "nominal_id")
             .join(truth, on=["source", "record_id"]).select("pidx", "nominal_id").unique())
    joined = (close.join(dated, left_on="pidx_a", right_on="pidx").join(dated, left_on="pidx_b", right_on="pidx", suffix="_b")
              .filter(pl.col("nominal_id") == pl.col("nominal_id_b")))
    assert joined.height == 0, joined


def test_resolve_keeps_a_wholly_wrong_date_with_its_person_when_an_identifier_ties_it(resolved: Resolved) -> None:
    """The scenario's ``dob_wrong`` records (a date no typo explains) that share an identifier with another record of
    their person end in a nominal with their person's other records, not standing apart on the date alone."""
    truth = pl.read_csv(resolved.sim / "truth" / "person_records.csv", infer_schema=False).select(
        "source", "record_id", "person_id", pl.col("noise").fill_null("").str.split(";").list.contains("dob_wrong").alias("wrong"))
    ids = ("nhs", "pnc", "upn")
    records = resolved.table("resolve_records").select("source", "record_id", "nominal_id", *ids).join(
        truth, on=["source", "record_id"])
    tied = records.filter(pl.col("wrong")).join(records.filter(~pl.col("wrong")), on="person_id", suffix="_o").filter(
        pl.any_horizontal([pl.col(c) == pl.col(f"{c}_o") for c in ids]))
    assert tied["record_id"].n_unique() >= 3  # the scenario plants them: the test has something to look at
    apart = tied.group_by("source", "record_id").agg((pl.col("nominal_id") == pl.col("nominal_id_o")).any().alias("joined")).filter(
        ~pl.col("joined"))
    assert apart.height == 0, apart


def test_resolve_says_which_dates_a_generation_apart_it_took_as_errors(resolved: Resolved) -> None:
    """Morwenna's school record, keyed with her mother's date, shares her nominal: the build lists the pair and why."""
    details = json.loads(resolved.table("resolve_model")["details"][0])
    assert details["dates_taken_as_errors_count"] >= len(details["dates_taken_as_errors"]) >= 2

    def reason(a: str, b: str) -> str:
        return next(item["reason"] for item in details["dates_taken_as_errors"] if {a, b} == set(item["records"].split(" and ")))

    assert reason("case-school CS-50", "case-council CC-50") == (
        "dates of birth 26 years apart (2010-04-12 / 1983-09-27): an identifier in common says one date is wrong")
    assert reason("case-school CS-50", "case-health CH-50").endswith("26 years apart (2010-04-12 / 1983-09-27): a lone date an identifier exposes")


def test_resolve_a_feeds_own_dates_never_bound_its_undated_records_away_from_their_own_person(resolved: Resolved) -> None:
    """Whom a feed serves (``served.py``) on the scenario: the schools' dated pupils bound their undated records'
    births, a generation wide, and so do the adults a force lists as victims of domestic abuse; no undated record's
    own person (the simulator's truth) is born outside its groups' bound, so the bound keeps parents (and babies)
    out, never the person themself."""
    details = json.loads(resolved.table("resolve_model")["details"][0])["served_ages"]
    school = details["groups"]["valleys-schools-trust"]
    assert "1990-01-01" < school["born_after"] < "2000-01-01" and details["unused"] == []
    truth = pl.read_csv(resolved.sim / "truth" / "person_records.csv", infer_schema=False).join(
        pl.read_csv(resolved.sim / "truth" / "persons.csv", infer_schema=False).select("person_id", "date_of_birth"), on="person_id")
    bounded = resolved.table("resolve_records").filter(pl.col("served_after").is_not_null()).join(
        truth, on=["source", "record_id"])
    assert bounded.filter(pl.col("source") == "valleys-schools-trust").height >= 10  # the schools leave some pupils undated
    # the victims a force's domestic abuse events list are adults: a group of its own, bounding its undated victims
    victims = details["groups"]["gwent-police: victim in domestic_abuse"]
    assert victims["born_after"] > "1940-01-01" and victims["born_before"] < "2020-01-01"
    assert bounded.filter(pl.col("served_by").str.contains("gwent-police: victim in domestic_abuse")).height >= 10
    outside = bounded.filter((pl.col("date_of_birth") <= pl.col("served_after")) | (pl.col("date_of_birth") >= pl.col("served_before")))
    assert outside.select("source", "record_id", "date_of_birth", "served_after", "served_before").to_dicts() == []
