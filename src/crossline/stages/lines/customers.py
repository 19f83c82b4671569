"""A line's customers, counted the two ways used in court (shared/design/DOMAIN.md).

* **Potential customers**: numbers that received the line's flares (bulk texts).
* **Confirmed customers**: numbers that contacted the line and were answered
  (a voice call with a duration) or contacted back by the line later the same
  day: a confirmed transaction. Contacts a runner answers are not seen here
  (runners' calls with customers are rarely in the return); the count is a
  floor, and the pack says so.

Counted per line across all its numbers, so a customer who followed the line
to its new number counts once.
"""

from __future__ import annotations

import polars as pl

from crossline.stages.lines.features import local_day_iso


def customer_table(parties: pl.DataFrame, places: pl.DataFrame, runners: pl.DataFrame) -> pl.DataFrame:
    """One row per line and customer (potential or confirmed), with where they were seen; runners are not customers."""
    return (
        parties.filter((pl.col("potential_days") > 0) | (pl.col("confirmed_days") > 0))
        .join(runners.select("line_id", pl.col("number").alias("party")), on=["line_id", "party"], how="anti")
        .join(places.select("line_id", "party", "cell", "force_area").unique(["line_id", "party"]), on=["line_id", "party"], how="left")
        .select(
            "line_id", pl.col("party").alias("number"),
            (pl.col("potential_days") > 0).alias("potential"), (pl.col("confirmed_days") > 0).alias("confirmed"),
            "potential_days", "confirmed_days", "contact_days",
            local_day_iso(pl.col("first_day")).alias("first_day"), local_day_iso(pl.col("last_day")).alias("last_day"),
            "cell", "force_area",
        )
        .sort(["line_id", "number"])
    )


def customer_counts(customers: pl.DataFrame) -> pl.DataFrame:
    """line_id -> potential_customers, confirmed_customers."""
    return customers.group_by("line_id").agg(
        pl.col("potential").sum().cast(pl.Int64).alias("potential_customers"),
        pl.col("confirmed").sum().cast(pl.Int64).alias("confirmed_customers"),
    )


def daily(people: pl.DataFrame, number_day: pl.DataFrame, line_map: pl.DataFrame) -> pl.DataFrame:
    """line_id, day: flares, messages sent, potential and confirmed customers that day (the pack's charts)."""
    sent = (
        number_day.join(line_map, on="number")
        .group_by("line_id", "day")
        .agg(pl.col("flares").sum().cast(pl.Int64), pl.col("messages").sum().cast(pl.Int64),
             pl.col("outbound").sum().cast(pl.Int64))
    )
    return (
        sent.join(people.with_columns(pl.col("day").cast(pl.Int64)), on=["line_id", "day"], how="full", coalesce=True)
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in ("flares", "messages", "outbound", "potential", "confirmed", "contacted"))
        .with_columns(local_day_iso(pl.col("day")).alias("date"))
        .sort(["line_id", "day"])
        .select("line_id", "date", "day", "flares", "messages", "outbound", "potential", "confirmed", "contacted")
    )
