"""Undated records whose phone is someone else's: a namesake at the home, left alone rather than joined (issue 13).

A record with no date of birth and no identifier joins a person on name and
home alone, and a parent or a child of the same name at that home explains
those just as well: the mother's undated council record, "Jessica Gorringe"
at the family's address, joined her daughter Jessica's records, born 31
years later, because nothing in it disagreed. Such a record often holds one
thing of its own: a phone. When the person's dated records hold a phone of
their own and the undated record's phone is none of theirs, the record may
be the namesake, and joining a parent's record to a child's is the worst
error resolution can make, while leaving one record alone is a reviewable
one. So the record is left out of the person's nominal and its best link
goes to the review queue saying why; a person's "same person" decision
joins it back.

**Only where the data says phones tell people apart** (``agreement``). In
data where adults hold several phones (a work and a personal mobile, a
runner's handsets), a number the person's dated records lack is usually the
person's other phone, not a namesake's: on the simulator's million records
the rule would leave out 113 records of one person for 8 namesakes. So the
build first asks its own data how often two dated records of one adult, in
one nominal, hold no phone in common, and uses the rule only when that is
under ``AGREEMENT_SHARE`` of at least ``AGREEMENT_MIN`` such pairs; else it
says so and asks nothing (as ``ages.self_checked`` does for PNC years).

What keeps it narrow besides:

- only records with no date of birth at all (not even a year) and no
  identifier (NHS number, PNC id, UPN or any other) are asked;
- the person's phone must be their own. A child's records carry a parent's
  number as their contact, and a school's always do, so only the phones on
  an adult's records from agencies other than schools count (eighteen or
  more on the day the data speaks for: the latest bundle's ``produced_at``,
  or the day it was imported when it does not say, or the latest event; a
  date in the data, not the clock, so that a rebuild of the same data gives
  the same answer), and only a number that no record of anyone else holds
  (not a household landline);
- a record whose phone any dated record of the person shares stays, and so
  do records a person decided.

The cost: an adult who changed phone between two agencies' records, one of
them undated and without an identifier, in data where adults otherwise keep
one number, is left in two nominals until someone joins them from the
review queue (docs/resolve.md has the figures).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import polars as pl

from crossline.stages.resolve.cluster import FORCED, Prefer, Split, components
from crossline.stages.resolve.constraints import Constraint

IDENTIFIERS = ("nhs", "pnc", "upn")
ADULT_AGE = 18
CONTACT_AGENCIES = ("education",)
"""Agency types whose records hold a contact's number (a pupil's parent), never the person's own."""
AGREEMENT_SHARE = 0.01
"""The rule is used only when fewer than this share of one adult's dated record pairs hold no phone in common..."""
AGREEMENT_MIN = 100
"""...out of at least this many pairs: fewer say nothing about how people in this data keep their phones."""
CONTACT_SQL = f"SELECT agency_id FROM agencies WHERE type IN ({', '.join(repr(t) for t in CONTACT_AGENCIES)})"
LATEST_SQL = (  # the day the data speaks for: the latest bundle's (when it does not say, the day it came in), or event
    "SELECT max(d) AS latest FROM (SELECT substr(coalesce(produced_at, imported_at), 1, 10) AS d FROM bundles "
    "UNION ALL SELECT substr(occurred_at, 1, 10) AS d FROM events) AS days"
)


def adults_born_by(latest_day: str | None) -> str | None:
    """The latest date of birth (ISO) of someone ``ADULT_AGE`` or older on ``latest_day`` (``LATEST_SQL``), or None."""
    if not latest_day or len(latest_day) < 10 or not latest_day[:4].isdigit():
        return None
    return f"{int(latest_day[:4]) - ADULT_AGE:04d}{latest_day[4:10]}"


class Agreement(NamedTuple):
    """How often two dated records of one adult, in one nominal, hold no phone in common."""

    pairs: int
    apart: int

    @property
    def used(self) -> bool:
        return self.pairs >= AGREEMENT_MIN and self.apart < AGREEMENT_SHARE * self.pairs

    def sentence(self) -> str:
        """One line for the build's output (under 200 characters, as every note)."""
        if self.pairs < AGREEMENT_MIN:
            return (f"phones not used to hold undated records apart: only {self.pairs} pair(s) of an adult's dated records "
                    f"in one nominal hold phones (at least {AGREEMENT_MIN} needed)")
        said = f"{self.apart:,} of {self.pairs:,} pairs of an adult's dated records in one nominal share no phone ({self.apart / self.pairs:.2%}"
        if self.used:
            return f"{said}): an undated record with none of a person's numbers is left for review"
        return f"{said}, {AGREEMENT_SHARE:.0%} or more): people hold several numbers; phones not used to hold undated records apart"


