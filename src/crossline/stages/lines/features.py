"""Per number per day features of deal-line behaviour, and their per number summary.

The SQL (``sql.feature_steps``) counts; this module turns counts into feature
values between 0 and 1, each a plain reading of one behaviour that
shared/design/DOMAIN.md describes ("How a deal line behaves"):

Each feature, a day's value, and why it marks a line:

- ``flare_regularity``: share of the previous days (up to a week) on which the number also flared within 45
  min of today's flare time; 0 on a day without a flare.
  Why: flares go out *every day at the line's regular times*; promotions are weekly or on set weekdays.
- ``relay``: share of today's inbound contacts followed within minutes (of the contact, or of the number's own
  first answer to that caller) by a text to a regular third number that never gets the bulk texts.
  Why: the holder passes each order to a runner.
- ``callback``: share of today's inbound contacts the number contacted back later the same day (not by a bulk
  text).
  Why: confirmed transactions.
- ``distance``: median km between the number's cells and its contacts' cells, scaled from ``distance_near_km``
  (0) to ``distance_far_km`` (1).
  Why: the holder sits in the hub, away from the market.
- ``inbound``: distinct short inbound contacts (texts, calls up to two minutes) over ``inbound_saturation``.
  Why: customers order.
- ``stability``: share of today's flare recipients who also got a flare in the week before.
  Why: the same customer list, flare after flare (low churn).
- ``repeat``: share of today's inbound parties who also contacted the number in the week before.
  Why: dependent users buy again within days; a town's taxi or takeaway customers call now and then.
- ``known_customers`` (per number, set by :mod:`crossline.stages.lines.detect`): share of the number's callers
  who also contacted another flagged line, above the rate their neighbourhoods lead one to expect, over
  ``known_customers_saturation``.
  Why: a market's buyers use several lines; a lawful business's callers are the general public.

A number that never flared has ``flare_regularity`` and ``stability`` unread (not
0): a quiet line is judged on how it takes orders (issue 18).

A value is null when it cannot be read that day (no inbound contact, no
located event, the number's first day): null values drop out of the weighted
score instead of counting as zero. Days without any outbound traffic (a dead
number still being texted) are kept for the status but give no feature values.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from crossline.engine.steps import SqlEngine, Step
from crossline.settings.lines import FEATURES, LinesSettings
from crossline.stages.lines.sql import (
    FEATURE_OUTPUTS,
    FOLD_CHUNK_BYTES,
    chunk_view,
    day_chunks,
    feature_steps,
    lake_day_files,
    lake_days_fold,
    years_of,
)

DAY_S = 86_400
log = logging.getLogger(__name__)


@dataclass
class FeatureTables:
    number_day: pl.DataFrame  # one row per candidate number per day it sent or received anything
    number_recipients: pl.DataFrame  # number, party, first_day, last_day, flare_days
    number_parties: pl.DataFrame  # number, party, first_day, last_day, days, inbound (1: it contacted the number)
    number_imeis: pl.DataFrame  # number, imei, events, first_day, last_day
    party_homes: pl.DataFrame  # party, cell: each caller's commonest cell when it contacted a candidate


def compute_features(engine: SqlEngine, comms_paths: Sequence[str], cells: pl.DataFrame, s: LinesSettings) -> FeatureTables:
    """Run phase 1 on ``engine``: candidates (numbers that sent a burst) and their daily counts, then values."""
    engine.load_comms(comms_paths)
    engine.register("cells", cells.select("cell_id", "lat", "lon"))
    years = years_of(comms_paths)
    steps = feature_steps(s, years)
    if engine.folds_days and (days := lake_day_files(comms_paths)):
        steps = _first_pass_by_day(engine, days, s, years, steps)
    engine.run(steps)
    got = {name: engine.fetch(name) for name in FEATURE_OUTPUTS}
    number_day = daily_values(got["number_day"].sort(["number", "day"]), s)
    return FeatureTables(
        number_day=number_day,
        number_recipients=got["number_recipients"].sort(["number", "party"]),
        number_parties=got["number_parties"].sort(["number", "party"]),
        number_imeis=got["number_imeis"].sort(["number", "imei"]),
        party_homes=party_homes(got["party_cells"]),
    )


def _first_pass_by_day(engine: SqlEngine, days: dict[int, list[str]], s: LinesSettings, years: list[int],
                       steps: list[Step]) -> list[Step]:
    """Run `lake_days` a few lake days at a time (sql.lake_days_fold); returns the steps left to run."""
    chunks = day_chunks({day: sum(os.path.getsize(p) for p in paths) for day, paths in days.items()}, FOLD_CHUNK_BYTES)
    for first, last in chunks:
        engine.load_comms([p for day in range(first, last + 1) for p in days.get(day, [])], name=chunk_view((first, last)))
    engine.run(lake_days_fold(s, years, chunks))
    strays = int(engine.fetch("lake_strays")["groups"][0])
    if strays:
        log.warning("the comms lake has rows filed under a later day's folder than their own (%d groups): the first "
                    "pass is taken over the whole lake instead of day by day (the same result, more slowly)", strays)
        return steps
    return [st for st in steps if st.name != "lake_days"]


def party_homes(cells: pl.DataFrame) -> pl.DataFrame:
    """party -> its commonest cell (ties to the lowest cell id, so every engine and run agree)."""
    return (cells.sort(["party", "contacts", "cell"], descending=[False, True, False])
            .group_by("party", maintain_order=True).first().select("party", "cell"))


def daily_values(nd: pl.DataFrame, s: LinesSettings) -> pl.DataFrame:
    """Add ``f_<feature>`` columns (0-1 or null) to the per number per day counts."""
    window = int(s.regularity_window_days)
    nd = nd.with_columns(pl.col(c).cast(pl.Int64) for c in ("day", "first_day"))
    flare_days = nd.filter(pl.col("flares") > 0).select(
        "number", "day", pl.col("day").shift(1).over("number", order_by="day").alias("prev_flare_day")
    )
    nd = nd.join(flare_days, on=["number", "day"], how="left").with_columns(
        (pl.col("flares") > 0).sum().over("number").alias("flare_days_total")
    )
    active = pl.col("outbound") > 0
    since_first = pl.col("day") - pl.col("first_day")
    inbound = pl.col("inbound_parties")
    span = float(s.distance_far_km - s.distance_near_km)
    values = {
        "flare_regularity": pl.when(~active | (since_first <= 0) | (pl.col("flare_days_total") == 0)).then(None).otherwise(
            pl.when(pl.col("flares") > 0)
            .then(pl.col("matched_days") / pl.min_horizontal(pl.lit(window), since_first))
            .otherwise(0.0)
        ),
        "relay": pl.when(active & (inbound > 0)).then(pl.col("relayed") / inbound),
        "callback": pl.when(active & (inbound > 0)).then(pl.col("called_back") / inbound),
        "distance": pl.when(active & (pl.col("located") > 0)).then(
            ((pl.col("median_km") - s.distance_near_km) / span).clip(0.0, 1.0)
        ),
        "inbound": pl.when(active).then((pl.col("short_parties") / s.inbound_saturation).clip(0.0, 1.0)),
        "repeat": pl.when(active & (inbound > 0) & (since_first >= window)).then(pl.col("repeat_parties") / inbound),
        "known_customers": pl.lit(None, dtype=pl.Float64),
        "stability": pl.when(
            active & (pl.col("flares") > 0) & (pl.col("day") - pl.col("prev_flare_day") <= window + 1)
        ).then(pl.col("returning") / pl.col("flare_recipients")),
    }
    return nd.with_columns(v.cast(pl.Float64).clip(0.0, 1.0).alias(f"f_{k}") for k, v in values.items())


def number_summary(nd: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate number: its activity span and each feature's mean over its active days."""
    active = pl.col("outbound") > 0
    return (
        nd.group_by("number")
        .agg(
            pl.col("day").filter(active).min().alias("first_active_day"),
            pl.col("day").filter(active).max().alias("last_active_day"),
            pl.col("day").filter(pl.col("flares") > 0).min().alias("first_flare_day"),
            pl.col("first_flare_t").min().alias("first_flare_t"),
            pl.col("first_out_t").min().alias("first_out_t"),
            pl.col("last_out_t").max().alias("last_out_t"),
            active.sum().alias("active_days"),
            (pl.col("flares") > 0).sum().alias("flare_days"),
            pl.col("max_burst").max().alias("max_burst"),
            pl.col("messages").filter(active).mean().alias("daily_messages"),
            pl.col("flare_recipients").max().alias("max_flare_recipients"),
            pl.col("median_km").filter(active).median().alias("median_km"),
            # inbound parties on days after the number fell silent: still being contacted, unanswered
            pl.col("inbound_parties").filter(pl.col("day") > pl.col("day").filter(active).max()).sum().alias("unanswered_after"),
            *[pl.col(f"f_{f}").mean().alias(f) for f in FEATURES],
        )
        .sort("number")
    )


