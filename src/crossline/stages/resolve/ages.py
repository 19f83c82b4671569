"""Ages a source's own events imply: two people, when a record's events and another's date of birth disagree.

A record with no date of birth can still say how old its person was: the
contract's ``intervention`` is "a young person's time on a programme", a
``pupil`` is at school, a ``school_exclusion`` or ``persistent_absence`` is a
pupil's, and a ``suspect`` arrested or charged is at least ten (the age of
criminal responsibility in England and Wales). A youth charity's undated
record of a boy on a mentoring programme is therefore not his father's, born
45 years before the programme, however alike their names and homes; an
undated police record of a man arrested in 2024 is not his son's, born in
2019. Each such pair in one cluster becomes a cannot-link constraint, checked
after linking like the others (``constraints.py``), so no chain joins them;
only a person's "same person" decision overrides it.

The bounds are wide on purpose (youth services and special-needs support run
to 25; nobody under ten is arrested), and, as with the date rule, two records
that share an identifier are never held apart by them: then a date is wrong,
not the person.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import Constraint, shares_identifier

YOUNG_MAX_AGE = 25
"""At most this old on a youth programme, at school or excluded from it (youth services and SEND support run to 25)."""
SUSPECT_MIN_AGE = 10
"""At least this old when arrested or charged as a suspect (the age of criminal responsibility, England and Wales)."""

YOUNG_EVENTS = ("intervention", "school_exclusion", "persistent_absence")
SUSPECT_EVENTS = ("arrest", "charge")

AGES_SQL = (
    "SELECT ep.source, ep.person_id AS record_id, e.event_type, ep.role, e.occurred_at "
    "FROM event_people ep JOIN events e ON e.source = ep.source AND e.record_id = ep.event_id "
    "WHERE ep.role = 'pupil' "
    f"OR (ep.role = 'subject' AND e.event_type IN ({', '.join(repr(t) for t in YOUNG_EVENTS)})) "
    f"OR (ep.role = 'suspect' AND e.event_type IN ({', '.join(repr(t) for t in SUSPECT_EVENTS)}))"
)


def bounds(rows: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Per record index (``unique_id``): the birth dates its events allow, as ``born_after`` and ``born_before`` (ISO).

    ``rows`` is what ``AGES_SQL`` returns; ``records`` the prepared records. A
    young-person event on date D says born after D minus 26 years (25 at most
    on D); a suspect's on D, born on or before D minus 10 years. Several events
    narrow the range (the latest young event, the earliest arrest).
    """
    schema = {"unique_id": pl.Int64, "born_after": pl.String, "born_before": pl.String}
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    day = pl.col("occurred_at").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    young = (pl.col("role") == "pupil") | ((pl.col("role") == "subject") & pl.col("event_type").is_in(list(YOUNG_EVENTS)))
    suspect = (pl.col("role") == "suspect") & pl.col("event_type").is_in(list(SUSPECT_EVENTS))
    marked = rows.with_columns(day.alias("day"), young.alias("young"), suspect.alias("suspect")).filter(
        pl.col("day").is_not_null() & (pl.col("young") | pl.col("suspect")))
    per = marked.group_by("source", "record_id").agg(
        pl.col("day").filter(pl.col("young")).max().dt.offset_by(f"-{YOUNG_MAX_AGE + 1}y").alias("born_after"),
        pl.col("day").filter(pl.col("suspect")).min().dt.offset_by(f"-{SUSPECT_MIN_AGE}y").alias("born_before"),
    )
    keys = records.select(pl.col("unique_id").cast(pl.Int64), "source", "record_id")
    return keys.join(per, on=["source", "record_id"]).select(
        "unique_id", pl.col("born_after").cast(pl.String), pl.col("born_before").cast(pl.String)).sort("unique_id")


def conflict(dob: str | None, born_after: str | None, born_before: str | None) -> str | None:
    """Why a full date of birth cannot be the person whose events give these bounds (plain words), or None."""
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
    return None


def within_clusters(marks: pl.DataFrame, records: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """Every record with age bounds (``bounds``) and a record in its cluster whose full date of birth breaks them."""
    if marks.height == 0:
        return []
    cluster = pl.Series("cluster", labels)
    people = records.select(pl.col("unique_id").cast(pl.Int64), "dob", "nhs", "pnc", "upn", "other_ids").with_columns(cluster)
    marked = marks.join(people.select("unique_id", "cluster"), on="unique_id")
    dated = people.filter(pl.col("dob").str.len_chars() == 10)
    pairs = marked.join(dated.select(pl.col("unique_id").alias("other"), "cluster", "dob"), on="cluster").filter(
        pl.col("other") != pl.col("unique_id"))
    if pairs.height == 0:
        return []
    rows = {r["unique_id"]: r for r in people.filter(
        pl.col("unique_id").is_in(pl.concat([pairs["unique_id"], pairs["other"]]).implode())).to_dicts()}
    found = []
    for mark, other, dob, after, before in pairs.select("unique_id", "other", "dob", "born_after", "born_before").iter_rows():
        reason = conflict(dob, after, before)
        if reason and not shares_identifier(rows[mark], rows[other]):
            found.append(Constraint(min(mark, other), max(mark, other), reason))
    return found
