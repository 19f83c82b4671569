"""Every row the simulator writes is valid under DATA-CONTRACT v1 (a light, independent validator)."""

from __future__ import annotations

import re
from datetime import date, datetime

import phonenumbers
import polars as pl
import pytest

FORCES = {
    "avon-and-somerset", "bedfordshire", "cambridgeshire", "cheshire", "city-of-london", "cleveland", "cumbria",
    "derbyshire", "devon-and-cornwall", "dorset", "durham", "dyfed-powys", "essex", "gloucestershire",
    "greater-manchester", "gwent", "hampshire", "hertfordshire", "humberside", "kent", "lancashire",
    "leicestershire", "lincolnshire", "merseyside", "metropolitan", "norfolk", "north-wales", "north-yorkshire",
    "northamptonshire", "northumbria", "nottinghamshire", "south-wales", "south-yorkshire", "staffordshire",
    "suffolk", "surrey", "sussex", "thames-valley", "warwickshire", "west-mercia", "west-midlands",
    "west-yorkshire", "wiltshire", "british-transport-police", "police-scotland", "psni",
}
AGENCY_TYPES = {"police", "nca", "local_authority", "education", "health", "housing", "charity", "telecoms", "other"}
EVENT_TYPES = {
    "intelligence", "missing_episode", "found_out_of_area", "stop_search", "arrest", "charge", "drug_seizure",
    "cash_seizure", "weapon_seizure", "cuckooing_report", "violence_incident", "ae_attendance", "school_exclusion",
    "persistent_absence", "safeguarding_referral", "nrm_referral", "anonymous_report", "asb_report", "anpr_sighting",
    "address_visit", "domestic_abuse", "care_placement", "intervention", "other",
}
ROLES = {"subject", "suspect", "victim", "witness", "associate", "missing_person", "reporter", "pupil", "patient"}
RELATIONS = {"uses_phone", "resides_at", "frequents", "drives", "associate_of", "family_of", "controls", "uses_handset"}
REQUIRED = {
    "persons": {"record_id"},
    "events": {"record_id", "event_type", "occurred_at"},
    "event_people": {"event_id", "person_id", "role"},
    "links": {"left", "relation", "right"},
    "comms": {"a_number", "b_number", "kind", "started_at"},
    "cell_sites": {"cell_id", "lat", "lon"},
}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}$")
VRM = re.compile(r"^[A-Z]{2}[0-9]{2} [A-Z]{3}$")


def phone_ok(value: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, "GB"))
    except phonenumbers.NumberParseException:
        return False


def postcode_ok(value: str) -> bool:
    return bool(POSTCODE.match(re.sub(r"\s+", " ", value.strip().upper())))


def date_ok(value: str, fmt: str | None = None) -> bool:
    """Full dates in the feed's format (or ISO); partial YYYY and YYYY-MM in ISO form."""
    if re.fullmatch(r"\d{4}", value):
        return True
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return 1 <= int(value[5:]) <= 12
    try:
        if fmt:
            datetime.strptime(value, fmt)
        else:
            date.fromisoformat(value)
        return True
    except ValueError:
        return False


