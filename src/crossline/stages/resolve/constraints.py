"""Cannot-link constraints: two records that no score may put in one nominal, however their links chain.

Splink scores pairs one at a time, and clustering joins whatever chains
together: a child's record, a record of the same name with no date of
birth, and the father's record can form a chain of plausible pairs that
joins a child with his father. The constraints are checked on every cluster
after linking (``cluster.cluster``), not on pairs, so no chain gets past them.

Two records conflict when

- both hold a *valid* NHS number (modulus 11 check digit) and they differ;
- both hold a well-formed PNC id, or a well-formed UPN, and they differ by
  more than one character (one character apart is a typo of one identifier:
  PNC ids and UPNs end in a check character, so two issued ones never differ
  in just one place);
- both hold a full date of birth and the two are ten or more years apart,
  or either date is partial and the years of birth are more than ten apart
  (a parent and a child), unless the two dates are one edit apart (a digit
  mistyped or two swapped: 1968 for 1986 is a typo, not a generation; FEBRL's
  noise is full of them, and without this exception its F1 fell from 0.999
  to 0.971), and unless the two share an identifier (NHS number, PNC id, UPN
  or another identifier), or hold identifiers of one kind one character
  apart (a typo of one identifier: two issued NHS numbers, PNC ids or UPNs
  never differ in one place, and two people's other identifiers rarely do):
  then the date is the error, not the person; and, within a cluster, unless
  a third record holds one's date and shares an identifier with the other,
  whose date no other record holds (``vouched``: the identifier ties a lone
  date to a record with the other date, so the lone date is the error).
  Nothing else overrides the date rule; identifiers that differ are never
  vouched for.

Partial dates, missing identifiers and malformed ones never conflict: a
constraint needs both sides present and valid, so it can only say "these are
two people", never guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

GENERATION_YEARS = 10
PNC_FORM = re.compile(r"^\d{2,4}/\d{1,7}[A-Z]$")
UPN_FORM = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
COLUMNS = ("unique_id", "nhs", "pnc", "upn", "dob")


def valid_nhs(value: str | None) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    if value is None or len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return check != 10 and (0 if check == 11 else check) == int(value[9])


def one_apart(a: str, b: str) -> bool:
    """At most one substitution, insertion, deletion or swap of neighbours between ``a`` and ``b``."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _date_number(dob: str | None) -> int | None:
    """A full ISO date as yyyymmdd (so ten years apart is a difference of 100000 or more); None for partial dates."""
    if dob is None or len(dob) != 10:
        return None
    return int(dob[0:4]) * 10000 + int(dob[5:7]) * 100 + int(dob[8:10])


