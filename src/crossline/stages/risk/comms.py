"""Contact with deal-line and runner numbers, read from the comms lake with DuckDB.

One scan of the lake, filtered to the lines stage's numbers: for each other
party, how many contacts, on how many days, first and last. Only the numbers
of people Crossline holds records of are kept (``phones``), so the result is
small however large the lake is.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import polars as pl

from crossline.engine import duck
from crossline.settings import Settings

CONTACT_SCHEMA = pl.Schema(cast(dict[str, pl.DataType], {
    "phone": pl.String, "counterpart": pl.String, "kind": pl.String, "contacts": pl.Int64, "days": pl.Int64,
    "first_at": pl.Datetime("us"), "last_at": pl.Datetime("us"),
}))


def line_contacts(
    settings: Settings,
    files: list[str],
    line_numbers: pl.DataFrame,
    runners: pl.DataFrame | None,
    phones: pl.Series,
    as_of: datetime,
) -> pl.DataFrame:
    """(phone, counterpart, kind line|runner, contacts, days, first_at, last_at) for ``phones`` only."""
    targets = pl.concat([
        line_numbers.select("number", pl.lit("line").alias("kind")),
        (runners if runners is not None else pl.DataFrame(schema={"number": pl.String})).select("number", pl.lit("runner").alias("kind")),
    ]).unique("number", keep="first")  # a number that is both counts as a line
    if not files or targets.height == 0 or phones.len() == 0:
        return pl.DataFrame(schema=CONTACT_SCHEMA)
    con = duck.connect(settings)
    try:
        con.register("targets", targets.to_arrow())
        con.register("watched", pl.DataFrame({"phone": phones.unique()}).to_arrow())
        file_list = duck.quote_list(files)
        sql = f"""
            WITH c AS (
                SELECT a_number, b_number, started_at FROM read_parquet({file_list}, union_by_name = true)
                WHERE started_at <= $as_of
            ), pairs AS (
                SELECT c.b_number AS phone, t.number AS counterpart, t.kind, c.started_at FROM c JOIN targets t ON c.a_number = t.number
                UNION ALL
                SELECT c.a_number AS phone, t.number AS counterpart, t.kind, c.started_at FROM c JOIN targets t ON c.b_number = t.number
            )
            SELECT p.phone, p.counterpart, p.kind, COUNT(*) AS contacts, COUNT(DISTINCT CAST(p.started_at AS DATE)) AS days,
                   MIN(p.started_at) AS first_at, MAX(p.started_at) AS last_at
            FROM pairs p JOIN watched w ON p.phone = w.phone
            WHERE p.phone <> p.counterpart
            GROUP BY p.phone, p.counterpart, p.kind
        """
        table = con.sql(sql, params={"as_of": as_of}).to_arrow_table()
    finally:
        con.close()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(CONTACT_SCHEMA)
