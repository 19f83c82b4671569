""""Is this child known?": one new record matched against the current picture's nominals, without a rebuild.

The record is normalised as an import would (phone, postcode, partial date)
and prepared as the stage prepares every record. Candidates are the
picture's records that share a blocking key with it (the same rules the build
uses), found by one DuckDB scan of ``resolve_records.parquet`` reading only
the key columns; they are then scored with the picture's own model and term
frequencies, and grouped by nominal: the best pair speaks for its nominal,
with its explanation.

A practitioner often has only a name, a phone or an identifier (issue 13
item 6), so the search goes wider than the build's blocking rules: the name
alone (nickname-folded), the family name with a given name one typo or a
nickname away, the family name with the postcode, any phone, the address,
the date of birth, any identifier. Every candidate at or above the link
threshold comes back, best first, with the agencies holding its records;
none that breaks a constraint (``constraints.conflict``). When the best
candidates fall short only because the question carries no date of birth
and no address, the answer is "cannot tell", never "not known".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from crossline.contract.dates import parse_partial_dates
from crossline.contract.phones import normalise_phone
from crossline.contract.postcodes import normalise_postcode
from crossline.errors import InvalidInput, NotFound
from crossline.stages.resolve import ages
from crossline.stages.resolve.constraints import PNC_FORM, UPN_FORM, conflict, date_conflict, shares_identifier, valid_nhs, vouched
from crossline.stages.resolve.explain import lines, score_one_against
from crossline.stages.resolve.model import BLOCKS, LIST_BLOCKS, Params
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, SPLINK_COLUMNS, prepare

NEW_ID = -1  # the new record's unique_id: no picture record has it
ALL = 1_000_000_000  # a limit no answer reaches: every nominal scored, for answers merged before they are cut

@dataclass
class Candidate:
    nominal_id: str
    source: str
    record_id: str
    match_probability: float
    match_weight: float
    explanation: str
    records_in_nominal: int
    agencies: list[str] = field(default_factory=list)  # the sources holding the nominal's records
    # added by the service for a viewer who may see them (``KnownResult.risk_shown``): the young person's risk band
    # (None when the picture scores no risk for them) and the open alerts about them
    risk_band: str | None = None
    open_alerts: list[dict[str, Any]] = field(default_factory=list)

    def reasons(self) -> list[str]:
        return lines(self.explanation, self.match_probability)


KNOWN, CANNOT_TELL, NOT_KNOWN = "known", "cannot tell", "not known"
ADD_MORE = "cannot tell: add a date of birth or an address"


def _lacks(asked: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Whether the question lacks a date of birth, a home (address or postcode), a full name."""
    return (asked.get("dob_year") is None, asked.get("address") is None and asked.get("postcode") is None,
            asked.get("given_name") is None or asked.get("family_name") is None)


def advice(asked: dict[str, Any]) -> str:
    """What to add so the answer can tell: only what the question lacks (an address already given is not asked for)."""
    undated, homeless, _ = _lacks(asked)
    if undated and homeless:
        return ADD_MORE
    if undated:
        return "cannot tell: add a date of birth"
    if homeless:
        return "cannot tell: add an address or a postcode"
    return "cannot tell: add the given and the family name"


@dataclass
class KnownResult:
    known: bool  # a nominal reaches the link threshold
    link_probability: float
    candidates: list[Candidate] = field(default_factory=list)  # best first, one per nominal
    compared: int = 0  # picture records scored
    status: str = NOT_KNOWN  # known; cannot tell (too little to compare); not known
    advice: str = ""  # what to add to tell, when the status is "cannot tell"
    excluded: int = 0  # nominals left out because they cannot be this child (another NHS number, a generation apart, an age)
    risk_shown: bool = False  # the candidates carry their risk band and open alerts (the viewer may see them)
    nominals: int = 0  # candidate nominals scored; more than ``candidates`` when the limit cut the list
    doubts: list[str] = field(default_factory=list)  # asked identifiers that look mistyped, in plain words
    born_in: list[int] = field(default_factory=list)  # asked with an age: the years of birth it allows, each asked


CHECKED = ("nhs", "pnc", "upn", "other_ids", "dob", "dob_year")
BOUNDS = ("born_after", "born_before", "pnc_year", *ages.SERVED)