NEIGHBOURHOOD_PRIOR = 10.0
"""Callers a cell's own rate of line customers is worth as much as: a cell with fewer is pulled towards the overall rate."""


def known_customers(callers: pl.DataFrame, flagged: Sequence[str], saturation: float,
                    homes: pl.DataFrame | None = None) -> pl.DataFrame:
    """number -> ``known_customers``: how far more of its callers than expected contacted *another* flagged line.

    ``callers`` is (number, party) for parties that contacted the number; ``homes``
    (party, cell) where each caller usually is. Numbers without callers get no row
    (the feature is then unread). The share is taken above what the number's callers'
    neighbourhoods lead one to expect: in a town where many people buy drugs, a taxi
    firm's or a surgery's callers include many line customers simply because they
    are the town; a line's callers are line customers far above their neighbours'
    rate. A cell's rate is the share of the callers living there who contacted a
    flagged line, among those who contacted some *other* number (a line's own
    customers would otherwise make their own neighbourhood look like a market),
    pulled towards the overall rate with the weight of ``NEIGHBOURHOOD_PRIOR``
    callers; a caller without a cell gets the overall rate. Then
    ``known_customers = (share - expected) / ((1 - expected) * saturation)``,
    clipped to 0-1, where ``expected`` is the mean of the callers' rates: with no
    line customers among anybody else's callers it is the share over
    ``saturation``, as before the rate was taken into account.
    """
    lines = callers.filter(pl.col("number").is_in(list(flagged)))
    per_party = lines.group_by("party").agg(pl.len().alias("n"), pl.col("number").first().alias("only"))
    known = (pl.col("n") >= 2) | ((pl.col("n") == 1) & (pl.col("only") != pl.col("number")))
    homes = homes if homes is not None else pl.DataFrame(schema={"party": pl.String, "cell": pl.String})
    public = (callers.filter(~pl.col("number").is_in(list(flagged))).select("party").unique()
              .join(homes, on="party", how="left")
              .with_columns(pl.col("party").is_in(per_party["party"].implode()).alias("buyer")))
    base = float(public["buyer"].mean()) if public.height else 0.0  # type: ignore[arg-type]
    rates = (public.filter(pl.col("cell").is_not_null()).group_by("cell")
             .agg(((pl.col("buyer").sum() + base * NEIGHBOURHOOD_PRIOR) / (pl.len() + NEIGHBOURHOOD_PRIOR)).alias("rate")))
    expected = pl.col("expected")
    return (
        callers.join(per_party, on="party", how="left")
        .with_columns(known.fill_null(False).alias("known"))
        .join(homes, on="party", how="left")
        .join(rates, on="cell", how="left")
        .group_by("number")
        .agg(pl.col("known").mean().alias("known_share"), pl.col("rate").fill_null(base).mean().alias("expected"))
        .with_columns(
            pl.when(expected < 1.0).then((pl.col("known_share") - expected) / ((1.0 - expected) * saturation))
            .otherwise(0.0).clip(0.0, 1.0).alias("known_customers")
        )
        .sort("number")
    )


def local_day_iso(day: pl.Expr) -> pl.Expr:
    """A UK local day number (days since 1970-01-01) as an ISO date."""
    return pl.from_epoch(day.cast(pl.Int64) * DAY_S, time_unit="s").dt.strftime("%Y-%m-%d")


def utc_iso(t: pl.Expr) -> pl.Expr:
    """Unix seconds as ISO 8601 UTC text, the store's timestamp form."""
    return pl.from_epoch(t.cast(pl.Int64), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
