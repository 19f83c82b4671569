"""Where a line is run from and where it sells: controller area, market areas, cross-border or internal, runners.

* **Controller area**: the force area holding most of the line's *own* cell
  sightings (the cells its numbers used when they sent or answered): where the
  holder sits, usually in the hub.
* **Market areas**: each customer is placed at the cell they were seen on most
  often; a force area holding at least ``market_min_share`` of the customers is
  a market area.
* **Cross-border** when the controller area is not a market area, **internal**
  when it is (DOMAIN.md: internal lines grew sharply in 2023/24; both must be
  found).
* **Runners**: numbers that take direct (non-flare) texts from the line on at
  least ``runner_min_days`` days, more days than they get its flares, whose
  texts and own contacts go together (``RUNNER_RECIPROCITY``: the line texts
  them on at least half the days they are in touch, and they are in touch on
  at least half the days it texts them), and that sit where the line sells.
  A runner takes instructions most days it works and answers or checks in;
  a customer is texted back only after some of its orders (texted on a few of
  its many contact days), and a number that is texted day after day but never
  answers is on a broadcast list (a flare too small or slow to be seen as
  one). Where the line sells, for this rule, is judged from all its buyers:
  flare recipients and callers it answered, so a quiet line (one that never
  flares) has a market for its runners too. Runners are not counted as
  customers even when an instruction went out in the middle of a flare and so
  joined its burst.

A cell's force area is the one its cell_sites row gives, else the coarse lookup
``crossline.contract.geography.force_for_points`` (docs/geography.md).
"""

from __future__ import annotations

import polars as pl

from crossline.contract.geography import force_for_points
from crossline.settings.lines import LinesSettings

RUNNER_RECIPROCITY = 0.5
"""Least ratio, each way, of the days the line texts a number to the days the number contacts it, for a runner.

Why a ratio and not a count: a busy customer and a runner both rack up many
days; what differs is that a customer's texts from the line follow only some of
its orders, while a runner is told where to go on the days it works and
answers on those same days. Half, each way, leaves room for a runner that
sometimes does not reply and for days it only checks in.
"""


def cells_with_areas(cells: pl.DataFrame) -> pl.DataFrame:
    """cell_id, lat, lon, force_area (given, else derived from the point)."""
    if cells.is_empty():
        return cells.select("cell_id", "lat", "lon", pl.lit(None, dtype=pl.String).alias("force_area"))
    derived = force_for_points(cells["lat"], cells["lon"])
    return cells.with_columns(
        pl.coalesce(pl.col("force_area").replace("", None), derived).alias("force_area")
    ).select("cell_id", "lat", "lon", "force_area")