def _checked(columns: Any) -> list[str]:
    """The columns a candidate is checked on: the bounds too, where the picture has them (built before, it has not)."""
    return [*CHECKED, *(c for c in BOUNDS if c in columns)]


def _breaks(asked: dict[str, Any], row: dict[str, Any]) -> str | None:
    """Why the asked child cannot be this record's person: a constraint, or an age its record rules out.

    The age bounds are the build's (``ages.py``, after each feed was checked
    against itself): asked about a boy born in 2014, his father's undated
    police record holding ``09/...`` is not him, however alike their names
    and homes; nor, asked about his father, is the boy's undated youth
    charity record, whose feed holds only people born 2005 to 2012
    (``served.py``). A shared identifier outweighs them, as in the build.
    """
    found = conflict(asked, row)
    if found is None and not shares_identifier(asked, row):
        if any(row.get(c) is not None for c in BOUNDS):
            found = ages.conflict(asked.get("dob"), row.get("born_after"), row.get("born_before"), row.get("pnc_year"),
                                  row.get("served_after"), row.get("served_before"), row.get("served_by"))
        if found is None and asked.get("pnc_year") is not None:  # asked with a PNC id: nobody born after it was issued
            found = ages.conflict(row.get("dob"), None, None, asked["pnc_year"])
    return found