def _adults_own(adults_born_by: str, contact: np.ndarray) -> pl.Expr:
    """Whether a record is an adult's own: dated, adult on the data's day, not a contact agency's (null when undated)."""
    return (pl.col("dob") <= adults_born_by) & ~pl.Series(contact)


def _owners(records: pl.DataFrame, labels: np.ndarray, adults_born_by: str, contact: np.ndarray) -> pl.DataFrame:
    """Per record: its cluster, whether dated, whether an adult's own (``_adults_own``)."""
    return records.select("unique_id", "phones", "dob", "dob_year", *IDENTIFIERS, "other_ids").with_columns(
        label=pl.Series(labels), dated=pl.col("dob").is_not_null(), adult=_adults_own(adults_born_by, contact))


def agreement(records: pl.DataFrame, labels: np.ndarray, adults_born_by: str | None, contact: np.ndarray) -> Agreement:
    """Pairs of an adult's own dated records (``_owners``) in one cluster, both holding a phone, and how many share none."""
    if adults_born_by is None:
        return Agreement(0, 0)
    own = _owners(records, labels, adults_born_by, contact).filter(pl.col("adult") & (pl.col("phones").list.len() > 0))
    own = own.join(own.group_by("label").len().filter(pl.col("len") >= 2).select("label"), on="label")
    pairs = own.select("unique_id", "label", "phones").join(own.select("unique_id", "label", "phones"), on="label", suffix="_r")
    pairs = pairs.filter(pl.col("unique_id") < pl.col("unique_id_r"))
    apart = pairs.filter(pl.col("phones").list.set_intersection(pl.col("phones_r")).list.len() == 0).height
    return Agreement(pairs.height, apart)


def tells_sides(records: pl.DataFrame, adults_born_by: str | None, contact: np.ndarray) -> Prefer:
    """``cluster``'s ``prefer``: whether an ambiguous undated record's phone says which of two namesakes it is.

    Yes when its number is on an adult's own record on its side (``_owners``: dated, adult, not a contact
    agency's), no record of the other side holds it, and the other side has an own number of its own: both
    people's numbers are known and tell them apart. The caller asks only where ``agreement`` says adults keep
    their numbers.
    """
    phones = records["phones"]
    own = records.select(_adults_own(adults_born_by or "", contact).fill_null(False)).to_series().to_numpy()

    def numbers(members: Iterable[int], owned: bool = False) -> set[str]:
        found: set[str] = set()
        for m in members:
            if (not owned or own[m]) and (held := phones[m]) is not None:
                found.update(held.to_list())
        return found

    def prefer(r: int, mine: set[int], other: set[int]) -> bool:
        held, other = numbers([r]), other - {r}
        return (bool(held) and bool(held & numbers(mine - {r}, owned=True)) and bool(numbers(other, owned=True))
                and not held & numbers(other))

    return prefer


