"""Does the data at hand hold namesakes at one home? The evidence that decides whether the namesakes guard stays on.

The guard (``model.namesake_guard``) takes back what the name and the home
gave when two full dates of birth differ in a way no typo explains and no
identifier is shared: that is what two people of one name at one home look
like (cousins brought up together, a boy given his brother's name, a junior
and his father), and also what one person looks like when one record carries
a wholly wrong date (a false date given to police, a date keyed from another
form). No single pair tells the two apart; the data as a whole can, through
identifiers, exactly as for twins (``twins.py``):

- *Namesake pairs at one home*: the same family name and postcode, given
  names alike, full dates that differ beyond a typo, both records holding an
  identifier of one kind.
- Two people never share an identifier; one person's records share it
  unless it was recorded differently (the model's m for "different", ``q``).
- Many more differing pairs than ``agree * q / (1 - q)`` (a one-sided Poisson
  test at 5%), the excess at least half of all the pairs: namesakes live
  here, and the guard holds. Fewer (with at least
  ``namesake_evidence_pairs`` pairs): such pairs are mostly one person whose
  dates are recorded wrongly, and the guard is lifted for this build (FEBRL,
  whose duplicates carry wholly replaced dates, is such data: 107 of 118
  pairs share an identifier). Too few pairs to tell: it holds.

While the guard holds, namesakes at one home are also a cannot-link
constraint on the clusters (``within_clusters``), so a record with no date
that matches both cannot chain them together.

The twins guard holds on any significant excess; this one asks for half,
because it takes back far more (the name and the home, not a date), so
where it fires on one person it splits them.

The counts and the decision are kept in ``resolve_model`` details
(``namesakes_guard``); ``namesake_guard = false`` or
``namesake_evidence_pairs = 0`` take the choice back from the data.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import Constraint, one_apart, shares_identifier, vouched
from crossline.stages.resolve.model import SqlFunctions, dates_differ_beyond_typo, names_alike
from crossline.stages.resolve.twins import Relatives, identifier_evidence_sql

# The guard takes back all a name and a home say, so where it fires on one person it splits them: it holds only
# where at least half the pairs it would judge are two people.
NAMESAKES = Relatives("namesake pairs at one home", "namesakes at one home", "namesake_evidence_pairs", min_share=0.5)


def evidence_sql(table: str, dialect: str) -> str:
    """Namesake pairs at one home, counted by identifier kind and by whether an identifier is shared."""
    f = SqlFunctions(dialect)
    return identifier_evidence_sql(
        table, dialect, "l.family_name = r.family_name AND l.postcode = r.postcode",
        f"{dates_differ_beyond_typo(f)} AND {names_alike(f)}",
    )


def within_clusters(records: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """Namesakes at one home whose records a chain put in one cluster: cannot-link pairs, while the guard holds.

    The guard keeps the two namesakes' own records from linking, but a record
    with no date of birth matches both (the name and the home are all it
    holds) and chains them together. Checked on the clusters like the other
    constraints (``constraints.py``), so the chain is cut at its weakest link
    and the undated record stands between the two, for review
    (``cluster.py``). Narrower than the guard, as a constraint must be: the
    same family name and postcode, given names the same form or one letter
    apart, two full dates no typo explains (neither 1 January, which systems
    write when only the year is known), no identifier in common, and no lone
    date an identifier exposes (``constraints.vouched``: then one person's
    date was recorded wrongly, and the identifier says so).
    """
    dated = records.select(
        "unique_id", "family_name", "postcode", "given_name", "given_forms", "dob", "nhs", "pnc", "upn", "other_ids",
    ).with_columns(pl.Series("cluster", labels)).filter(
        (pl.col("dob").str.len_chars() == 10) & ~pl.col("dob").str.ends_with("-01-01"))  # 1 January: maybe only the year
    dated = dated.filter(pl.col("dob").n_unique().over("cluster") > 1)  # most clusters hold one date: nothing to check
    keys = dated.filter(pl.col("family_name").is_not_null() & pl.col("postcode").is_not_null() & pl.col("given_name").is_not_null())

    def part(side: str, start: int) -> pl.Expr:
        return pl.col(f"dob{side}").str.slice(start, 2)

    swapped = (part("", 5) == part("_r", 8)) & (part("", 8) == part("_r", 5))
    pairs = (
        keys.join(keys, on=["cluster", "family_name", "postcode"], suffix="_r")
        .filter((pl.col("unique_id") < pl.col("unique_id_r")) & (pl.col("dob").str.slice(5) != pl.col("dob_r").str.slice(5))
                & ~swapped)  # the birthday kept (a year written wrongly) or day and month swapped: one person's date
    )
    if pairs.height == 0:
        return []
    members = {c: g.to_dicts() for (c,), g in dated.filter(pl.col("cluster").is_in(pairs["cluster"].implode()))
               .partition_by("cluster", as_dict=True).items()}
    found = []
    for row in pairs.iter_rows(named=True):
        right = {k[:-2]: v for k, v in row.items() if k.endswith("_r")}
        if one_apart(row["dob"], right["dob"]) or shares_identifier(row, right):
            continue
        if not (set(row["given_forms"] or []) & set(right["given_forms"] or []) or one_apart(row["given_name"], right["given_name"])):
            continue
        if vouched(row, right, members[row["cluster"]]):
            continue
        found.append(Constraint(int(row["unique_id"]), int(right["unique_id"]),
                                f"namesakes at one home: dates of birth {row['dob']} / {right['dob']} differ beyond a typo, "
                                "no identifier in common"))
    return found