def _modal_cell(party_cells: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """line_id, party -> the cell seen most often (ties: the smallest cell id), with its place."""
    return (
        party_cells.sort(["line_id", "party", "n", "cell"], descending=[False, False, True, False])
        .unique(["line_id", "party"], keep="first", maintain_order=True)
        .join(cells.rename({"cell_id": "cell"}), on="cell", how="left")
        .select("line_id", "party", "cell", "lat", "lon", "force_area")
    )


def place_lines(
    own_cells: pl.DataFrame, party_cells: pl.DataFrame, parties: pl.DataFrame, direct: pl.DataFrame,
    cells: pl.DataFrame, s: LinesSettings,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Returns (per line geography, every contact's place (modal cell), runners)."""
    # sorted before anything is summed: the engines hand rows back in no fixed order, and a float sum
    # taken in another order can differ in its last bits (the centres then differ across engines and runs)
    own = own_cells.join(cells.rename({"cell_id": "cell"}), on="cell", how="left").sort(["line_id", "number", "cell"])
    controller = (
        own.filter(pl.col("force_area").is_not_null())
        .group_by("line_id", "force_area").agg(pl.col("n").sum())
        .sort(["line_id", "n", "force_area"], descending=[False, True, False])
        .unique("line_id", keep="first", maintain_order=True)
        .select("line_id", pl.col("force_area").alias("controller_area"))
    )
    own_centre = own.filter(pl.col("lat").is_not_null()).group_by("line_id").agg(
        ((pl.col("lat") * pl.col("n")).sum() / pl.col("n").sum()).alias("controller_lat"),
        ((pl.col("lon") * pl.col("n")).sum() / pl.col("n").sum()).alias("controller_lon"),
    )
    places = _modal_cell(party_cells, cells)
    # runners first: a contact that takes more days of direct texts than of flares (an instruction sent
    # while a flare was going out joins the burst, so "never flared" would be too strict)
    takes_texts = _takes_instructions(direct, parties, s)
    customers = (
        parties.filter(pl.col("potential_days") > 0).select("line_id", "party")
        .join(takes_texts, on=["line_id", "party"], how="anti")
        .join(places, on=["line_id", "party"], how="left")
        .sort(["line_id", "party"])
    )
    share = (
        customers.filter(pl.col("force_area").is_not_null())
        .group_by("line_id", "force_area").agg(pl.len().alias("n"))
        .with_columns((pl.col("n") / pl.col("n").sum().over("line_id")).alias("share"))
    )
    markets = (
        share.filter(pl.col("share") >= s.market_min_share)
        .sort(["line_id", "share", "force_area"], descending=[False, True, False])
        .group_by("line_id", maintain_order=True)
        .agg(pl.col("force_area").alias("market_list"))
    )
    market_centre = customers.filter(pl.col("lat").is_not_null()).group_by("line_id").agg(
        pl.col("lat").mean().alias("market_lat"), pl.col("lon").mean().alias("market_lon")
    )
    geo = (
        controller.join(own_centre, on="line_id", how="full", coalesce=True)
        .join(markets, on="line_id", how="full", coalesce=True)
        .join(market_centre, on="line_id", how="full", coalesce=True)
        .with_columns(
            pl.col("market_list").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(
            pl.col("market_list").list.join(";").alias("market_areas"),
            pl.when(pl.col("controller_area").is_null() | (pl.col("market_list").list.len() == 0))
            .then(pl.lit("unknown"))
            .when(pl.col("market_list").list.contains(pl.col("controller_area")))
            .then(pl.lit("internal"))
            .otherwise(pl.lit("cross-border"))
            .alias("reach"),
        )
    )
    runners = (
        takes_texts
        .join(parties.select("line_id", "party", "call_days", "contact_days"), on=["line_id", "party"], how="left")
        .join(places, on=["line_id", "party"], how="left")
        .join(_buyer_areas(parties, takes_texts, places, s), on=["line_id", "force_area"], how="semi")
        .select(
            "line_id", pl.col("party").alias("number"), pl.col("direct_texts").alias("instructions"),
            pl.col("direct_days").alias("instruction_days"), pl.col("call_days").fill_null(0).alias("call_days"),
            pl.col("contact_days").fill_null(0).alias("contact_days"), "cell", "lat", "lon", "force_area",
        )
        .sort(["line_id", "instructions", "number"], descending=[False, True, False])
    )
    return geo.drop("market_list"), places, runners


def _takes_instructions(direct: pl.DataFrame, parties: pl.DataFrame, s: LinesSettings) -> pl.DataFrame:
    """line_id, party, direct_texts, direct_days of the numbers the line texts as it texts a runner (module docstring)."""
    contact = parties.select("line_id", "party", pl.col("contact_days").fill_null(0))
    return (
        direct.join(contact, on=["line_id", "party"], how="left")
        .with_columns(pl.col("contact_days").fill_null(0))
        .filter(
            (pl.col("direct_days") >= s.runner_min_days) & (pl.col("direct_days") > pl.col("flare_days"))
            & (pl.col("direct_days") >= RUNNER_RECIPROCITY * pl.col("contact_days"))
            & (pl.col("contact_days") >= RUNNER_RECIPROCITY * pl.col("direct_days"))
        )
        .select("line_id", "party", "direct_texts", "direct_days")
    )


def _buyer_areas(parties: pl.DataFrame, takes_texts: pl.DataFrame, places: pl.DataFrame, s: LinesSettings) -> pl.DataFrame:
    """line_id, force_area holding at least market_min_share of the line's buyers: flare recipients and answered callers.

    The runner rule's market, not the published one: a quiet line has no flare
    recipients, so its published market is empty, yet its runners work where
    the callers it answers are.
    """
    buyers = (
        parties.filter((pl.col("potential_days") > 0) | (pl.col("confirmed_days").fill_null(0) > 0))
        .select("line_id", "party")
        .join(takes_texts, on=["line_id", "party"], how="anti")
        .join(places, on=["line_id", "party"], how="inner")
        .filter(pl.col("force_area").is_not_null())
    )
    return (
        buyers.group_by("line_id", "force_area").agg(pl.len().alias("n"))
        .with_columns((pl.col("n") / pl.col("n").sum().over("line_id")).alias("share"))
        .filter(pl.col("share") >= s.market_min_share)
        .select("line_id", "force_area")
    )