def datetime_ok(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def bad(df: pl.DataFrame, col: str, ok) -> list[str]:  # type: ignore[no-untyped-def]
    vals = df[col].drop_nulls().unique().to_list()
    return [v for v in vals if not ok(v)][:5]


def test_manifest_names_agencies_and_feeds(sim) -> None:
    m = sim.manifest
    assert m["contract_version"] == 1
    ids = {a["id"] for a in m["agency"]}
    for a in m["agency"]:
        assert re.fullmatch(r"[a-z0-9-]+", a["id"])
        assert a["type"] in AGENCY_TYPES and a["force_area"] in FORCES
    for need in ("gwent-police", "merseyside-police", "west-midlands-police", "met-police"):
        assert need in ids
    types = {a["type"] for a in m["agency"]}
    assert {"police", "local_authority", "education", "health", "charity", "telecoms"} <= types
    for f in m["feed"]:
        assert f["source"] in ids
        assert (sim.bundle / f["file"]).exists()
    school = [f for f in m["feed"] if f["kind"] == "persons" and f.get("columns")]
    assert school and school[0]["formats"]["date_of_birth"] == "%d/%m/%Y"


def test_required_columns_present(sim) -> None:
    for f in sim.manifest["feed"]:
        cols = set(sim.read(f).columns)
        missing = REQUIRED[f["kind"]] - cols
        assert not missing, (f["file"], missing)


def test_persons_rows_valid(sim) -> None:
    for f in sim.feeds("persons"):
        df = sim.read(f)
        assert df["record_id"].null_count() == 0 and df["record_id"].n_unique() == df.height, f["file"]
        named = df.filter(pl.col("given_name").is_null() & pl.col("family_name").is_null() & pl.col("aliases").is_null()
                          if "aliases" in df.columns else pl.col("given_name").is_null() & pl.col("family_name").is_null())
        assert named.height == 0, f["file"]
        assert set(df["sex"].drop_nulls().unique().to_list()) <= {"F", "M", "X", "U"}
        fmt = f.get("formats", {}).get("date_of_birth")
        assert not bad(df, "date_of_birth", lambda v, fmt=fmt: date_ok(v, fmt)), f["file"]
        assert not bad(df, "postcode", postcode_ok), f["file"]
        phones = df["phone"].drop_nulls().str.split(";").explode().str.strip_chars()
        assert all(phone_ok(p) for p in phones.unique().to_list()), f["file"]


def test_events_rows_valid(sim) -> None:
    for f in sim.feeds("events"):
        df = sim.read(f)
        assert df["record_id"].n_unique() == df.height
        assert set(df["event_type"].unique().to_list()) <= EVENT_TYPES
        assert not bad(df, "occurred_at", lambda v: datetime_ok(v) or date_ok(v))
        assert not bad(df, "ended_at", datetime_ok)
        assert not bad(df, "postcode", postcode_ok)
        assert not bad(df, "phone", phone_ok)
        assert not bad(df, "vehicle", lambda v: bool(VRM.match(v)))
        assert set(df["force_area"].drop_nulls().unique().to_list()) <= FORCES
        assert set(df["source_eval"].drop_nulls().unique().to_list()) <= {"1", "2", "3"}
        assert set(df["intel_assessment"].drop_nulls().unique().to_list()) <= set("ABCDE")
        assert set(df["handling_code"].drop_nulls().unique().to_list()) <= {"P", "C"}
        coded = df.filter(pl.col("handling_code") == "C")
        assert coded["handling_conditions"].null_count() == 0, f["file"]
        assert not bad(df, "lat", lambda v: 49 < float(v) < 56)  # Great Britain
        assert not bad(df, "lon", lambda v: -6 < float(v) < 2)
        iv = df.filter(pl.col("event_type") == "intervention")
        assert iv["programme"].null_count() == 0 and iv["ended_at"].null_count() == 0


def test_event_people_reference_same_source(sim) -> None:
    by_source = {f["source"]: f for f in sim.feeds("persons")}
    events = {f["source"]: f for f in sim.feeds("events")}
    for f in sim.feeds("event_people"):
        df = sim.read(f)
        assert set(df["role"].unique().to_list()) <= ROLES
        persons = set(sim.read(by_source[f["source"]])["record_id"].to_list())
        evs = set(sim.read(events[f["source"]])["record_id"].to_list())
        assert set(df["person_id"].to_list()) <= persons, f["file"]
        assert set(df["event_id"].to_list()) <= evs, f["file"]


def _endpoint_ok(value: str, persons: set[str]) -> bool:
    kind, _, rest = value.partition(":")
    if kind == "person":
        return rest in persons
    if kind == "phone":
        return phone_ok(rest)
    if kind == "handset":
        return bool(re.fullmatch(r"\d{15}", rest))
    if kind == "vehicle":
        return bool(VRM.match(rest))
    if kind == "address":
        pc, sep, addr = rest.partition("|")
        return bool(sep) and postcode_ok(pc) and bool(addr.strip())
    return False


def test_links_endpoints_readable(sim) -> None:
    by_source = {f["source"]: f for f in sim.feeds("persons")}
    seen = set()
    for f in sim.feeds("links"):
        df = sim.read(f)
        persons = set(sim.read(by_source[f["source"]])["record_id"].to_list())
        assert set(df["relation"].unique().to_list()) <= RELATIONS
        seen |= set(df["relation"].unique().to_list())
        for side in ("left", "right"):
            wrong = [v for v in df[side].to_list() if not _endpoint_ok(v, persons)]
            assert not wrong, (f["file"], wrong[:5])
        assert not bad(df, "observed_at", lambda v: date_ok(v) or datetime_ok(v))
    assert seen == RELATIONS  # every relation the contract has is exercised


def test_comms_and_cells_valid(sim) -> None:
    cells = sim.read(sim.feeds("cell_sites")[0])
    assert cells["cell_id"].n_unique() == cells.height
    assert set(cells["force_area"].drop_nulls().unique().to_list()) <= FORCES
    cell_ids = set(cells["cell_id"].to_list())
    df = sim.comms()
    assert set(df["kind"].unique().to_list()) == {"voice", "sms", "mms"}
    numbers = pl.concat([df["a_number"], df["b_number"]]).unique().to_list()
    assert all(phone_ok(n) for n in numbers)
    assert df.filter(pl.col("kind") == "voice")["duration_s"].null_count() == 0
    assert set(df["a_imei"].drop_nulls().str.len_chars().unique().to_list()) == {15}
    used = set(df["a_cell"].drop_nulls().unique().to_list()) | set(df["b_cell"].drop_nulls().unique().to_list())
    assert used <= cell_ids
    sample = df["started_at"].unique().to_list()[:5000]
    assert all(datetime_ok(v) for v in sample)
    start = df["started_at"].min()
    end = df["started_at"].max()
    assert start >= "2026-05-31T23:00:00Z" and end < "2026-11-02"


@pytest.mark.parametrize("prefixes", [("0771", "0772", "0773", "0774", "0775", "0776", "0777", "0780", "0781",
                                       "0784", "0785", "0786", "0787", "0788", "0789", "0794", "0795", "0796",
                                       "0797", "0798", "0799")])
def test_phones_use_valid_mobile_prefixes(sim, prefixes) -> None:
    numbers = sim.truth("phones.csv")["number"].to_list()
    assert all(("0" + n[3:])[:4] in prefixes for n in numbers)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in numbers[:2000])
