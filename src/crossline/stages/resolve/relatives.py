"""Records a source itself says are relatives: two people, so never one nominal (issue 13 item 1).

A ``family_of`` link between two person records of one source (a council's
child and parent, a force's sibling and sibling) is the source saying "these
are two different people". A parent and a child who share a name and a home
score as one person on name and address alone, and when one of the two
records has no date of birth no date can keep them apart; the source's own
link can. Each such pair becomes a cannot-link constraint, checked on the
clusters after linking like the others (``constraints.py``), so no chain of
links joins them either; only a person's "same person" decision overrides it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import Constraint

RELATIVES_SQL = (
    "SELECT source, \"left\", \"right\" FROM links "
    "WHERE relation = 'family_of' AND \"left\" LIKE 'person:%' AND \"right\" LIKE 'person:%'"
)


def as_indexes(links: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """``family_of`` links (``source, left, right``; endpoints ``person:<record id>`` of that source) as record-index pairs ``a, b``.

    Links naming a record the store does not hold are dropped: they cannot constrain anything.
    """
    empty = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "source": pl.String})
    if links.height == 0:
        return empty
    keys = records.select(pl.col("unique_id").cast(pl.Int64), "source", "record_id")
    ends = links.select(
        "source",
        pl.col("left").str.strip_prefix("person:").alias("left"),
        pl.col("right").str.strip_prefix("person:").alias("right"),
    )
    joined = (
        ends.join(keys.rename({"unique_id": "x", "record_id": "left"}), on=["source", "left"])
        .join(keys.rename({"unique_id": "y", "record_id": "right"}), on=["source", "right"])
        .filter(pl.col("x") != pl.col("y"))
    )
    return joined.select(
        pl.min_horizontal("x", "y").alias("a"), pl.max_horizontal("x", "y").alias("b"), "source"
    ).unique(["a", "b"], keep="first").sort("a", "b")


def within_clusters(relatives: pl.DataFrame, labels: np.ndarray) -> list[Constraint]:
    """The relatives (``as_indexes``) that ``labels`` puts in one cluster, as constraints with the reason in words."""
    if relatives.height == 0:
        return []
    a = relatives["a"].to_numpy()
    b = relatives["b"].to_numpy()
    inside = labels[a] == labels[b]
    return [
        Constraint(int(x), int(y), f"{source} records them as family of each other (two people)")
        for x, y, source in zip(a[inside].tolist(), b[inside].tolist(), relatives["source"].filter(pl.Series(inside)).to_list(),
                                strict=True)
    ]
