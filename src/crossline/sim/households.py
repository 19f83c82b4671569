"""Households: where people live, who moved, and which homes carry ACEs.

A household is an address (house, street, postcode, town) and a kind (single,
couple, family...). Some moved in the last two years, so older partner records
still show the previous address. Households with children may carry adverse
childhood experiences (ACEs) that partners later record as events.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from crossline.sim.geography import HUB_TOWNS, MARKET_TOWNS, TOWN_BY_KEY, inward_codes
from crossline.sim.names import HUB_STREET_STEMS, STREET_STEMS, STREET_TYPES
from crossline.sim.rng import pick, stream
from crossline.sim.scenario import Scenario
from crossline.sim.tables import masked

CHILD_KINDS = ("couple_children", "single_parent", "three_generations")


def _streets(rng: np.random.Generator, town_key: str, n: int, stems: tuple[str, ...]) -> pl.DataFrame:
    """``n`` streets in a town, each with one postcode in one of the town's districts."""
    town = TOWN_BY_KEY[town_key]
    stem = np.array(stems)[rng.integers(0, len(stems), n)]
    kind = rng.integers(0, len(STREET_TYPES), n)
    full = np.array([t[0] for t in STREET_TYPES])[kind]
    abbrev = np.array([t[1] for t in STREET_TYPES])[kind]
    district = np.array(town.districts)[rng.integers(0, len(town.districts), n)]
    postcode = np.char.add(np.char.add(district, " "), inward_codes(rng, n))
    return pl.DataFrame(
        {
            "street": np.char.add(np.char.add(stem, " "), full),
            "street_abbrev": np.char.add(np.char.add(stem, " "), abbrev),
            "postcode": postcode,
        }
    )


def _place(rng: np.random.Generator, town_keys: np.ndarray, stems: tuple[str, ...]) -> pl.DataFrame:
    """An address for each entry of ``town_keys``: house, street and postcode."""
    parts = []
    order = np.arange(len(town_keys))
    for key in np.unique(town_keys):
        idx = order[town_keys == key]
        streets = _streets(rng, str(key), max(4, math.ceil(len(idx) / 18)), stems)
        which = rng.integers(0, streets.height, len(idx))
        part = streets[which].with_columns(pl.Series("row", idx), pl.lit(str(key)).alias("town"))
        parts.append(part)
    df = pl.concat(parts).sort("row")
    # number houses along each street so that no two households share an address
    df = df.with_columns(
        (pl.int_range(pl.len()).over(["street", "postcode"]) * 2 + 1).alias("house_no")
    )
    flat = rng.random(df.height) < 0.12
    flat_no = rng.integers(1, 9, df.height)
    house = np.where(
        flat,
        np.char.add(np.char.add("Flat ", flat_no.astype(str)), np.char.add(", ", df["house_no"].cast(pl.String).to_numpy().astype(str))),
        df["house_no"].cast(pl.String).to_numpy().astype(str),
    )
    return df.with_columns(pl.Series("house", house)).drop("house_no")


def make_households(scenario: Scenario, region: str, first_id: int = 0) -> pl.DataFrame:
    """The market's (Gwent's) or the hubs' households, one row each.

    Columns: household_id, town, force_area, kind, house, street, street_abbrev,
    postcode, prev_town, prev_house, prev_street, prev_postcode, and the ACE
    flags ace_domestic_abuse, ace_parent_custody, ace_parental_substance,
    ace_neglect (always false outside the market, where no partner records them).
    """
    p = scenario.population
    rng = stream(scenario.seed, "households", region)
    if region == "market":
        n = scenario.scaled(p.market_households_per_scale, 50)
        weights = tuple((k, TOWN_BY_KEY[k].weight) for k in MARKET_TOWNS)
        stems: tuple[str, ...] = STREET_STEMS
    else:
        n = scenario.scaled(p.hub_households_per_scale, 40) * len(HUB_TOWNS)
        weights = tuple((k, 1.0) for k in HUB_TOWNS)
        stems = HUB_STREET_STEMS
    towns = pick(rng, weights, n)
    kinds = pick(rng, p.household_kind_weights, n)
    addr = _place(rng, towns, stems)

    moved = rng.random(n) < p.p_moved
    same_town = rng.random(n) < 0.7
    prev_towns = np.where(same_town, towns, pick(rng, weights, n))
    prev = _place(rng, prev_towns, stems)
    prev_house = rng.integers(1, 160, n).astype(str)

    a = scenario.aces
    has_children = np.isin(kinds, CHILD_KINDS) & (region == "market")
    flags = {
        f"ace_{name}": has_children & (rng.random(n) < prob)
        for name, prob in (
            ("domestic_abuse", a.p_domestic_abuse),
            ("parent_custody", a.p_parent_custody),
            ("parental_substance", a.p_parental_substance),
            ("neglect", a.p_neglect),
        )
    }
    # ACEs cluster: a home with one is likelier to have another
    extra = has_children & flags["ace_domestic_abuse"] & (rng.random(n) < 0.25)
    flags["ace_parental_substance"] = flags["ace_parental_substance"] | extra

    def when(mask: np.ndarray, values: np.ndarray) -> pl.Series:
        return masked(values, mask)

    return pl.DataFrame(
        {
            "household_id": np.arange(first_id, first_id + n),
            "town": towns,
            "force_area": [TOWN_BY_KEY[t].force_area for t in towns],
            "kind": kinds,
            "house": addr["house"],
            "street": addr["street"],
            "street_abbrev": addr["street_abbrev"],
            "postcode": addr["postcode"],
            "prev_town": when(moved, prev_towns),
            "prev_house": when(moved, prev_house),
            "prev_street": when(moved, prev["street"].to_numpy()),
            "prev_postcode": when(moved, prev["postcode"].to_numpy()),
            **flags,
        }
    )
