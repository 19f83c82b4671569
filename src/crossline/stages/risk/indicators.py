"""Home Office exploitation indicators and adverse childhood experiences, as evidence rows.

Each function turns partners' records into rows of ``EVIDENCE_SCHEMA``: one
row per record that supports an indicator for a nominal, naming the record
(source, kind, id) and saying in plain words what it shows. Points and the
words of the reasons are in :mod:`crossline.stages.risk.score`; this module only
decides *which records count as which indicator*, set-based over the whole
store (joins, filters, regular expressions; never a loop over rows).

Some indicators read the words of a record: a stop and search that found cash
or phones and one that found nothing are both ``stop_search`` events, and an
A&E attendance for a stab wound differs from one for asthma. Partners that
code these outcomes (search outcome codes, injury codes, absence codes) would
map them here; the patterns below are deliberately short and documented in
docs/risk.md ("Reading the records").
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from crossline.stages.risk.inputs import Inputs, address_key

EVIDENCE_SCHEMA: dict[str, pl.DataType] = {
    "nominal_id": pl.String(),
    "indicator": pl.String(),
    "occurred_at": pl.Datetime("us"),
    "source": pl.String(),
    "record_kind": pl.String(),  # event | link | comms | person | casework
    "record_id": pl.String(),
    "detail": pl.String(),  # plain words about this one record, for analysts (never the record's own text)
}

# What a record's words must say (case-insensitive) to count as the indicator.
SEARCH_FINDS = r"(?i)(£\s?\d|\bcash\b|\bphones\b|\bhandsets?\b|\bwraps?\b|powder|cocaine|heroin|\bcrack\b|class a|\bknife\b|\bblade|\bweapon)"
NOTHING_FOUND = r"(?i)nothing found|no further action"
SUPPLY_OR_WEAPON = r"(?i)(supply|class a|intent|bladed|knife|weapon|firearm|drugs? (possession|offence))"
PERMANENT = r"(?i)permanent"
ILLNESS = r"(?i)(illness|medical|hospital appointment|\bauthorised)"  # not "unauthorised"
INJURY = r"(?i)(stab|wound|assault|unexplained|knife|slash|gunshot|would not say)"
EXPLOITATION = r"(?i)(exploitation|county lines|\bcce\b|grooming|trafficking|modern slavery)"
DOMESTIC = r"(?i)domestic"
CUSTODY = r"(?i)(remand|custody|prison|recalled|sentenced|jail)"
SUBSTANCE = r"(?i)(substance|alcohol|drug misuse|drug use)"
NEGLECT = r"(?i)neglect"

POLICE_ENCOUNTERS = ("stop_search", "arrest", "charge", "found_out_of_area", "drug_seizure", "cash_seizure",
                     "weapon_seizure", "cuckooing_report")
SUSPECT_ROLES = ("subject", "suspect")


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=EVIDENCE_SCHEMA)


def _says(inp: Inputs, pattern: str, when_not_reading: bool = True) -> pl.Expr:
    """The record's words match ``pattern``; when records are not read (``read_record_text`` false), ``when_not_reading``."""
    if not inp.read_text:
        return pl.lit(when_not_reading)
    return pl.col("summary").fill_null("").str.contains(pattern)


def _date(col: str = "occurred_at") -> pl.Expr:
    return pl.col(col).dt.strftime("%-d %b %Y")


def _rows(frame: pl.DataFrame, indicator: str, detail: pl.Expr, kind: str = "event", record: str = "event_id") -> pl.DataFrame:
    """Shape any frame with nominal_id, occurred_at, source and a record id column into evidence rows."""
    return frame.select(
        pl.col("nominal_id"),
        pl.lit(indicator).alias("indicator"),
        pl.col("occurred_at").cast(pl.Datetime("us")),
        pl.col("source"),
        pl.lit(kind).alias("record_kind"),
        pl.col(record).cast(pl.String).alias("record_id"),
        detail.alias("detail"),
    )


