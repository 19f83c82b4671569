"""Building events, who was in them, and asserted links, before agencies number them.

Mechanics describe what happened in terms of true people (``pidx``); the
agency stage later gives each event and person a record id in the source
that recorded it. Columns are built whole (numpy arrays, scalars broadcast),
never row by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from polars.datatypes import DataTypeClass

from crossline.sim.geography import TOWN_BY_KEY, jitter
from crossline.sim.world import World

EVENT_COLUMNS = {
    "key": pl.Int64, "source": pl.String, "event_type": pl.String, "ts": pl.Int64, "end_ts": pl.Int64,
    "date_only": pl.Boolean, "postcode": pl.String, "lat": pl.Float64, "lon": pl.Float64,
    "force_area": pl.String, "summary": pl.String, "phone": pl.String, "vehicle": pl.String,
    "address": pl.String, "source_eval": pl.String, "intel_assessment": pl.String,
    "handling_code": pl.String, "handling_conditions": pl.String, "programme": pl.String,
}


def _col(value: Any, n: int, dtype: pl.DataType | DataTypeClass) -> pl.Series:
    if value is None:
        return pl.Series([None] * n, dtype=dtype)
    if isinstance(value, pl.Series):
        return value.cast(dtype)
    arr = np.asarray(value)
    if arr.ndim == 0:
        return pl.Series([arr.item()] * n).cast(dtype)
    if arr.dtype == object:
        return pl.Series(list(arr), dtype=dtype)
    return pl.Series(arr).cast(dtype)


def add_events(world: World, n: int, **cols: Any) -> np.ndarray:
    """Append ``n`` events; each keyword is a column (array, Series, scalar or None).

    Required: source, event_type, ts. Returns the new events' keys.
    """
    keys = world.event_keys(n)
    if n == 0:
        return keys
    data = {"key": pl.Series(keys)}
    for name, dtype in EVENT_COLUMNS.items():
        if name == "key":
            continue
        default = False if name == "date_only" else (-1 if name == "end_ts" else None)
        data[name] = _col(cols.get(name, default), n, dtype)
    unknown = set(cols) - set(EVENT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown event columns: {sorted(unknown)}")
    world.events.append(pl.DataFrame(data))
    return keys


def add_participants(world: World, keys: np.ndarray, pidx: np.ndarray, role: str | np.ndarray) -> None:
    """Who was in each event (parallel arrays), and in what role."""
    if len(keys) == 0:
        return
    world.participants.append(
        pl.DataFrame(
            {"key": pl.Series(np.asarray(keys)).cast(pl.Int64), "pidx": pl.Series(np.asarray(pidx)).cast(pl.Int64), "role": _col(role, len(keys), pl.String)}
        )
    )


def add_links(world: World, source: str | np.ndarray, left: Any, relation: str, right: Any, ts: Any) -> None:
    """Links between endpoints; a person endpoint is given as an int pidx array.

    Other endpoints are text such as ``phone:+447711123456`` or ``vehicle:AB12 CDE``.
    """
    lp, ls = _endpoint(left)
    rp, rs = _endpoint(right)
    n = len(lp)
    if n == 0:
        return
    world.links.append(
        pl.DataFrame({
            "source": _col(source, n, pl.String), "left_pidx": pl.Series(lp), "left": _col(ls, n, pl.String),
            "relation": pl.Series([relation] * n), "right_pidx": pl.Series(rp), "right": _col(rs, n, pl.String),
            "ts": _col(ts, n, pl.Int64),
        })
    )


def _endpoint(value: Any) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(value)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64), np.full(len(arr), "", dtype=object)
    return np.full(len(arr), -1, dtype=np.int64), arr.astype(object)


def place_of(world: World, pidx: np.ndarray, rng: np.random.Generator, p_latlon: float = 0.4) -> dict[str, Any]:
    """Location columns for events at people's homes: postcode, address, town's force, some lat/lon."""
    pc = world.column("postcode")[pidx]
    town = world.column("town")[pidx]
    addr = np.char.add(np.char.add(world.column("house")[pidx].astype(str), " "), world.column("street")[pidx].astype(str))
    lat = np.full(len(pidx), np.nan)
    lon = np.full(len(pidx), np.nan)
    for t in np.unique(town):
        m = town == t
        la, lo = jitter(rng, TOWN_BY_KEY[str(t)], int(m.sum()), 0.3)
        lat[m], lon[m] = la, lo
    blank = rng.random(len(pidx)) >= p_latlon
    lat[blank] = np.nan
    lon[blank] = np.nan
    force = np.array([TOWN_BY_KEY[str(t)].force_area for t in town], dtype=object)
    force[rng.random(len(pidx)) < 0.3] = None  # left for the importer to derive
    return {
        "postcode": pc,
        "address": addr,
        "lat": pl.Series(lat).fill_nan(None),
        "lon": pl.Series(lon).fill_nan(None),
        "force_area": force,
    }


def town_place(world: World, town: str, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Location columns for events somewhere in a town (a street, not a home)."""
    la, lo = jitter(rng, TOWN_BY_KEY[town], n, 0.4)
    return {"lat": la, "lon": lo, "force_area": TOWN_BY_KEY[town].force_area}
