"""Towns, postcode districts and cell sites for the market and the hubs.

Centres are approximate town centres; postcodes are made up but valid in form
and in the right district; cells are scattered around each centre so that a
cell's lat/lon falls in the right force area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crossline.sim.rng import stream
from crossline.sim.scenario import Scenario

# letters an inward code may use (never C, I, K, M, O, V)
INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


@dataclass(frozen=True)
class Town:
    """A place people live in, with its postcode districts and cells."""

    key: str
    name: str
    force_area: str
    lat: float
    lon: float
    districts: tuple[str, ...]
    radius_km: float
    cells: int  # cell sites at scale 1
    market: bool  # a Gwent town that lines sell into
    weight: float  # share of the market's (or a hub's) households


TOWNS: tuple[Town, ...] = (
    Town("newport", "Newport", "gwent", 51.5842, -2.9977, ("NP19", "NP20", "NP10", "NP18"), 4.0, 24, True, 0.36),
    Town("cwmbran", "Cwmbran", "gwent", 51.6536, -3.0211, ("NP44",), 2.5, 10, True, 0.14),
    Town("pontypool", "Pontypool", "gwent", 51.7013, -3.0446, ("NP4",), 2.5, 8, True, 0.09),
    Town("ebbw_vale", "Ebbw Vale", "gwent", 51.7776, -3.2065, ("NP23",), 2.0, 6, True, 0.08),
    Town("abergavenny", "Abergavenny", "gwent", 51.8241, -3.0164, ("NP7",), 2.0, 6, True, 0.07),
    Town("risca", "Risca", "gwent", 51.6080, -3.1010, ("NP11",), 2.0, 5, True, 0.08),
    Town("blackwood", "Blackwood", "gwent", 51.6680, -3.1950, ("NP12",), 2.0, 6, True, 0.10),
    Town("abertillery", "Abertillery", "gwent", 51.7300, -3.1340, ("NP13",), 2.0, 5, True, 0.08),
    Town("liverpool", "Liverpool", "merseyside", 53.4084, -2.9916, ("L4", "L5", "L6", "L7", "L8", "L11", "L13", "L20"), 5.0, 20, False, 1.0),
    Town("birmingham", "Birmingham", "west-midlands", 52.4862, -1.8904, ("B6", "B7", "B8", "B10", "B11", "B12", "B19", "B21"), 6.0, 20, False, 1.0),
    Town("london", "London", "metropolitan", 51.5310, -0.0900, ("E1", "E3", "E5", "E15", "N1", "N15", "N17", "SE15", "SE5", "SW9"), 9.0, 24, False, 1.0),
    Town("cardiff", "Cardiff", "south-wales", 51.4816, -3.1791, ("CF3", "CF5", "CF10", "CF11", "CF24"), 4.0, 14, False, 1.0),
)
TOWN_BY_KEY: dict[str, Town] = {t.key: t for t in TOWNS}
MARKET_TOWNS: tuple[str, ...] = tuple(t.key for t in TOWNS if t.market)
HUB_TOWNS: tuple[str, ...] = tuple(t.key for t in TOWNS if not t.market)
TOWN_INDEX: dict[str, int] = {t.key: i for i, t in enumerate(TOWNS)}


def inward_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` made-up inward codes such as ``4QT``."""
    digits = rng.integers(0, 10, n).astype(str)
    a = INWARD_LETTERS[rng.integers(0, len(INWARD_LETTERS), n)]
    b = INWARD_LETTERS[rng.integers(0, len(INWARD_LETTERS), n)]
    return np.char.add(np.char.add(digits, a), b)


def jitter(rng: np.random.Generator, town: Town, n: int, spread: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points scattered around ``town``'s centre (about ``spread`` x its radius)."""
    dlat = rng.normal(0.0, town.radius_km * spread / 111.0, n)
    dlon = rng.normal(0.0, town.radius_km * spread / (111.0 * math.cos(math.radians(town.lat))), n)
    return np.round(town.lat + dlat, 5), np.round(town.lon + dlon, 5)


@dataclass
class Cells:
    """The cell sites table, columnar; ``town`` holds indices into :data:`TOWNS`."""

    cell_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    force_area: np.ndarray
    town: np.ndarray
    by_town: dict[str, np.ndarray]  # town key -> cell indices


def make_cells(scenario: Scenario) -> Cells:
    """Cell sites around every town; more of them at larger scales (denser network)."""
    rng = stream(scenario.seed, "cells")
    ids: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    areas: list[np.ndarray] = []
    towns: list[np.ndarray] = []
    by_town: dict[str, np.ndarray] = {}
    start = 0
    density = max(1.0, math.sqrt(scenario.scale))
    for i, town in enumerate(TOWNS):
        n = int(math.ceil(town.cells * density))
        lac = 100 + 10 * i
        ids.append(np.array([f"234-15-{lac}-{k + 1}" for k in range(n)]))
        lat, lon = jitter(rng, town, n)
        lats.append(lat)
        lons.append(lon)
        # about a fifth of cells come with force_area blank: the importer derives it
        area = np.full(n, town.force_area, dtype=object)
        area[rng.random(n) < 0.2] = ""
        areas.append(area)
        towns.append(np.full(n, i))
        by_town[town.key] = np.arange(start, start + n)
        start += n
    return Cells(
        cell_id=np.concatenate(ids),
        lat=np.concatenate(lats),
        lon=np.concatenate(lons),
        force_area=np.concatenate(areas),
        town=np.concatenate(towns),
        by_town=by_town,
    )


def random_cells(rng: np.random.Generator, cells: Cells, town_keys: np.ndarray) -> np.ndarray:
    """A random cell index in each given town (vectorised over ``town_keys``)."""
    out = np.empty(len(town_keys), dtype=np.int64)
    for key in np.unique(town_keys):
        mask = town_keys == key
        pool = cells.by_town[str(key)]
        out[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    return out
