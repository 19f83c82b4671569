"""Ages a source's own events imply: two people, when a record's events and another's date of birth disagree.

A record with no date of birth can still say how old its person was: the
contract's ``intervention`` is "a young person's time on a programme", a
``pupil`` is at school, a ``school_exclusion`` or ``persistent_absence`` is a
pupil's, and a ``suspect`` arrested or charged is at least ten (the age of
criminal responsibility in England and Wales). A youth charity's undated
record of a boy on a mentoring programme is therefore not his father's, born
45 years before the programme, however alike their names and homes; an
undated police record of a man arrested in 2024 is not his son's, born in
2019. A police record's PNC id says the same another way: its first part is
the year the police first recorded the person, and nobody is recorded
before they are born, so a father's undated record holding ``09/...`` is not
his son's, born in 2014. Each such pair in one cluster becomes a cannot-link constraint, checked
after linking like the others (``constraints.py``), so no chain joins them;
only a person's "same person" decision overrides it.

The bounds are wide on purpose (youth services and special-needs support run
to 25; nobody under ten is arrested), and, as with the date rule, two records
that share an identifier are never held apart by them: then a date is wrong,
not the person.

A bound is only as good as the feed that gives it, and each feed is checked
against itself first (``self_checked``): a record whose own date of birth
breaks its own bound has one of the two wrong, so its bound is dropped; and
a feed where that happens often (a system that writes any year into the PNC
id's first part, events logged against the wrong person) gives no bounds of
that kind at all, and the build says so rather than split people on them.

A record with no events and no PNC id can still be bounded by its groups:
the ages its feed's dated records hold, and the holders' of an identifier it
holds (``served.py``). Those bounds sit beside these (``served_after``,
``served_before``, and ``served_by`` naming the groups) and are checked here
with them.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import GENERATION_YEARS, PNC_FORM, Constraint, shares_identifier

YOUNG_MAX_AGE = 25
"""At most this old on a youth programme, at school or excluded from it (youth services and SEND support run to 25)."""
SUSPECT_MIN_AGE = 10
"""At least this old when arrested or charged as a suspect (the age of criminal responsibility, England and Wales)."""
PNC_PIVOT = 74
"""A PNC id's two-digit year from this on is 19YY, below it 20YY (the Police National Computer began in 1974)."""

UNTRUSTED_SHARE = 0.05
"""A feed whose records break their own bounds of one kind more often than this gives no bounds of that kind."""
UNTRUSTED_MIN = 3
"""...and at least this many of them: two slips in a small feed are slips, not a feed that means something else."""

YOUNG_EVENTS = ("intervention", "school_exclusion", "persistent_absence")
SUSPECT_EVENTS = ("arrest", "charge")
SERVED = ("served_after", "served_before", "served_by")
"""A group's bound on its undated records' births, and the groups that set it (``served.py``), checked here with the others."""

AGES_SQL = (
    "SELECT ep.source, ep.person_id AS record_id, e.event_type, ep.role, e.occurred_at "
    "FROM event_people ep JOIN events e ON e.source = ep.source AND e.record_id = ep.event_id "
    "WHERE ep.role = 'pupil' "
    f"OR (ep.role = 'subject' AND e.event_type IN ({', '.join(repr(t) for t in YOUNG_EVENTS)})) "
    f"OR (ep.role = 'suspect' AND e.event_type IN ({', '.join(repr(t) for t in SUSPECT_EVENTS)}))"
)


def pnc_issued(pnc: pl.Expr) -> pl.Expr:
    """The year a well-formed PNC id was issued (the part before its slash: ``09/123456A`` in 2009), or null.

    A two-digit year from ``PNC_PIVOT`` on is in the 1900s, below it in the 2000s
    (the Police National Computer began in 1974), so the answer does not
    depend on the day the build runs.
    """
    head = pl.when(pnc.str.contains(PNC_FORM.pattern)).then(pnc.str.split("/").list.first())
    year = pl.when(head.str.len_chars() != 3).then(head.cast(pl.Int32, strict=False))  # a three-digit year is no year
    return (pl.when(head.str.len_chars() == 4).then(year).when(year >= PNC_PIVOT).then(1900 + year)
            .otherwise(2000 + year))


