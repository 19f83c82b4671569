"""What the risk stage reads: partners' records joined to nominals, and the lines picture where it exists.

Everything is one query per table (set-based) into Polars frames; person
endpoints of links and participants of events are mapped to nominals through
the ``nominals`` table of the resolve stage. Sex and ethnicity are never read:
protected characteristics are not inputs to the score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import polars as pl

from crossline.contract.geography import force_for_postcodes
from crossline.errors import ConfigurationError, InvalidInput, NotFound
from crossline.settings.risk import RiskSettings, hub_forces

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

Query = Callable[[str], pl.DataFrame]


@dataclass
class Inputs:
    """The frames every indicator is computed from (all timestamps naive UTC)."""

    as_of: datetime
    nominals: pl.DataFrame  # nominal_id, source, record_id
    persons: pl.DataFrame  # nominal_id, source, record_id, date_of_birth, precision, postcode, address, phones (list)
    events: pl.DataFrame  # source, event_id, event_type, occurred_at, ended_at, postcode, force_area, summary, phone, address,
    # programme, handling_code, handling_conditions
    people: pl.DataFrame  # nominal_id, source, event_id, role
    links: pl.DataFrame  # source, link_key, left_kind, left_value, relation, right_kind, right_value, observed_at, left_nominal, right_nominal
    agencies: pl.DataFrame  # agency_id, type, force_area
    casework_nrm: pl.DataFrame  # nominal_id, nrm_id, referred_at
    line_numbers: pl.DataFrame | None  # number, line_id; None when the lines stage has not run
    runners: pl.DataFrame | None  # number, line_id
    read_text: bool  # read records' words (RiskSettings.read_record_text)
    hubs: list[str]  # force areas that are county lines hubs
    markets: list[str]  # force areas that are a detected line's market
    ocg_members: pl.DataFrame | None  # nominal_id (network stage), None when absent

    @property
    def lines_assessed(self) -> bool:
        return self.line_numbers is not None


def _ts(col: str) -> pl.Expr:
    return pl.col(col).str.to_datetime(TS_FORMAT, strict=False, time_zone=None)


def address_key(postcode: pl.Expr, address: pl.Expr) -> pl.Expr:
    """A forgiving key for "the same address": postcode without spaces and the numbers in the address.

    Partners abbreviate streets (St, Rd) and write flats differently; the
    postcode and the house and flat numbers survive those variations.
    """
    pc = postcode.str.to_uppercase().str.replace_all(r"\s+", "")
    nums = address.str.extract_all(r"\d+").list.join("-")
    return pl.when(pc.is_not_null() & (pc != "")).then(pc + pl.lit("|") + nums.fill_null("")).otherwise(None)


def read_nominals(path: Path | None) -> pl.DataFrame:
    if path is None:
        raise NotFound("the risk stage needs the resolve stage's nominals: build the picture with the resolve stage first", next_step="build")
    return pl.read_parquet(path, columns=["nominal_id", "source", "record_id"]).with_columns(
        pl.col("nominal_id").cast(pl.String)
    )


def load_inputs(
    query: Query,
    nominals: pl.DataFrame,
    rs: RiskSettings,
    lines_table: Path | None = None,
    line_numbers_table: Path | None = None,
    runners_table: Path | None = None,
    ocgs_table: Path | None = None,
) -> Inputs:
    """Read the records the indicators need; ``query`` runs SQL on the system of record."""
    events = query(
        "SELECT source, record_id AS event_id, event_type, occurred_at, ended_at, postcode, force_area, summary, "
        "phone, address, programme, handling_code, handling_conditions FROM events"
    ).with_columns(_ts("occurred_at"), _ts("ended_at"))
    as_of = _as_of(rs, events)
    persons = query(
        "SELECT source, record_id, date_of_birth, date_of_birth_precision AS precision, postcode, address, phone FROM persons"
    )
    persons = persons.join(nominals, on=["source", "record_id"], how="inner").with_columns(
        pl.col("phone").str.json_decode(pl.List(pl.String)).alias("phones")
    ).drop("phone")
    people = query("SELECT source, event_id, person_id AS record_id, role FROM event_people").join(
        nominals, on=["source", "record_id"], how="inner"
    ).select("nominal_id", "source", "event_id", "role")
    links = _links(query, nominals)
    agencies = query("SELECT agency_id, type, force_area FROM agencies")
    casework_nrm = _casework_nrm(query)
    lines = _read(lines_table)
    markets: list[str] = []
    hubs = hub_forces(rs)
    if lines is not None:
        if "controller_area" in lines.columns:
            hubs += [a for a in lines["controller_area"].drop_nulls().unique().to_list() if a]
        if "market_areas" in lines.columns:
            markets = sorted(
                set(lines["market_areas"].drop_nulls().str.split(";").explode().str.strip_chars().drop_nulls().to_list()) - {""}
            )
    ocgs = _read(ocgs_table)
    return Inputs(
        as_of=as_of,
        nominals=nominals,
        persons=persons,
        events=events.filter(pl.col("occurred_at") <= as_of),
        people=people,
        links=links.filter(pl.col("observed_at").is_null() | (pl.col("observed_at") <= as_of)),
        agencies=agencies,
        casework_nrm=casework_nrm.filter(pl.col("referred_at") <= as_of),
        line_numbers=_numbers(_read(line_numbers_table)),
        runners=_numbers(_read(runners_table)),
        read_text=rs.read_record_text,
        hubs=sorted(set(hubs)),
        markets=markets,
        ocg_members=ocgs.select(pl.col("nominal_id").cast(pl.String)).unique() if ocgs is not None and "nominal_id" in ocgs.columns else None,
    )


def _as_of(rs: RiskSettings, events: pl.DataFrame) -> datetime:
    """The end of the ``as_of`` day, or the latest event: a rebuild of the same data gives the same scores."""
    if rs.as_of:
        try:
            return datetime.strptime(rs.as_of, "%Y-%m-%d") + timedelta(days=1) - timedelta(seconds=1)
        except ValueError as exc:
            raise ConfigurationError(f"[risk] as_of {rs.as_of!r} is not a date (YYYY-MM-DD); fix crossline.toml") from exc
    latest = events["occurred_at"].max() if events.height else None
    if latest is None:
        return datetime(2000, 1, 1)
    return cast(datetime, latest)


def _links(query: Query, nominals: pl.DataFrame) -> pl.DataFrame:
    raw = query('SELECT source, link_key, "left", relation, "right", observed_at FROM links').with_columns(_ts("observed_at"))
    parts = []
    for side in ("left", "right"):
        split = pl.col(side).str.splitn(":", 2)
        parts += [split.struct.field("field_0").alias(f"{side}_kind"), split.struct.field("field_1").alias(f"{side}_value")]
    out = raw.with_columns(parts).drop("left", "right")
    nom = nominals.rename({"record_id": "_rid"})
    for side in ("left", "right"):
        out = out.join(
            nom.rename({"nominal_id": f"{side}_nominal"}),
            left_on=["source", pl.when(pl.col(f"{side}_kind") == "person").then(pl.col(f"{side}_value"))],
            right_on=["source", "_rid"],
            how="left",
        )
        out = out.drop([c for c in out.columns if c.endswith("_right") or c == "_rid"], strict=False)
    return out


def _casework_nrm(query: Query) -> pl.DataFrame:
    """NRM referrals recorded in Crossline's casework (they feed the next build, like any partner's record)."""
    schema = pl.Schema([("nominal_id", pl.String()), ("nrm_id", pl.String()), ("referred_at", pl.Datetime("us"))])
    frame = query("SELECT nominal_id, nrm_id, referred_at FROM nrm_referrals")  # migration 0003
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return frame.with_columns(  # referral dates are given as dates (YYYY-MM-DD) or timestamps: the day is what counts
        pl.col("nominal_id").cast(pl.String), pl.col("nrm_id").cast(pl.String),
        pl.col("referred_at").str.slice(0, 10).str.to_datetime("%Y-%m-%d", strict=False, time_zone=None),
    )


def _read(path: Path | None) -> pl.DataFrame | None:
    return pl.read_parquet(path) if path is not None and path.exists() else None


def _numbers(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    """A lines-stage table of phone numbers as (number, line_id), whatever the number column is called."""
    if frame is None:
        return None
    col = next((c for c in ("number", "runner_number", "phone", "msisdn") if c in frame.columns), None)
    if col is None:
        raise InvalidInput(f"a lines table has no number column (columns: {', '.join(frame.columns)}); the risk stage cannot read it")
    line = pl.col("line_id").cast(pl.String) if "line_id" in frame.columns else pl.lit(None, pl.String)
    return frame.select(pl.col(col).cast(pl.String).alias("number"), line.alias("line_id")).drop_nulls("number").unique()


def home_force(persons: pl.DataFrame) -> pl.DataFrame:
    """Each nominal's home force area: the commonest force of its records' postcodes."""
    with_force = persons.select("nominal_id", "postcode").drop_nulls("postcode").with_columns(
        force_for_postcodes(persons.drop_nulls("postcode")["postcode"]).alias("force")
    )
    return (
        with_force.drop_nulls("force")
        .group_by("nominal_id", "force")
        .len()
        .sort(["nominal_id", "len", "force"], descending=[False, True, False])
        .group_by("nominal_id", maintain_order=True)
        .agg(pl.col("force").first().alias("home_force"))
    )


def ages(persons: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Each nominal's age in whole years at ``as_of``, from its records' dates of birth (the most precise first)."""
    rank = pl.col("precision").replace_strict({"day": 0, "month": 1, "year": 2}, default=3, return_dtype=pl.Int8)
    dob = (
        pl.when(pl.col("precision") == "day").then(pl.col("date_of_birth"))
        .when(pl.col("precision") == "month").then(pl.col("date_of_birth") + "-15")
        .otherwise(pl.col("date_of_birth") + "-07-01")
        .str.to_date("%Y-%m-%d", strict=False)
    )
    ref = pl.lit(as_of.date())
    age = (ref.dt.year() - pl.col("dob").dt.year()) - (
        (ref.dt.month() < pl.col("dob").dt.month())
        | ((ref.dt.month() == pl.col("dob").dt.month()) & (ref.dt.day() < pl.col("dob").dt.day()))
    ).cast(pl.Int32)
    return (
        persons.filter(pl.col("date_of_birth").is_not_null())
        .with_columns(rank.alias("rank"), dob.alias("dob"))
        .drop_nulls("dob")
        .with_columns(age.alias("age"))
        .group_by("nominal_id")
        .agg(pl.col("age").filter(pl.col("rank") == pl.col("rank").min()).median().floor().cast(pl.Int32).alias("age"))
    )