def _involved(inp: Inputs, types: tuple[str, ...], roles: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Nominals in events of ``types`` (in one of ``roles``), one row per nominal and event."""
    ev = inp.events.filter(pl.col("event_type").is_in(types))
    people = inp.people if roles is None else inp.people.filter(pl.col("role").is_in(roles))
    return (
        people.join(ev, on=["source", "event_id"], how="inner")
        .unique(["nominal_id", "source", "event_id"], keep="first")
    )


# --- the indicators -------------------------------------------------------------------------


def missing(inp: Inputs) -> pl.DataFrame:
    """Missing episodes, long ones (a day or more), and repeats (3 or more in 90 days)."""
    ep = _involved(inp, ("missing_episode",), ("missing_person", "subject"))
    hours = ((pl.col("ended_at") - pl.col("occurred_at")).dt.total_minutes() / 60).round(0).cast(pl.Int64)
    base = _rows(ep, "missing_episode", pl.format("reported missing on {} ({})", _date(), pl.col("source")))
    long = _rows(
        ep.filter(hours >= 24), "missing_long",
        pl.format("missing for {} hours from {} ({})", hours, _date(), pl.col("source")),
    )
    recent = ep.filter(pl.col("occurred_at") >= inp.as_of - timedelta(days=90))
    repeat = recent.filter(pl.len().over("nominal_id") >= 3)
    rep = _rows(repeat, "missing_repeat", pl.format("one of 3 or more missing episodes in 90 days ({})", _date()))
    return pl.concat([base, long, rep])


def out_of_area(inp: Inputs, home: pl.DataFrame) -> pl.DataFrame:
    """Found out of area, or met by police in another force; more so in a hub or a line's market."""
    ev = _involved(inp, POLICE_ENCOUNTERS).join(home, on="nominal_id", how="left")
    away = (pl.col("force_area").is_not_null() & pl.col("home_force").is_not_null() & (pl.col("force_area") != pl.col("home_force")))
    found = ev.filter((pl.col("event_type") == "found_out_of_area") | away)
    where = pl.col("force_area").fill_null("an unknown area")
    out = _rows(found, "out_of_area", pl.format("{} in {} on {} ({})", pl.col("event_type").str.replace_all("_", " "), where, _date(), pl.col("source")))
    special = found.filter(away & pl.col("force_area").is_in(inp.hubs + inp.markets))
    kind = pl.when(pl.col("force_area").is_in(inp.hubs)).then(pl.lit("a county lines hub")).otherwise(pl.lit("a deal line's market"))
    bonus = _rows(special, "out_of_area_hub_market", pl.format("in {} ({}) on {}", where, kind, _date()))
    return pl.concat([out, bonus])


def searches(inp: Inputs) -> pl.DataFrame:
    """Stop and search that found cash, drugs or several phones; and searches that found nothing."""
    ev = _involved(inp, ("stop_search",), SUSPECT_ROLES)
    finds = (_says(inp, SEARCH_FINDS) | pl.col("phone").is_not_null()) & ~_says(inp, NOTHING_FOUND, False)
    hit = _rows(ev.filter(finds), "stop_search_finds", pl.format("stopped and searched on {}: cash, drugs or phones found ({})", _date(), pl.col("source")))
    nil = _rows(ev.filter(~finds), "stop_search", pl.format("stopped and searched on {}: nothing found ({})", _date(), pl.col("source")))
    return pl.concat([hit, nil])


def offending(inp: Inputs) -> pl.DataFrame:
    """Arrests and charges (for supply or weapons, or other), and seizures the nominal was a suspect in."""
    ev = _involved(inp, ("arrest", "charge"), SUSPECT_ROLES)
    serious = _says(inp, SUPPLY_OR_WEAPON)
    a = _rows(ev.filter(serious), "arrest_supply_weapons", pl.format("{} on {} for drug supply or a weapon "
        "({})", pl.col("event_type"), _date(), pl.col("source")))
    b = _rows(ev.filter(~serious), "arrest_other", pl.format("{} on {} ({})", pl.col("event_type"), _date(), pl.col("source")))
    sz = _involved(inp, ("drug_seizure", "cash_seizure", "weapon_seizure"), SUSPECT_ROLES)
    c = _rows(sz, "seizure", pl.format("{} on {} ({})", pl.col("event_type").str.replace_all("_", " "), _date(), pl.col("source")))
    return pl.concat([a, b, c])


def cuckooing(inp: Inputs) -> pl.DataFrame:
    """Suspects and victims of cuckooing reports, and people who frequent a cuckooed address."""
    sus = _involved(inp, ("cuckooing_report",), SUSPECT_ROLES)
    a = _rows(sus, "cuckooing_suspect", pl.format("named in a cuckooing report on {} ({})", _date(), pl.col("source")))
    vic = _involved(inp, ("cuckooing_report",), ("victim",))
    b = _rows(vic, "cuckooing_victim", pl.format("home reported as cuckooed on {} ({})", _date(), pl.col("source")))
    reports = (
        inp.events.filter(pl.col("event_type") == "cuckooing_report")
        .with_columns(address_key(pl.col("postcode"), pl.col("address")).alias("key"))
        .drop_nulls("key")
        .select("key", pl.col("occurred_at").alias("reported_at"))
        .group_by("key").agg(pl.col("reported_at").min())
    )
    freq = (
        inp.links.filter((pl.col("relation") == "frequents") & (pl.col("right_kind") == "address") & pl.col("left_nominal").is_not_null())
        .with_columns(pl.col("right_value").str.splitn("|", 2).alias("_a"))
        .with_columns(address_key(pl.col("_a").struct.field("field_0"), pl.col("_a").struct.field("field_1")).alias("key"))
        .join(reports, on="key", how="inner")
        .with_columns(pl.coalesce("observed_at", "reported_at").alias("occurred_at"), pl.col("left_nominal").alias("nominal_id"))
        .unique(["nominal_id", "source", "link_key"])
    )
    c = _rows(freq, "cuckooed_address", pl.format("frequents an address reported as cuckooed ({})", pl.col("source")), "link", "link_key")
    return pl.concat([a, b, c])


def school(inp: Inputs) -> pl.DataFrame:
    """Exclusions (permanent ones count more) and persistent absence not explained by illness."""
    ex = _involved(inp, ("school_exclusion",))
    perm = _says(inp, PERMANENT, False)
    a = _rows(ex.filter(perm), "exclusion_permanent", pl.format("permanently excluded from school on {} ({})", _date(), pl.col("source")))
    b = _rows(ex.filter(~perm), "exclusion", pl.format("excluded from school on {} ({})", _date(), pl.col("source")))
    ab = _involved(inp, ("persistent_absence",))
    ill = _says(inp, ILLNESS, False)
    c = _rows(ab.filter(~ill), "absence", pl.format("persistently absent from school, recorded {} ({})", _date(), pl.col("source")))
    d = _rows(ab.filter(ill), "absence_illness", pl.format("absent through illness, recorded {} ({})", _date(), pl.col("source")))
    return pl.concat([a, b, c, d])


def injuries(inp: Inputs) -> pl.DataFrame:
    """A&E attendances for stab wounds, assaults and unexplained injuries (not sport, falls or illness)."""
    ev = _involved(inp, ("ae_attendance",))
    hit = ev.filter(_says(inp, INJURY))
    return _rows(hit, "ae_injury", pl.format("attended A&E with an injury of concern on {} ({})", _date(), pl.col("source")))


def concerns(inp: Inputs) -> pl.DataFrame:
    """A partner already raised exploitation: a safeguarding referral for it, or an NRM referral."""
    ref = _involved(inp, ("safeguarding_referral",), ("subject",)).filter(pl.col("summary").fill_null("").str.contains(EXPLOITATION))
    a = _rows(ref, "concern_exploitation", pl.format("safeguarding referral for exploitation on {} ({})", _date(), pl.col("source")))
    nrm = _involved(inp, ("nrm_referral",), ("subject", "victim"))
    b = _rows(nrm, "nrm_referral", pl.format("NRM referral on {} ({})", _date(), pl.col("source")))
    cw = inp.casework_nrm.select(
        "nominal_id", pl.col("referred_at").alias("occurred_at"), pl.lit("crossline").alias("source"), pl.col("nrm_id").alias("event_id")
    )
    c = _rows(cw, "nrm_referral", pl.format("NRM referral {} recorded in Crossline on {}", pl.col("event_id"), _date()), "casework")
    return pl.concat([a, b, c])


def intelligence(inp: Inputs) -> pl.DataFrame:
    """Named in graded police intelligence (the grading and text stay with the police)."""
    ev = _involved(inp, ("intelligence",), ("subject", "suspect", "associate"))
    return _rows(ev, "intelligence", pl.format("named in police intelligence on {} ({})", _date(), pl.col("source")))


def association(inp: Inputs, evidence_so_far: pl.DataFrame) -> pl.DataFrame:
    """Linked (associate_of, controls) to a member of a criminal group.

    Group members are the network stage's OCG members where it has run, people
    on either end of a ``controls`` link, and people with supply, seizure,
    cuckooing or intelligence evidence themselves.
    """
    pairs = inp.links.filter(
        pl.col("relation").is_in(["associate_of", "controls"]) & pl.col("left_nominal").is_not_null() & pl.col("right_nominal").is_not_null()
        & (pl.col("left_nominal") != pl.col("right_nominal"))
    )
    both = pl.concat([
        pairs.select(pl.col("left_nominal").alias("nominal_id"), pl.col("right_nominal").alias("other"), "source", "link_key", "observed_at", "relation"),
        pairs.select(pl.col("right_nominal").alias("nominal_id"), pl.col("left_nominal").alias("other"), "source", "link_key", "observed_at", "relation"),
    ])
    members = [
        evidence_so_far.filter(pl.col("indicator").is_in(["arrest_supply_weapons", "seizure", "cuckooing_suspect", "intelligence"])).select(
            pl.col("nominal_id").alias("other")
        ),
        pairs.filter(pl.col("relation") == "controls").select(pl.col("left_nominal").alias("other")),
        pairs.filter(pl.col("relation") == "controls").select(pl.col("right_nominal").alias("other")),
    ]
    if inp.ocg_members is not None:
        members.append(inp.ocg_members.select(pl.col("nominal_id").alias("other")))
    group = pl.concat(members).unique()
    hit = both.join(group, on="other", how="semi").unique(["nominal_id", "other"]).rename({"observed_at": "occurred_at"})
    return _rows(hit, "group_association", pl.format("linked to a member of a criminal group ({}, "
        "{})", pl.col("relation").str.replace_all("_", " "), pl.col("source")), "link", "link_key")


def line_contact(inp: Inputs, contacts: pl.DataFrame | None) -> pl.DataFrame:
    """Contact with deal-line or runner numbers in the comms data, or using a runner number oneself.

    ``contacts`` (from :func:`crossline.stages.risk.comms.line_contacts`) is None
    when the lines stage has not run: then nothing is found *and* the stage
    reports the indicator as not assessed.
    """
    if contacts is None or not inp.lines_assessed:
        return empty()
    phones = nominal_phones(inp)
    hit = contacts.join(phones, left_on="phone", right_on="number", how="inner").rename({"last_at": "occurred_at"})
    code = pl.when(pl.col("kind") == "line").then(pl.lit("line_contact")).otherwise(pl.lit("runner_contact"))
    words = pl.when(pl.col("kind") == "line").then(pl.lit("a deal line")).otherwise(pl.lit("a runner's number"))
    rows = hit.select(
        "nominal_id", code.alias("indicator"), pl.col("occurred_at").cast(pl.Datetime("us")), pl.lit("comms").alias("source"),
        pl.lit("comms").alias("record_kind"), pl.format("{} <-> {}", pl.col("phone"), pl.col("counterpart")).alias("record_id"),
        pl.format("{} contacts with {} on {} day(s), last {}", pl.col("contacts"), words, pl.col("days"), _date()).alias("detail"),
    )
    runners = inp.runners if inp.runners is not None else pl.DataFrame(schema={"number": pl.String, "line_id": pl.String})
    own = phones.join(runners, on="number", how="inner").with_columns(pl.lit(inp.as_of).alias("occurred_at"))
    own_rows = own.select(
        "nominal_id", pl.lit("runner_number").alias("indicator"), pl.lit(None, pl.Datetime("us")).alias("occurred_at"),
        pl.col("source"), pl.lit("phone").alias("record_kind"), pl.col("number").alias("record_id"),
        pl.format("uses a number the lines analysis found acting as a runner's ({})", pl.col("source")).alias("detail"),
    ).unique(["nominal_id", "record_id"])
    return pl.concat([rows, own_rows])


def nominal_phones(inp: Inputs) -> pl.DataFrame:
    """(nominal_id, number, source): numbers on the nominal's records and ``uses_phone`` links."""
    on_record = inp.persons.select("nominal_id", "source", pl.col("phones").alias("number")).explode("number").drop_nulls("number")
    linked = inp.links.filter((pl.col("relation") == "uses_phone") & pl.col("left_nominal").is_not_null() & (pl.col("right_kind") == "phone"))
    linked = linked.select(pl.col("left_nominal").alias("nominal_id"), "source", pl.col("right_value").alias("number"))
    return pl.concat([on_record, linked]).unique(["nominal_id", "number"], keep="first")


# --- adverse childhood experiences, through family and address links --------------------------


def family(inp: Inputs) -> pl.DataFrame:
    """(nominal_id, relative): both directions of ``family_of`` links between resolved people."""
    f = inp.links.filter((pl.col("relation") == "family_of") & pl.col("left_nominal").is_not_null() & pl.col("right_nominal").is_not_null())
    pairs = pl.concat([
        f.select(pl.col("left_nominal").alias("nominal_id"), pl.col("right_nominal").alias("relative")),
        f.select(pl.col("right_nominal").alias("nominal_id"), pl.col("left_nominal").alias("relative")),
    ])
    return pairs.filter(pl.col("nominal_id") != pl.col("relative")).unique()


def home_addresses(inp: Inputs) -> pl.DataFrame:
    """(nominal_id, key): address keys from person records and ``resides_at`` links."""
    rec = inp.persons.select("nominal_id", address_key(pl.col("postcode"), pl.col("address")).alias("key"))
    res = inp.links.filter((pl.col("relation") == "resides_at") & pl.col("left_nominal").is_not_null() & (pl.col("right_kind") == "address"))
    res = res.with_columns(pl.col("right_value").str.splitn("|", 2).alias("_a")).select(
        pl.col("left_nominal").alias("nominal_id"),
        address_key(pl.col("_a").struct.field("field_0"), pl.col("_a").struct.field("field_1")).alias("key"),
    )
    return pl.concat([rec, res]).drop_nulls("key").unique()


def aces(inp: Inputs) -> pl.DataFrame:
    """Domestic abuse at home, a parent arrested or in custody, parental substance misuse, neglect, care."""
    fam = family(inp)
    referrals = _involved(inp, ("safeguarding_referral",), ("subject",))
    text = pl.col("summary").fill_null("")

    # domestic abuse: the child in the incident, a relative in it, or at the child's address; or a police notification
    da = inp.events.filter(pl.col("event_type") == "domestic_abuse")
    in_it = _involved(inp, ("domestic_abuse",), ("witness", "victim"))
    rel_in = (
        inp.people.filter(pl.col("role").is_in(["victim", "suspect"])).join(da, on=["source", "event_id"], how="inner")
        .join(fam, left_on="nominal_id", right_on="relative", how="inner").drop("nominal_id").rename({"nominal_id_right": "nominal_id"})
    )
    at_home = (
        da.with_columns(address_key(pl.col("postcode"), pl.col("address")).alias("key")).drop_nulls("key")
        .join(home_addresses(inp), on="key", how="inner")
    )
    cols = ["nominal_id", "source", "event_id", "occurred_at"]
    da_all = pl.concat([in_it.select(cols), rel_in.select(cols), at_home.select(cols)]).unique(["nominal_id", "source", "event_id"])
    a = _rows(da_all, "ace_domestic_abuse", pl.format("domestic abuse incident at home or in the family on {} ({})", _date(), pl.col("source")))
    a2 = _rows(referrals.filter(text.str.contains(DOMESTIC)), "ace_domestic_abuse", pl.format("domestic abuse notification on {} "
        "({})", _date(), pl.col("source")))

    # a parent or relative arrested or charged, remanded or in custody
    custody = (
        _involved(inp, ("arrest", "charge"), SUSPECT_ROLES).filter(text.str.contains(CUSTODY))
        .join(fam, left_on="nominal_id", right_on="relative", how="inner").drop("nominal_id").rename({"nominal_id_right": "nominal_id"})
    )
    b = _rows(custody, "ace_parent_custody", pl.format("a parent or relative remanded or in custody, {} ({})", _date(), pl.col("source")))
    b2 = _rows(referrals.filter(text.str.contains(CUSTODY)), "ace_parent_custody", pl.format("referral: a parent in custody, {} "
        "({})", _date(), pl.col("source")))
    c = _rows(referrals.filter(text.str.contains(SUBSTANCE)), "ace_parental_substance", pl.format("referral for parental substance misuse on {} "
        "({})", _date(), pl.col("source")))
    d = _rows(referrals.filter(text.str.contains(NEGLECT)), "ace_neglect", pl.format("neglect referral on {} ({})", _date(), pl.col("source")))
    care = _involved(inp, ("care_placement",))
    e = _rows(care, "ace_care", pl.format("placed in care on {} ({})", _date(), pl.col("source")))
    out = pl.concat([a, a2, b, b2, c, d, e])
    return out.unique(["nominal_id", "indicator", "source", "record_id"], keep="first")


def age(ages: pl.DataFrame) -> pl.DataFrame:
    """Age as an indicator (the issue allows it): 14 to 17 most, 10 to 13 and 18 to 19 less."""
    peak = ages.filter(pl.col("age").is_between(14, 17))
    near = ages.filter(pl.col("age").is_between(10, 13) | pl.col("age").is_between(18, 19))

    def cols(f: pl.DataFrame, code: str) -> pl.DataFrame:
        return f.select(
            "nominal_id", pl.lit(code).alias("indicator"), pl.lit(None, pl.Datetime("us")).alias("occurred_at"),
            pl.lit("records").alias("source"), pl.lit("person").alias("record_kind"), pl.lit("date of birth").alias("record_id"),
            pl.format("aged {}", pl.col("age")).alias("detail"),
        )

    return pl.concat([cols(peak, "age_peak"), cols(near, "age_young")])


def all_evidence(inp: Inputs, home: pl.DataFrame, ages_frame: pl.DataFrame, contacts: pl.DataFrame | None) -> pl.DataFrame:
    """Every indicator's evidence rows for every nominal (scope is applied by the stage)."""
    parts = [
        missing(inp), out_of_area(inp, home), searches(inp), offending(inp), cuckooing(inp), school(inp),
        injuries(inp), concerns(inp), intelligence(inp), line_contact(inp, contacts), aces(inp), age(ages_frame),
    ]
    so_far = pl.concat([p.cast(pl.Schema(EVIDENCE_SCHEMA)) for p in parts])
    return pl.concat([so_far, association(inp, so_far).cast(pl.Schema(EVIDENCE_SCHEMA))])