def bounds(rows: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Per record index (``unique_id``): the birth dates its events allow, as ``born_after`` and ``born_before`` (ISO),
    and the year its PNC id was issued (``pnc_year``), for the records that have any of them.

    ``rows`` is what ``AGES_SQL`` returns; ``records`` the prepared records. A
    young-person event on date D says born after D minus 26 years (25 at most
    on D); a suspect's on D, born on or before D minus 10 years. Several events
    narrow the range (the latest young event, the earliest arrest). A PNC id
    issued in year Y says born in Y or before: the police create the record
    when they first deal with the person (an arrest, a summons, a missing
    child's report), never before they are born. Only that is assumed, not
    the age of criminal responsibility, since a missing child of any age may
    be given one.
    """
    schema = pl.Schema({"unique_id": pl.Int64(), "born_after": pl.String(), "born_before": pl.String(), "pnc_year": pl.Int32()})
    keys = records.select(pl.col("unique_id").cast(pl.Int64), "source", "record_id")
    issued = records.select(pl.col("unique_id").cast(pl.Int64), pnc_issued(pl.col("pnc")).alias("pnc_year")).drop_nulls("pnc_year")
    per = pl.DataFrame(schema={"unique_id": pl.Int64, "born_after": pl.String, "born_before": pl.String})
    if rows.height:
        day = pl.col("occurred_at").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        young = (pl.col("role") == "pupil") | ((pl.col("role") == "subject") & pl.col("event_type").is_in(list(YOUNG_EVENTS)))
        suspect = (pl.col("role") == "suspect") & pl.col("event_type").is_in(list(SUSPECT_EVENTS))
        marked = rows.with_columns(day.alias("day"), young.alias("young"), suspect.alias("suspect")).filter(
            pl.col("day").is_not_null() & (pl.col("young") | pl.col("suspect")))
        per = marked.group_by("source", "record_id").agg(
            pl.col("day").filter(pl.col("young")).max().dt.offset_by(f"-{YOUNG_MAX_AGE + 1}y").alias("born_after"),
            pl.col("day").filter(pl.col("suspect")).min().dt.offset_by(f"-{SUSPECT_MIN_AGE}y").alias("born_before"),
        ).join(keys, on=["source", "record_id"]).select(
            "unique_id", pl.col("born_after").cast(pl.String), pl.col("born_before").cast(pl.String))
    if per.height == 0 and issued.height == 0:
        return pl.DataFrame(schema=schema)
    return per.join(issued, on="unique_id", how="full", coalesce=True).select(schema.names()).cast(schema).sort("unique_id")


def conflict(dob: str | None, born_after: str | None, born_before: str | None, pnc_year: int | None = None,
             served_after: str | None = None, served_before: str | None = None, served_by: str | None = None) -> str | None:
    """Why a full date of birth cannot be the person whose events (or PNC id, or groups: ``served.py``) give these
    bounds (plain words), or None."""
    if dob is None or len(dob) != 10:
        return None
    try:
        born = date.fromisoformat(dob)
    except ValueError:
        return None
    if born_after is not None and born <= date.fromisoformat(born_after):
        return f"born {dob}, too old for the other record's young people's service or school (over {YOUNG_MAX_AGE} by then)"
    if born_before is not None and born > date.fromisoformat(born_before):
        return f"born {dob}, too young for the other record's arrest or charge (under {SUSPECT_MIN_AGE} by then)"
    if pnc_year is not None and born.year > pnc_year:
        return f"born {dob}, after the other record's PNC id was issued (in {pnc_year}): no one has a police record before birth"
    if (served_after is not None and born <= date.fromisoformat(served_after)) or (
            served_before is not None and born >= date.fromisoformat(served_before)):
        return (f"born {dob}, a generation outside the ages of the people the other record is one of ({served_by or 'its feed'}: "
                f"dated records born {_year(served_after, 1)} to {_year(served_before, -1)}), and the other record has no date of birth")
    return None


def _year(bound: str | None, generation: int) -> str:
    """The year a generation inside a served bound: the group's own 1st or 99th percentile of birth."""
    return "?" if bound is None else str(date.fromisoformat(bound).year + generation * GENERATION_YEARS)


def _day(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False)


def _broken(born: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Whether a date of birth breaks the row's event bounds, and its PNC year: ``conflict``'s tests on every row at once."""
    events = ((born <= _day("born_after")) | (born > _day("born_before"))).fill_null(False)
    return events, (born.dt.year() > pl.col("pnc_year")).fill_null(False)


def _outside_served(born: pl.Expr) -> pl.Expr:
    """Whether a date of birth lies outside the row's groups' bound (``served.py``)."""
    return ((born <= _day("served_after")) | (born >= _day("served_before"))).fill_null(False)


class Checked(NamedTuple):
    bounds: pl.DataFrame  # what ``bounds`` gave, less what the feeds' own records contradict
    notes: list[str]  # a plain sentence for each feed whose bounds of a kind were not used
    unused: dict[str, list[str]]  # "pnc" or "events" -> those feeds


def self_checked(marks: pl.DataFrame, records: pl.DataFrame) -> Checked:
    """``marks`` (from ``bounds``) without the bounds a record's own date of birth breaks, and without every bound of
    one kind (the PNC id's year, or the events') from a feed where that happens often; with a plain sentence for each
    feed left out.

    A PNC id "issued" years before its own record's date of birth, or an
    arrest of a record's own six-year-old, is not evidence about anyone else:
    one of the two is wrong. When a feed is mostly like that, its ids or events
    do not mean what the bound assumes (a made-up or reused first part, a feed
    that logs events against a household), and bounds from it would split one
    person's records, so none of that kind are used and the user is told.
    """
    if marks.height == 0:
        return Checked(marks, [], {"pnc": [], "events": []})
    own = marks.join(records.select(pl.col("unique_id").cast(pl.Int64), "source", "dob"), on="unique_id", how="left")
    events_bad, pnc_bad = _broken(_day("dob"))
    judged = own.filter(_day("dob").is_not_null()).with_columns(
        pnc_bad=pnc_bad, pnc_has=pl.col("pnc_year").is_not_null(), events_bad=events_bad,
        events_has=pl.col("born_after").is_not_null() | pl.col("born_before").is_not_null())
    notes = []
    broken: dict[str, pl.Series] = {}
    distrusted: dict[str, list[str]] = {}
    for kind in ("pnc", "events"):
        broken[kind] = judged.filter(pl.col(f"{kind}_bad"))["unique_id"]
        distrusted[kind] = []
        tally = judged.filter(pl.col(f"{kind}_has")).group_by("source").agg(
            pl.col(f"{kind}_bad").sum().alias("bad"), pl.len().alias("total")).sort("source")
        for source, bad, total in tally.iter_rows():
            if bad >= UNTRUSTED_MIN and bad > UNTRUSTED_SHARE * total:
                distrusted[kind].append(source)
                what = ("PNC id is older than its person" if kind == "pnc" else
                        "events put its person at an age its own date of birth rules out")
                use = "PNC ids' years are" if kind == "pnc" else "events are"
                notes.append(f"{source}: in {bad:,} of {total:,} records with a date of birth the record's own {what}, "
                             f"so that feed's {use} not used to tell people apart; check how it fills them")
    keep_pnc = ~(pl.col("unique_id").is_in(broken["pnc"].implode()) | pl.col("source").is_in(distrusted["pnc"]))
    keep_events = ~(pl.col("unique_id").is_in(broken["events"].implode()) | pl.col("source").is_in(distrusted["events"]))
    cleaned = own.with_columns(
        pl.when(keep_events).then(pl.col("born_after")).alias("born_after"),
        pl.when(keep_events).then(pl.col("born_before")).alias("born_before"),
        pl.when(keep_pnc).then(pl.col("pnc_year")).alias("pnc_year"),
    ).filter(pl.any_horizontal(pl.col("born_after", "born_before", "pnc_year").is_not_null())).select(marks.columns)
    return Checked(cleaned, notes, distrusted)


def within_clusters(marks: pl.DataFrame, records: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """Every record with age bounds (``bounds``) and a record in its cluster whose full date of birth breaks them."""
    if marks.height == 0:
        return []
    cluster = pl.Series("cluster", labels)
    people = records.select(pl.col("unique_id").cast(pl.Int64), "dob", "nhs", "pnc", "upn", "other_ids").with_columns(cluster)
    marks = marks.with_columns(pl.lit(None, pl.String).alias(c) for c in SERVED if c not in marks.columns)
    marked = marks.join(people.select("unique_id", "cluster"), on="unique_id")
    dated = people.filter(pl.col("dob").str.len_chars() == 10)
    events_bad, pnc_bad = _broken(_day("dob"))  # a filter; ``conflict`` below gives the reason
    pairs = marked.join(dated.select(pl.col("unique_id").alias("other"), "cluster", "dob"), on="cluster").filter(
        (pl.col("other") != pl.col("unique_id")) & (events_bad | pnc_bad | _outside_served(_day("dob"))))
    if pairs.height == 0:
        return []
    rows = {r["unique_id"]: r for r in people.filter(
        pl.col("unique_id").is_in(pl.concat([pairs["unique_id"], pairs["other"]]).implode())).to_dicts()}
    found = []
    for mark, other, dob, after, before, year, served_after, served_before, served_by in pairs.select(
            "unique_id", "other", "dob", "born_after", "born_before", "pnc_year", *SERVED).iter_rows():
        reason = conflict(dob, after, before, year, served_after, served_before, served_by)
        if reason and not shares_identifier(rows[mark], rows[other]):
            found.append(Constraint(min(mark, other), max(mark, other), reason))
    return found