def shares_identifier(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """An identifier equal, or one character apart (same kind, six characters or more).

    Two people's long identifiers one character apart by chance are about as
    likely as 1 in 10 million; one identifier mistyped is far likelier.
    """
    for column in ("nhs", "pnc", "upn"):
        a, b = left.get(column), right.get(column)
        if a and b and (a == b or (min(len(a), len(b)) >= 6 and one_apart(a, b))):
            return True
    mine, theirs = list(left.get("other_ids") or []), list(right.get("other_ids") or [])
    return any(a == b or (a.split(":", 1)[0] == b.split(":", 1)[0] and min(len(a), len(b)) >= 10 and one_apart(a, b))
               for a in mine for b in theirs)


def conflict(left: dict[str, Any], right: dict[str, Any]) -> str | None:
    """Why two prepared records cannot be one person (plain words), or None when nothing forbids it."""
    return identifier_conflict(left, right) or date_conflict(left, right)


def identifier_conflict(left: dict[str, Any], right: dict[str, Any]) -> str | None:
    """Two issued identifiers of one kind that differ: two people, whatever else agrees."""
    nl, nr = left.get("nhs"), right.get("nhs")
    if valid_nhs(nl) and valid_nhs(nr) and nl != nr:
        return f"NHS numbers differ ({nl} / {nr}), both valid"
    for column, form, what in (("pnc", PNC_FORM, "PNC ids"), ("upn", UPN_FORM, "UPNs")):
        a, b = left.get(column), right.get(column)
        if a and b and form.match(a) and form.match(b) and not one_apart(a, b):
            return f"{what} differ ({a} / {b})"
    return None


def date_conflict(left: dict[str, Any], right: dict[str, Any]) -> str | None:
    """Dates of birth a generation apart, unless an identifier in common says one date is the error."""
    if shares_identifier(left, right):
        return None  # one person whose date was recorded wrongly: an identifier in common outweighs any date
    return _dates_apart(left, right)


def _dates_apart(left: dict[str, Any], right: dict[str, Any]) -> str | None:
    """Dates of birth a generation apart that no typo explains, whatever else the two records hold."""
    da, db = _date_number(left.get("dob")), _date_number(right.get("dob"))
    if da is not None and db is not None and abs(da - db) >= GENERATION_YEARS * 10000 and not one_apart(left["dob"], right["dob"]):
        years = abs(da - db) // 10000
        return f"dates of birth {years} years apart ({left['dob']} / {right['dob']})"
    ya, yb = left.get("dob_year"), right.get("dob_year")
    if (da is None or db is None) and ya and yb and ya.isdigit() and yb.isdigit() and abs(int(ya) - int(yb)) > GENERATION_YEARS \
            and not one_apart(ya, yb):
        return f"years of birth {abs(int(ya) - int(yb))} apart ({ya} / {yb})"
    return None


def vouched(left: dict[str, Any], right: dict[str, Any], cluster: list[dict[str, Any]]) -> bool:
    """One of the two dates is a lone error that an identifier exposes.

    It is when a third record of the cluster holds one's full date (or a
    typo of it) and shares an identifier with the other, and no record but
    the other holds the other's date: FEBRL's Reece Lyden is 1988-11-22
    with ``ssn:2283032`` in his own record and in two copies, and 1901-08-24
    with ``ssn:2283023`` in a third copy, whose date was replaced and whose
    number had two digits swapped; that copy and a copy whose number had two
    other digits swapped share nothing directly, but each shares a number
    with his own record. The lone date matters: a junior's school record
    written with his father's date shares the junior's UPN, yet the junior's
    other records hold his own date, so nothing is vouched for and father and
    son stay apart.
    """
    def alone(record: dict[str, Any]) -> bool:
        return not any(z["unique_id"] != record["unique_id"] and z.get("dob") and one_apart(z["dob"], record["dob"])
                       for z in cluster)

    def holds(z: dict[str, Any], kept: dict[str, Any]) -> bool:  # z holds kept's date: a typo of it, or its year when that is all
        if not z.get("dob"):
            return False
        return one_apart(z["dob"], kept["dob"]) if kept.get("dob") else bool(kept.get("dob_year")) and z["dob"][:4] == kept["dob_year"]

    for wrong, kept in ((left, right), (right, left)):
        if not wrong.get("dob") or not alone(wrong):  # only a full date, held by no other record, is taken as the error
            continue
        if any(z["unique_id"] not in (wrong["unique_id"], kept["unique_id"]) and holds(z, kept) and shares_identifier(z, wrong)
               for z in cluster):
            return True
    return False


@dataclass(frozen=True)
class Constraint:
    a: int
    b: int
    reason: str


def _suspect_clusters(keys: pl.DataFrame) -> pl.Series:
    """Clusters that might hold a conflict: more than one identifier of a kind, or full dates ten years apart."""
    date = pl.col("dob").str.replace_all("-", "").cast(pl.Int64, strict=False)
    flagged = keys.group_by("cluster").agg(
        pl.len().alias("n"),
        *[pl.col(c).drop_nulls().n_unique().alias(c) for c in ("nhs", "pnc", "upn")],
        (date.max() - date.min()).alias("span"),
        (pl.col("dob_year").cast(pl.Int64, strict=False).max() - pl.col("dob_year").cast(pl.Int64, strict=False).min()).alias("years"),
    ).filter(
        (pl.col("n") > 1)
        & ((pl.col("nhs") > 1) | (pl.col("pnc") > 1) | (pl.col("upn") > 1) | (pl.col("span").fill_null(0) >= GENERATION_YEARS * 10000)
           | (pl.col("years").fill_null(0) > GENERATION_YEARS))
    )
    return flagged["cluster"]


def within_clusters(records: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """Every conflicting pair of records that ``labels`` puts in one cluster.

    ``records``: prepared records (``unique_id`` is the row index). Only the
    few clusters whose members hold two identifiers of one kind or dates ten
    years apart are checked pair by pair, so this stays cheap at a million
    records.
    """
    return [c for rows in _suspect_groups(records, labels) for c in _pairs(rows)]


def dates_taken_as_errors(records: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """Pairs that ``labels`` puts in one nominal although their dates are a generation apart, and why that is allowed.

    The build says so (its notes and ``resolve_model.details``), so a
    reviewer who finds 1901 and 1988 in one nominal reads why: an identifier
    in common, or a lone date an identifier exposes (``vouched``).
    """
    found = []
    for rows in _suspect_groups(records, labels):
        for i, left in enumerate(rows):
            for right in rows[i + 1:]:
                apart = _dates_apart(left, right)
                if apart is None or identifier_conflict(left, right) is not None:
                    continue
                why = ("an identifier in common says one date is wrong" if shares_identifier(left, right) else
                       "a lone date an identifier exposes" if vouched(left, right, rows) else None)
                if why is not None:
                    found.append(Constraint(int(left["unique_id"]), int(right["unique_id"]), f"{apart}: {why}"))
    return found


def _suspect_groups(records: pl.DataFrame, labels: np.ndarray) -> Iterable[list[dict[str, Any]]]:
    """The records of each cluster that might hold a conflict, cluster by cluster."""
    dob = pl.when(pl.col("dob").str.len_chars() == 10).then(pl.col("dob"))
    keys = records.select("unique_id", "nhs", "pnc", "upn", "other_ids", dob.alias("dob"), "dob_year").with_columns(
        pl.Series("cluster", labels))
    suspects = _suspect_clusters(keys)
    if suspects.len() == 0:
        return
    members = keys.filter(pl.col("cluster").is_in(suspects.implode())).sort("cluster", "unique_id")
    for group in members.partition_by("cluster"):
        yield group.to_dicts()


def _pairs(rows: list[dict[str, Any]]) -> Iterable[Constraint]:
    for i, left in enumerate(rows):
        for right in rows[i + 1:]:
            reason = identifier_conflict(left, right)
            if reason is None:
                reason = date_conflict(left, right)
                if reason is not None and vouched(left, right, rows):
                    reason = None
            if reason:
                yield Constraint(int(left["unique_id"]), int(right["unique_id"]), reason)


def as_frame(constraints: list[Constraint]) -> pl.DataFrame:
    return pl.DataFrame(
        {"a": [c.a for c in constraints], "b": [c.b for c in constraints], "reason": [c.reason for c in constraints]},
        schema={"a": pl.Int64, "b": pl.Int64, "reason": pl.String},
    )
