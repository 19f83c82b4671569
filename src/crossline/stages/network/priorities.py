"""Lines and groups ranked on one national scale of harm, in the spirit of MoRiLE.

Each factor has a value counted from the picture and a cap: it earns
``weight x min(value, cap) / cap`` points (weights from ``[network]`` in
crossline.toml), and the score is the points as a share of all weights (0 to
100). Every factor is shown with its value and points. The force a line is run
from is never a factor: reach counts the areas where harm lands (markets,
where runners are seen, where customers are), so moving a line's owning force
changes neither its score nor its rank (tests/network/test_priorities.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crossline.settings.network import NetworkSettings
from crossline.stages.network.inputs import Inputs


@dataclass(frozen=True)
class Factor:
    name: str
    group: str  # harm | threat | opportunity
    cap: float
    words: str


FACTORS: tuple[Factor, ...] = (
    Factor("violence", "harm", 5, "violence incidents"),
    Factor("weapons", "harm", 3, "weapon seizures"),
    Factor("children", "harm", 5, "children running for it"),
    Factor("cuckooing", "harm", 3, "homes taken over"),
    Factor("nrm", "harm", 3, "NRM referrals"),
    Factor("customers", "threat", 200, "customers"),
    Factor("numbers", "threat", 5, "numbers used"),
    Factor("rebrands", "threat", 4, "number changes"),
    Factor("reach", "threat", 4, "force areas reached"),
    Factor("evidence", "opportunity", 1, "evidence strength"),
    Factor("ddtro", "opportunity", 1, "DDTRO-eligible"),
)
EVENT_FACTORS = {"violence": "violence_incident", "weapons": "weapon_seizure", "cuckooing": "cuckooing_report", "nrm": "nrm_referral"}
SCHEMA = {"rank": pl.Int64, "subject_type": pl.String, "subject_id": pl.String, "score": pl.Float64, "harm_points": pl.Float64,
          "force_areas": pl.String, "reasons": pl.String, **{f.name: pl.Float64 for f in FACTORS}}


def weights(s: NetworkSettings) -> dict[str, float]:
    return {f.name: float(getattr(s, f"weight_{f.name}")) for f in FACTORS}


def _line_factors(inp: Inputs, members: pl.DataFrame, s: NetworkSettings) -> pl.DataFrame:
    """One row per line: each factor's value, the events behind the harm factors, and the areas involved."""
    lines = inp.lines.drop_nulls("line_id")
    people = members.select("nominal_id", "role", pl.col("line_ids").str.split(";").alias("line_id")).explode("line_id").drop_nulls("line_id")
    work_numbers = pl.concat([inp.line_numbers.select("line_id", "number"), inp.runners.select("line_id", "number")]).drop_nulls()
    ep = inp.event_people.filter(pl.col("event_type").is_in(list(EVENT_FACTORS.values())))
    by_person = ep.join(people.select("nominal_id", "line_id").unique(), on="nominal_id").select("line_id", "event", "event_type")
    by_phone = ep.join(work_numbers, left_on="phone", right_on="number").select("line_id", "event", "event_type")
    events = pl.concat([by_person, by_phone]).unique()
    counts = events.group_by("line_id").agg(
        *[(pl.col("event_type") == t).sum().cast(pl.Float64).alias(name) for name, t in EVENT_FACTORS.items()])
    ages = inp.people.select("nominal_id", "age")
    children = people.filter(pl.col("role") == "runner").unique(["line_id", "nominal_id"]).join(ages, on="nominal_id", how="left").group_by(
        "line_id").agg((pl.col("age") < 18).sum().cast(pl.Float64).alias("children"))
    numbers = inp.line_numbers.drop_nulls(["line_id", "number"]).group_by("line_id").agg(pl.col("number").n_unique().cast(pl.Float64).alias("numbers"))
    reach_rows = pl.concat([
        lines.select("line_id", pl.col("market_areas").str.split(";").alias("area")).explode("area"),
        inp.runners.select("line_id", pl.col("force_area").alias("area")),
        inp.customers.select("line_id", pl.col("force_area").alias("area")),
    ]).drop_nulls().filter(pl.col("area") != "")
    reach = reach_rows.group_by("line_id").agg(pl.col("area").n_unique().cast(pl.Float64).alias("reach"),
                                               pl.col("area").unique().sort().str.join(";").alias("harm_areas"))
    out = lines.select("line_id", "controller_area", pl.col("customers").cast(pl.Float64).fill_null(0.0),
                       pl.col("confidence").fill_null(0.0).alias("evidence"),
                       ((pl.col("status") == "active") & (pl.col("confidence").fill_null(0.0) >= s.ddtro_min_confidence)).cast(pl.Float64).alias("ddtro"))
    for part in (counts, children, numbers, reach):
        out = out.join(part, on="line_id", how="left")
    return out.with_columns(
        [pl.col(f.name).fill_null(0.0) for f in FACTORS if f.name not in ("rebrands",)]
    ).with_columns((pl.col("numbers") - 1).clip(lower_bound=0).alias("rebrands"))


