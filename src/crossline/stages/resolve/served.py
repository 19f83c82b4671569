"""Whom a feed serves: the ages its own dated records hold bound the age of its undated ones.

A youth charity's record of a boy often has no date of birth, and he is
often named after his father, who lives at the same address. Name and home
then join the boy's undated record to his father's records, and no
constraint can fire: there is one date in the nominal, not two. But the
charity's other records say whom it works with: its 112 dated records in one
feed are of people born 2005 to 2012, so an undated record of it is not of a
man born in 1979. A school's, a youth offending team's or a housing
provider's feed says the same of its own people. Nothing is assumed about an
agency from its name or type; each feed speaks for itself.

The same holds of the people who hold one kind of identifier, wherever
their records are kept: a UPN is a pupil's number, so the records holding
one are of people of school age, and a council's undated record holding a
UPN is not of a mother born in 1987, though the council holds people of
every age. Nothing is assumed here either: each group (a feed, or the
holders of an NHS number, a PNC id or a UPN) is bounded by what its own
dated records show, and an undated record takes the narrowest bound of its
groups (``served_by`` names the groups that set it).

So are the people a feed lists in one role in one kind of its own events
(``roles``): a force holds babies (as witnesses, as missing children), so
its feed rules no one out, but the victims its domestic abuse events list
are adults, and its undated record of Bethan Jarvis, a victim, is not her
baby daughter Bethan's, whose council record gives the same name and home.
No role or event type is assumed to mean an age; the group's dated records
say what ages it holds, as a feed's do.

The bound is wide on purpose: the feed's dated records from their 1st to
their 99th percentile of birth (so one mistyped year does not stretch it),
and a generation (``GENERATION_YEARS``) either side. A record with no date
of birth (not even a year) of such a feed then conflicts, within a cluster,
with a record whose full date lies outside it, unless the two share an
identifier (then a date is wrong, not the person): checked with the other
age bounds (``ages.within_clusters``), so no chain joins them and only a
person's "same person" decision overrides it.

A feed's undated records may not be like its dated ones (a charity that
records a child's date but not the parent's it also lists). So each feed is
checked against the links the model made (``checked``): of its undated
records linked above the threshold to a record with a full date, if more
than ``ages.UNTRUSTED_SHARE`` (and at least ``ages.UNTRUSTED_MIN``) are
linked *only* to records outside the bound, the feed's undated records are
people its dated ones do not describe, no bound of that feed is used, and
the build says so. "Only", because a boy's undated record links to his own
dated records and, pairwise, to his father's too (a name and a home in
common): 14 of a youth charity's 118 linked undated records do so in one
independent scenario, against one linked only to a father.
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from crossline.stages.resolve.ages import UNTRUSTED_MIN, UNTRUSTED_SHARE
from crossline.stages.resolve.constraints import GENERATION_YEARS

SERVED_MIN = 20
"""A group (a feed, an identifier's holders) needs at least this many records with a full date of birth to say whom it holds."""
SERVED_QUANTILE = 0.01
"""The group's births from this quantile to its complement: a few mistyped years do not widen the bound."""

MARK_SCHEMA = pl.Schema({"unique_id": pl.Int64(), "served_after": pl.String(), "served_before": pl.String(),
                         "served_by": pl.String()})
PROFILE_SCHEMA = pl.Schema({"group": pl.String(), "dated": pl.UInt32(), "served_after": pl.Date(), "served_before": pl.Date()})
IDENTIFIERS = {"nhs": "an NHS number", "pnc": "a PNC id", "upn": "a UPN"}
"""Holding one of these makes a record one of that identifier's holders, a group whose ages the data shows too."""
ROLES_SQL = (
    "SELECT ep.source, ep.person_id AS record_id, e.event_type, ep.role "
    "FROM event_people ep JOIN events e ON e.source = ep.source AND e.record_id = ep.event_id"
)
"""Who each person record was in its own source's events: a source's victims of domestic abuse are a group too.
(Not DISTINCT: the database's distinct took 6 s of a million-record build's 8, Polars' ``unique`` 0.2.)"""
GROUP_SCHEMA = pl.Schema({"unique_id": pl.Int64(), "group": pl.String()})


def _born() -> pl.Expr:
    return pl.when(pl.col("dob").str.len_chars() == 10).then(pl.col("dob").str.to_date("%Y-%m-%d", strict=False))


def roles(rows: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Each record's event groups (``unique_id``, ``group``) from ``ROLES_SQL``'s rows: "gwent-police: victim in
    domestic_abuse" for a record its own source lists as a victim in a domestic abuse event.

    Nothing is assumed of any role or event type: the group's dated records
    say what ages it holds, as a feed's do.
    """
    if rows.height == 0:
        return pl.DataFrame(schema=GROUP_SCHEMA)
    keys = records.select(pl.col("unique_id").cast(pl.Int64), "source", "record_id")
    return rows.join(keys, on=["source", "record_id"]).select(
        "unique_id", pl.format("{}: {} in {}", "source", "role", "event_type").alias("group")).unique().cast(GROUP_SCHEMA)


def _groups(records: pl.DataFrame, events: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each record's groups (``unique_id``, ``group``): its feed (the source id), "holders of a UPN" (or an NHS
    number, a PNC id) when it holds one, and its event groups (``roles``). A source id has no spaces, so the
    kinds of name never meet."""
    uid = pl.col("unique_id").cast(pl.Int64)
    parts = [records.select(uid, pl.col("source").alias("group"))]
    parts += [records.filter(pl.col(column).is_not_null()).select(uid, pl.lit(f"holders of {name}").alias("group"))
              for column, name in IDENTIFIERS.items() if column in records.columns]
    if events is not None:  # only the events of these records
        parts.append(events.cast(GROUP_SCHEMA).join(parts[0].select("unique_id"), on="unique_id", how="semi"))
    return pl.concat(parts)


def profiles(records: pl.DataFrame, events: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per group (a feed, the holders of one kind of identifier, or the people a feed lists in one role in one kind
    of event: ``events``, from ``roles``) with ``SERVED_MIN`` dated records or more: the births its undated records
    may have.

    ``served_after`` and ``served_before`` are exclusive: a generation before
    the group's 1st percentile of birth and after its 99th.
    """
    dated = _groups(records, events).join(records.select(pl.col("unique_id").cast(pl.Int64), _born().alias("born")), on="unique_id")
    dated = dated.drop_nulls("born")
    if dated.height == 0:
        return pl.DataFrame(schema=PROFILE_SCHEMA)
    return (
        dated.group_by("group").agg(
            pl.len().cast(pl.UInt32).alias("dated"),
            pl.col("born").quantile(SERVED_QUANTILE, "lower").alias("first"),
            pl.col("born").quantile(1 - SERVED_QUANTILE, "higher").alias("last"),
        ).filter(pl.col("dated") >= SERVED_MIN)
        .select("group", "dated", pl.col("first").dt.offset_by(f"-{GENERATION_YEARS}y").alias("served_after"),
                pl.col("last").dt.offset_by(f"{GENERATION_YEARS}y").alias("served_before"))
        .cast(PROFILE_SCHEMA).sort("group")
    )


def _memberships(records: pl.DataFrame, found: pl.DataFrame, events: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per record with no date of birth at all (not even a year), each profiled group it is in, with that group's bound."""
    undated = records.filter(pl.col("dob").is_null() & pl.col("dob_year").is_null())
    return _groups(undated, events).join(found.select("group", "served_after", "served_before"), on="group")


def marks(records: pl.DataFrame, found: pl.DataFrame, events: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per record with no date of birth at all of a profiled group: the narrowest bound of its groups (ISO), and the
    groups that set it (``served_by``)."""
    return _narrowest(_memberships(records, found, events))


def _narrowest(member: pl.DataFrame) -> pl.DataFrame:
    """``marks`` from the memberships: one row per record, the narrowest bound of its groups."""
    return member.sort("group").group_by("unique_id").agg(
        pl.col("served_after").max(), pl.col("served_before").min(),
        pl.col("group").filter((pl.col("served_after") == pl.col("served_after").max())
                               | (pl.col("served_before") == pl.col("served_before").min())).str.join("; ").alias("served_by"),
    ).select("unique_id", pl.col("served_after").cast(pl.String), pl.col("served_before").cast(pl.String), "served_by"
             ).cast(MARK_SCHEMA).sort("unique_id")


class Checked(NamedTuple):
    marks: pl.DataFrame  # the bounds kept, per record
    profiles: pl.DataFrame  # the groups whose bound is kept
    notes: list[str]  # a plain sentence for each group whose bound was not used
    unused: list[str]  # those groups


def checked(records: pl.DataFrame, pairs: pl.DataFrame, link_probability: float,
            events: pl.DataFrame | None = None) -> Checked:
    """The groups' bounds (``profiles``, ``marks``), less those of groups whose undated records the links say are others.

    ``pairs`` are the scored pairs (``a``, ``b``: record indexes;
    ``match_probability``); ``events`` the records' event groups (``roles``).
    Each group is judged on its own bound.
    """
    found = profiles(records, events)
    member = _memberships(records, found, events)
    if member.height == 0:
        return Checked(_narrowest(member), found, [], [])
    born = records.select(pl.col("unique_id").cast(pl.Int64), _born().alias("born"))
    linked = pairs.filter(pl.col("match_probability") >= link_probability).select(
        pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64))
    both_ways = pl.concat([linked, linked.select(a="b", b="a")])
    judged = (
        both_ways.join(member, left_on="a", right_on="unique_id")
        .join(born.rename({"unique_id": "b"}), on="b").drop_nulls("born")
        .with_columns(outside=(pl.col("born") <= pl.col("served_after")) | (pl.col("born") >= pl.col("served_before")))
        .group_by("group", "a").agg(pl.col("outside").all())
        .group_by("group").agg(pl.col("outside").sum().alias("bad"), pl.len().alias("total")).sort("group")
    )
    notes, unused = [], []
    for group, bad, total in judged.iter_rows():
        if bad >= UNTRUSTED_MIN and bad > UNTRUSTED_SHARE * total:
            unused.append(group)
            notes.append(f"{group}: {bad:,} of its {total:,} records with no date of birth linked to a dated record are linked "
                         "only to people born outside the ages its dated records hold, so its records' ages are not used to "
                         "tell people apart; check whether it lists people (parents, carers) it does not date")
    kept = found.filter(~pl.col("group").is_in(unused))
    return Checked(_narrowest(member.filter(~pl.col("group").is_in(unused))), kept, notes, unused)


def sentence(kept: pl.DataFrame, records: pl.DataFrame) -> str | None:
    """One line for the build: the groups whose own records bound their undated ones narrower than the data's dates, or None."""
    born = records.select(_born().alias("born"))["born"].drop_nulls()
    if kept.height == 0 or born.len() == 0:
        return None
    first, last = born.min(), born.max()
    narrow = kept.filter((pl.col("served_after") >= first) | (pl.col("served_before") <= last))
    if narrow.height == 0:
        return None
    listed = "; ".join(f"{s} born {a.year + GENERATION_YEARS} to {b.year - GENERATION_YEARS}" for s, a, b in narrow.select(
        "group", "served_after", "served_before").iter_rows())
    return (f"undated records are taken to be of the ages their groups' dated records hold (their feed's, the "
            f"holders' of an identifier they hold, and those their feed lists in one role in one kind of event), a "
            f"generation either side (whom a feed serves): {listed}")


def joined(bounds: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """The records' event and PNC bounds (``ages.bounds``) with the groups' bounds beside them, one row per record."""
    if kept.height == 0:
        return bounds.with_columns(pl.lit(None, pl.String).alias(c) for c in MARK_SCHEMA.names()[1:])
    return bounds.cast({"unique_id": pl.Int64}).join(kept, on="unique_id", how="full", coalesce=True).sort("unique_id")


def details(kept: pl.DataFrame, unused: list[str]) -> dict[str, object]:
    """For ``resolve_model.details``: each group's bound (ISO, exclusive) and how many dated records set it; groups unused."""
    return {"groups": {s: {"born_after": str(a), "born_before": str(b), "dated": int(n)}
                       for s, n, a, b in kept.select("group", "dated", "served_after", "served_before").iter_rows()},
            "unused": unused}