def _nominal_breaks(asked: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    """The asked child cannot be this nominal's person: one of its records rules the child out.

    Except a record whose date of birth the nominal itself shows to be a
    lone error (``constraints.vouched``: an identifier ties it to a record
    holding the asked date), as the build let it in: a girl's school record
    keyed with her mother's date does not hide the girl from a practitioner
    who asks with her own.
    """
    asked = {**asked, "unique_id": NEW_ID}
    for row in rows:
        found = _breaks(asked, row)
        if found is None:
            continue
        if found != date_conflict(asked, row) or not vouched(asked, row, rows):
            return True
    return False


def _asked_pnc_year(asked: dict[str, Any]) -> int | None:
    """The year the asked PNC id was issued, unless the asked date of birth is later (one of the two is mistyped)."""
    year = pl.select(ages.pnc_issued(pl.lit(asked.get("pnc"), dtype=pl.String))).item()
    return None if year is None or ages.conflict(asked.get("dob"), None, None, year) else year


def doubts(asked: dict[str, Any]) -> list[str]:
    """What looks mistyped among the identifiers asked with (prepared), so "no match" is not read as "not known".

    An NHS number carries a check digit and a PNC id and a UPN have fixed
    forms; one that fails is most often a slip of the keyboard, which the
    practitioner can correct. It is still looked for as written.
    """
    found = []
    nhs, pnc, upn = asked.get("nhs"), asked.get("pnc"), asked.get("upn")
    if nhs and not valid_nhs(nhs):
        found.append(f"NHS number {nhs} is not a valid one (ten digits, the last a check digit)")
    if pnc and not PNC_FORM.match(pnc):
        found.append(f"PNC id {pnc} is not in the form YY/NNNNNNL (year, slash, up to seven digits, a letter)")
    if upn and not UPN_FORM.match(upn):
        found.append(f"UPN {upn} is not in the form of a letter, eleven digits and a digit or letter")
    return [f"{doubt}: check it; it was looked for as written" for doubt in found]


def person_frame(record: dict[str, Any]) -> pl.DataFrame:
    """A contract persons row from loose fields, normalised as the importer does."""
    unknown = set(record) - set(PERSON_COLUMNS) - {"phone", "aliases", "other_ids"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}; fields are {', '.join(PERSON_COLUMNS)}")
    row: dict[str, Any] = {c: None for c in PERSON_COLUMNS}
    row.update({k: v for k, v in record.items() if v not in (None, "", [])})
    row["source"] = row.get("source") or "query"
    row["record_id"] = row.get("record_id") or "new"
    if row.get("date_of_birth"):
        parsed = parse_partial_dates(pl.Series([str(row["date_of_birth"])]))
        if parsed["value"][0] is None:
            raise InvalidInput(f"date of birth {row['date_of_birth']!r} is no date: give YYYY-MM-DD, YYYY-MM or YYYY")
        row["date_of_birth"], row["date_of_birth_precision"] = parsed["value"][0], parsed["precision"][0]
    row["postcode"], row["postcode_is_uk"] = normalise_postcode(row.get("postcode"))
    for name in ("phone", "aliases", "other_ids"):
        values = row.get(name)
        if isinstance(values, str):
            values = [v.strip() for v in values.split(";") if v.strip()]
        if name == "phone" and values:
            values = [p for p in (normalise_phone(v) for v in values) if p]
        row[name] = json.dumps(values) if values else None
    return pl.DataFrame([row], schema=PERSON_SCHEMA)


Condition = tuple[str, Any]  # an SQL test with one ``?`` and its value (a tuple for a list)


def _candidate_clauses(new: dict[str, Any]) -> list[frozenset[Condition]]:
    """Ways a picture record can share a blocking key with the new record, each a set of tests that must all hold.

    The build's own rules in both orientations, then wider ones: what a
    practitioner asks with (a name, a phone, an address, a date, an identifier).
    """
    clauses: list[frozenset[Condition]] = []

    def add(*tests: Condition) -> None:
        clauses.append(frozenset((sql, tuple(v) if isinstance(v, list) else v) for sql, v in tests))

    for block in BLOCKS:
        for pairs in (block, tuple((b, a) for a, b in block)):  # the new record on the left, then on the right
            if all(new.get(a) is not None for a, _ in pairs):
                add(*((f"{b} = ?", new[a]) for a, b in pairs))
    for column in LIST_BLOCKS:
        # a shared name-and-phone key is a shared name key, which the wider rules below ask for on its own
        if new.get(column) and column != "name_phones":
            add((f"list_has_any({column}, ?)", new[column]))
    for columns in (("name_key",), ("family_name", "postcode"), ("address",), ("dob",), ("address", "postcode")):
        if all(new.get(c) is not None for c in columns):
            add(*((f"{c} = ?", new[c]) for c in columns))
    if new.get("dob") is None and new.get("dob_year") is not None:
        # an approximate age (a year of birth) with a family name, or with a given name or a form of it
        if new.get("family_name") is not None:
            add(("family_name = ?", new["family_name"]), ("dob_year = ?", new["dob_year"]))
        if new.get("given_forms"):
            add(("list_has_any(given_forms, ?)", new["given_forms"]), ("dob_year = ?", new["dob_year"]))
    if new.get("phones"):
        add(("list_has_any(phones, ?)", new["phones"]))
    if new.get("family_name") is not None and new.get("given_forms"):
        # misspelt family name with the given name or a form of it; misspelt given name with the family name
        add(("jaro_winkler_similarity(family_name, ?) >= 0.88", new["family_name"]), ("list_has_any(given_forms, ?)", new["given_forms"]))
        add(("family_name = ?", new["family_name"]), ("jaro_winkler_similarity(given_name, ?) >= 0.8", new["given_name"]))
    return clauses


def _candidate_sql(new: dict[str, Any]) -> tuple[str, list[Any]]:
    """One WHERE clause (and its parameters) true for every picture record sharing a blocking key with the new one.

    A clause whose tests include all of another's finds nothing more (the
    name and date of birth add nothing once the name alone is asked), and the
    two orientations of a symmetric rule are one clause: both are dropped, so
    the scan of a million records evaluates 6 or so tests instead of 25
    (0.09 s instead of 0.14 s on the million-record picture).
    """
    clauses = list(dict.fromkeys(_candidate_clauses(new)))  # the same clause twice once, in order
    kept = [c for c in clauses if not any(other < c for other in clauses)]
    sql, params = [], []
    for clause in kept:
        tests = sorted(clause, key=lambda t: (t[0].startswith("jaro"), t[0]))  # the costly similarity last, on fewer rows
        sql.append("(" + " AND ".join(t for t, _ in tests) + ")")
        params += [list(v) if isinstance(v, tuple) else v for _, v in tests]
    return " OR ".join(sql), params


def match(picture: Path, record: dict[str, Any], link_probability: float, limit: int = 5) -> KnownResult:
    """Score ``record`` against the picture version in ``picture`` (a folder of Parquet tables).

    Without a full name, a date of birth and an address (or postcode) there
    is too little to tell a child from a namesake, so short of a link the
    answer is "cannot tell", never "not known", whatever was found.
    """
    result, asked, _ = _match(picture, record, link_probability, limit)
    return _with_status(result, asked)


def _with_status(result: KnownResult, asked: dict[str, Any]) -> KnownResult:
    if result.known:
        result.status = KNOWN
    elif any(_lacks(asked)):  # too little to tell a child from a namesake
        result.status, result.advice = CANNOT_TELL, advice(asked)
    return result


OLDEST = 120


def birth_years(age: int, on: date) -> list[int]:
    """The two years someone ``age`` years old on ``on`` may be born in (this year's birthday passed, or still to come)."""
    if not 0 <= age <= OLDEST:
        raise InvalidInput(f"age {age} is no age: give whole years from 0 to {OLDEST}")
    return [on.year - age - 1, on.year - age]


def match_age(picture: Path, record: dict[str, Any], age: int, on: date, link_probability: float, limit: int = 5) -> KnownResult:
    """``match`` for a child of about ``age`` on ``on``, a referral's "aged 14": asked with each year of birth it allows.

    A year of birth alone would miss a fourteen-year-old born in the other
    year. Each year is asked as a year (``match``), and a nominal's best
    answer of the two speaks for it; a nominal is left out only when both
    years rule it out.
    """
    if record.get("date_of_birth"):
        raise InvalidInput("give a date of birth or an age, not both")
    years = birth_years(age, on)
    answers = [_match(picture, {**record, "date_of_birth": str(year)}, link_probability, ALL) for year in years]
    best: dict[str, Candidate] = {}
    for answer, _, _ in answers:
        for c in answer.candidates:
            if c.nominal_id not in best or c.match_probability > best[c.nominal_id].match_probability:
                best[c.nominal_id] = c
    ranked = sorted(best.values(), key=lambda c: (-c.match_probability, c.source, c.record_id))
    above = sum(c.match_probability >= link_probability for c in ranked)
    first = answers[0][0]
    result = KnownResult(
        known=bool(ranked) and ranked[0].match_probability >= link_probability, link_probability=link_probability,
        candidates=ranked[:max(limit, above)], compared=max(a.compared for a, _, _ in answers), nominals=len(ranked),
        excluded=len(set.intersection(*(left for _, _, left in answers)) - set(best)), doubts=first.doubts, born_in=years)
    return _with_status(result, answers[0][1])


Matched = tuple[KnownResult, dict[str, Any], set[str]]  # the answer, the record as prepared, the nominals left out

RECORDS_ROW_GROUP = 8192
"""Rows per row group of ``resolve_records.parquet``, which the build writes sorted by family and given name.

A lookup's second pass reads every column of its few hundred candidates.
The candidates share a handful of family names, so with the file in that
order and row groups this small, the family names' zone maps let the
reader skip most of the file: at a million records the pass took 0.10 to
0.27 s, against 0.37 s over the 8 row groups of 130,000 rows in record
order, which it read whole."""


def _in_families(families: Iterable[str | None]) -> str:
    """``family_name IN (...) AND``, a filter whose constants the reader checks against each row group's range; empty
    when a candidate has no family name (a null is in no range: every row group is read, as before)."""
    names = set(families)
    if not names or None in names:
        return ""
    listed = ", ".join("'" + name.replace("'", "''") + "'" for name in sorted(n for n in names if n is not None))
    return f"family_name IN ({listed}) AND"


def _match(picture: Path, record: dict[str, Any], link_probability: float, limit: int) -> Matched:
    records_path = picture / "resolve_records.parquet"
    if not records_path.exists():
        raise NotFound("no resolved picture yet: build the picture first", next_step="build")
    model_row = pl.read_parquet(picture / "resolve_model.parquet").row(0, named=True)
    if not model_row["model"]:
        raise NotFound("the picture has no model yet (fewer than two person records): import more, then build", next_step="build")
    params: Params = json.loads(model_row["model"])
    new = prepare(person_frame(record)).with_columns(pl.lit(NEW_ID, dtype=pl.Int64).alias("unique_id"))
    where, args = _candidate_sql(new.row(0, named=True))
    asked = new.row(0, named=True)
    # a PNC id's year says when its holder was first recorded, unless the picture's police feeds fill it otherwise
    trusted = not json.loads(model_row.get("details") or "{}").get("age_bounds_unused", {}).get("pnc")
    asked["pnc_year"] = _asked_pnc_year(asked) if trusted else None
    result = KnownResult(known=False, link_probability=link_probability, doubts=doubts(asked))
    if not where:
        return result, asked, set()
    con = duckdb.connect()
    try:
        # two passes: the keys alone to find candidates (few columns of a million rows), then their whole rows by a
        # semi-join on a registered id table (a hash probe per row; a list_contains over a parameter list was a
        # linear search per row, about a quarter slower at a million records)
        ids = con.sql(f"SELECT unique_id, family_name FROM read_parquet(?) WHERE {where}",
                      params=[str(records_path), *args]).fetchall()
        if not ids:
            return result, asked, set()
        con.register("wanted", pa.table({"unique_id": pa.array(sorted(i for i, _ in ids), pa.int64())}))
        found = con.sql(
            f"SELECT * FROM read_parquet(?) WHERE {_in_families(f for _, f in ids)} "
            "unique_id IN (SELECT unique_id FROM wanted) ORDER BY unique_id",
            params=[str(records_path)],
        ).to_arrow_table()
        candidates = pl.from_arrow(found)
        assert isinstance(candidates, pl.DataFrame)
        allowed = pl.Series([_breaks(asked, row) is None for row in candidates.select(*_checked(candidates)).iter_rows(named=True)],
                            dtype=pl.Boolean)
        left_out = set(candidates.filter(~allowed)["nominal_id"].to_list())
        result.excluded = len(left_out)
        candidates = candidates.filter(allowed)
        if candidates.height == 0:
            return result, asked, left_out
        result.compared = candidates.height
        nominal_of = candidates.select("unique_id", "nominal_id", "source", "record_id")
    finally:
        con.close()
    tf = pl.read_parquet(picture / "resolve_tf.parquet")
    explained = score_one_against(new.select(SPLINK_COLUMNS), candidates.select(SPLINK_COLUMNS), params, tf)
    other = pl.when(pl.col("a") == NEW_ID).then(pl.col("b")).otherwise(pl.col("a"))
    ranked = (
        explained.with_columns(other.alias("unique_id"))
        .join(nominal_of, on="unique_id")
        .sort(["match_probability", "source", "record_id"], descending=[True, False, False])
        .unique("nominal_id", keep="first", maintain_order=True)
    )
    # a nominal is one person: none whose records include one the asked record cannot be (the father of a son's namesake)
    scan = pl.scan_parquet(records_path)
    members = scan.select("nominal_id", "unique_id", *_checked(scan.collect_schema())).filter(
        pl.col("nominal_id").is_in(ranked["nominal_id"].implode())
    ).collect()  # lazily: the filter is applied while reading, not after a million rows are built
    barred = {nominal for (nominal,), rows in members.partition_by("nominal_id", as_dict=True).items()
              if _nominal_breaks(asked, rows.to_dicts())}
    ranked = ranked.filter(~pl.col("nominal_id").is_in(list(barred)))
    # nominals left out as unable to be this child; not one that is a candidate through its other records (a girl's
    # school record keyed with her mother's date is left out of the scoring, but she is no one "alike left out")
    excluded = (left_out | barred) - set(ranked["nominal_id"].to_list())
    result.excluded = len(excluded)
    # every candidate at or above the threshold, and at least ``limit``
    above = ranked.filter(pl.col("match_probability") >= link_probability).height
    result.nominals = ranked.height
    ranked = ranked.head(max(limit, above))
    sizes = pl.scan_parquet(picture / "nominals.parquet").select("nominal_id", "source").filter(
        pl.col("nominal_id").is_in(ranked["nominal_id"].implode())
    ).group_by("nominal_id").agg(pl.len(), pl.col("source").unique().sort().alias("agencies")).collect()
    ranked = ranked.join(sizes, on="nominal_id", how="left")
    result.candidates = [
        Candidate(r["nominal_id"], r["source"], r["record_id"], r["match_probability"], r["match_weight"],
                  r["explanation"], int(r["len"] or 1), list(r["agencies"] or []))
        for r in ranked.iter_rows(named=True)
    ]
    result.known = bool(result.candidates) and result.candidates[0].match_probability >= link_probability
    return result, asked, excluded