def _value(value: pl.Expr) -> pl.Expr:
    """A factor's value as people write it: a count whole ("5 children", not "5.0"), a share to two places (0.88)."""
    return pl.when(value == value.round(0)).then(value.cast(pl.Int64).cast(pl.String)).otherwise(value.round(2).cast(pl.String))


def _score(frame: pl.DataFrame, w: dict[str, float]) -> pl.DataFrame:
    total = sum(w.values()) or 1.0
    pts = {f.name: pl.lit(w[f.name]) * pl.min_horizontal(pl.col(f.name), pl.lit(float(f.cap))) / f.cap for f in FACTORS}
    harm = [pts[f.name] for f in FACTORS if f.group == "harm"]
    reasons = pl.concat_str([
        pl.format("{} " + f.words + " ({} of {} points)", _value(pl.col(f.name)), pts[f.name].round(1), pl.lit(w[f.name]))
        for f in FACTORS], separator=";")
    return frame.with_columns(
        (pl.sum_horizontal(list(pts.values())) * 100 / total).round(1).alias("score"),
        pl.sum_horizontal(harm).round(2).alias("harm_points"),
        reasons.alias("reasons"))


def _rank(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(["score", "subject_id"], descending=[True, False]).with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))


def prioritise(inp: Inputs, members: pl.DataFrame, s: NetworkSettings) -> pl.DataFrame:
    w = weights(s)
    lf = _line_factors(inp, members, s)
    if lf.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    lines = _rank(_score(lf, w).with_columns(
        pl.lit("line").alias("subject_type"), pl.col("line_id").alias("subject_id"),
        pl.concat_str([pl.col("controller_area"), pl.col("harm_areas")], separator=";", ignore_nulls=True).alias("force_areas")))
    groups = members.select("ocg_id", pl.col("line_ids").str.split(";").alias("line_id")).explode("line_id").drop_nulls().unique()
    g = groups.join(lf, on="line_id").group_by("ocg_id").agg(
        *[pl.col(f.name).sum() for f in FACTORS if f.name not in ("evidence", "ddtro", "reach")],
        pl.col("evidence").max(), pl.col("ddtro").max(),
        pl.col("harm_areas").drop_nulls().str.split(";").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("areas"),
        pl.col("controller_area").drop_nulls().unique().sort().alias("owners"))
    g = g.with_columns(pl.col("areas").list.len().cast(pl.Float64).alias("reach"))
    ocgs = _rank(_score(g, w).with_columns(
        pl.lit("ocg").alias("subject_type"), pl.col("ocg_id").alias("subject_id"),
        pl.concat_list("owners", "areas").list.unique().list.sort().list.join(";").alias("force_areas")))
    cols = list(SCHEMA)
    return pl.concat([lines.select([pl.col(c).cast(t) for c, t in SCHEMA.items()]), ocgs.select([pl.col(c).cast(t) for c, t in SCHEMA.items()])]).select(cols)