def held_apart(records: pl.DataFrame, edges: pl.DataFrame, labels: np.ndarray,
               adults_born_by: str | None, contact: np.ndarray) -> tuple[list[int], list[Split]]:
    """Undated records clustered with a person whose own phone they do not hold, and a review note for each.

    ``records``: the prepared records (``unique_id`` is the row index); ``edges``: ``a, b, p, w`` links at or
    above the threshold, people's decisions included (``p`` of ``FORCED``); ``labels``: the clusters, after the
    constraints (before them a mother and her daughter may still share one, and the mother's phone would pass
    for the daughter's); ``adults_born_by``: the latest date of birth (ISO) of an adult, or None when the build
    holds no date to count from; ``contact``: per record, True when its agency records a contact's number
    (``CONTACT_AGENCIES``). The caller asks only where ``agreement`` says phones tell people apart. Returns the
    records to leave out (``detach`` does) and the notes (each record's best link inside its cluster, a dated
    record's first).
    """
    n = records.height
    if edges.height == 0 or n < 2 or adults_born_by is None:
        return [], []
    sizes = np.bincount(labels, minlength=n)
    frame = _owners(records, labels, adults_born_by, contact).select(
        "unique_id", "phones", "label", "dated", "adult",
        bare=pl.col("dob").is_null() & pl.col("dob_year").is_null() & pl.all_horizontal(pl.col(c).is_null() for c in IDENTIFIERS)
        & (pl.col("other_ids").is_null() | (pl.col("other_ids").list.len() == 0)),
    ).filter(pl.Series(sizes[labels] >= 2))
    phones = frame.select("unique_id", "label", "dated", "adult", "bare", phone=pl.col("phones")).explode("phone").drop_nulls("phone")
    if phones.height == 0:
        return [], []
    everyone = pl.DataFrame({"phone": records["phones"]}).with_columns(label=pl.Series(labels)).explode("phone")
    own = everyone.drop_nulls("phone").group_by("phone").agg(pl.col("label").n_unique().alias("people"))
    dated = phones.filter("dated").select("label", "phone").unique()
    theirs = phones.filter("adult").select("label", "phone").unique().join(own.filter(pl.col("people") == 1), on="phone")
    personal = theirs.select("label").unique()
    asked = phones.filter("bare").join(personal, on="label")
    if asked.height == 0:
        return [], []
    sharing = asked.join(dated, on=["label", "phone"]).select("unique_id").unique()
    forced = pl.concat([edges.filter(pl.col("p") >= FORCED).select(r=c) for c in ("a", "b")])
    found = (asked.select("unique_id").unique().join(sharing, on="unique_id", how="anti")
             .join(forced, left_on="unique_id", right_on="r", how="anti")["unique_id"].sort().to_list())
    if not found:
        return [], []
    inside = edges.filter(pl.Series(labels[edges["a"].to_numpy()] == labels[edges["b"].to_numpy()]))
    return found, _notes(found, inside, labels, frame, theirs)


def detach(labels: np.ndarray, found: list[int], edges: pl.DataFrame) -> np.ndarray:
    """The clusters with ``found`` taken out: records left out together (the mother's two undated records, linked to
    each other) stay together, and each part is labelled by its smallest record index, as ``cluster`` labels."""
    if not found:
        return labels
    n = labels.size
    out = np.zeros(n, dtype=bool)
    out[found] = True
    a, b = edges["a"].to_numpy(), edges["b"].to_numpy()
    among = out[a] & out[b] & (labels[a] == labels[b])
    apart = components(n, a[among], b[among])  # each left-out record: the smallest index of its left-out group
    new = labels.copy()
    new[out] = apart[out]
    rest = np.flatnonzero(~out & np.isin(labels, np.unique(labels[out])))
    if rest.size:
        first = pl.DataFrame({"r": rest, "label": labels[rest]}).group_by("label").agg(pl.col("r").min().alias("first"))
        relabel = dict(zip(first["label"].to_list(), first["first"].to_list(), strict=True))
        new[rest] = [relabel[x] for x in labels[rest].tolist()]
    return new


def _notes(found: list[int], edges: pl.DataFrame, labels: np.ndarray, frame: pl.DataFrame, theirs: pl.DataFrame) -> list[Split]:
    """Each left-out record's strongest link to a dated record of the person, with the record's and the person's phones."""
    asked = pl.Series(found).implode()
    is_dated = frame.filter("dated")["unique_id"].implode()
    links = pl.concat([  # a link to a dated record first (the one the person would look at), else the strongest
        edges.filter(pl.col(x).is_in(asked)).select(r=x, d=y, a="a", b="b", p="p", w="w", dated=pl.col(y).is_in(is_dated))
        for x, y in (("a", "b"), ("b", "a"))
    ]).sort(["r", "dated", "w"], descending=[False, True, True]).unique("r", keep="first", maintain_order=True)
    mine = frame.select(r="unique_id", own=pl.col("phones").list.join(", "))
    person = theirs.group_by("label").agg(pl.col("phone").sort().str.join(", ").alias("theirs"))
    links = links.with_columns(label=pl.Series(labels[links["r"].to_numpy()])).join(mine, on="r").join(person, on="label")
    return [
        Split(a, b, p, Constraint(min(r, d), max(r, d),
                                  f"this record has no date of birth and its phone ({own}) is none of this person's own "
                                  f"({theirs}): it may be a namesake at the home (a parent or a child), so it joins "
                                  "no one until a person decides"))
        for r, d, a, b, p, own, theirs in links.select("r", "d", "a", "b", "p", "own", "theirs").iter_rows()
    ]
