"""Coarse geography: which police force area a UK postcode or a point falls in.

DATA-CONTRACT.md section 5 says a point is placed in a force area by the project's
own lookup. Crossline ships a *coarse* one so it works with no external files:

* postcodes: the postcode area (``NP``) or, where an area is clearly split between
  forces, the district (``NP8``) mapped to the force covering most of it
  (``data/postcode_areas.csv``);
* points: the nearest force-area centroid (``data/force_areas.csv``).

Both can be wrong close to a force border (docs/geography.md). When a workspace has
the official ONS Police Force Areas GeoJSON, :func:`load_boundaries` gives an exact
point-in-polygon lookup instead.
"""

from __future__ import annotations

import csv
import io
import math
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from crossline.contract.boundaries import ForceBoundaries

__all__ = [
    "FORCE_AREAS",
    "ForceBoundaries",
    "force_for_point",
    "force_for_points",
    "force_for_postcode",
    "force_for_postcodes",
    "load_boundaries",
]

# A rough box around the UK (Scilly to Shetland, Fermanagh to Lowestoft): points
# outside it are not given the nearest force, which would be a guess, not a lookup.
UK_LAT = (49.8, 61.0)
UK_LON = (-8.7, 1.8)
EARTH_RADIUS_KM = 6371.0088

# Outward code (district, optional sub-district letter) then an optional inward code.
_POSTCODE = r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)\s*(?:[0-9][A-Z]{2})?\s*$"
_SUB_DISTRICT = r"^([A-Z]{1,2}[0-9])[A-Z]$"  # EC1A -> EC1, SW1A -> SW1, W1A -> W1
_AREA = r"^([A-Z]{1,2})"
_POSTCODE_RE = re.compile(_POSTCODE)
_SUB_DISTRICT_RE = re.compile(_SUB_DISTRICT)
_AREA_RE = re.compile(_AREA)
_CHUNK = 250_000  # rows per numpy block in force_for_points, to bound memory


class _Centroids(NamedTuple):
    slugs: tuple[str, ...]
    lat_rad: np.ndarray
    lon_rad: np.ndarray


def _read_csv(name: str) -> list[dict[str, str]]:
    text = files("crossline.contract").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _load_force_areas() -> frozenset[str]:
    return frozenset(row["force_area"] for row in _read_csv("force_areas.csv"))


FORCE_AREAS: frozenset[str] = _load_force_areas()


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    """Postcode area or district -> force slug (districts hold digits, areas do not)."""
    return {row["prefix"]: row["force_area"] for row in _read_csv("postcode_areas.csv")}


def force_area_centroids() -> list[dict[str, Any]]:
    """Forces with their centroid (force_area, name, lat, lon): what a map marks when it has no boundaries to draw."""
    return [{"force_area": r["force_area"], "name": r["name"], "lat": float(r["lat"]), "lon": float(r["lon"])}
            for r in _read_csv("force_areas.csv") if r["lat"] and r["lon"]]


@lru_cache(maxsize=1)
def _centroids() -> _Centroids:
    """Forces with a centroid (British Transport Police has none: it is not territorial)."""
    rows = [r for r in _read_csv("force_areas.csv") if r["lat"] and r["lon"]]
    return _Centroids(
        slugs=tuple(r["force_area"] for r in rows),
        lat_rad=np.radians(np.array([float(r["lat"]) for r in rows])),
        lon_rad=np.radians(np.array([float(r["lon"]) for r in rows])),
    )


def force_for_postcode(postcode: str) -> str | None:
    """Force for a UK postcode ("NP20 1AB") or outward code ("NP20"); None when unknown.

    The most specific row wins: the district ("EC1A", then "EC1" for a sub-district),
    then the area ("EC"). Districts are matched whole, never as string prefixes, so
    "SA1" does not capture "SA14".
    """
    m = _POSTCODE_RE.match(postcode.upper()) if postcode else None
    if m is None:
        return None
    outward = m.group(1)
    table = _prefixes()
    sub = _SUB_DISTRICT_RE.match(outward)
    area = _AREA_RE.match(outward)
    keys = [outward, sub.group(1) if sub else None, area.group(1) if area else None]
    return next((table[k] for k in keys if k is not None and k in table), None)


def force_for_postcodes(postcodes: pl.Series) -> pl.Series:
    """Vectorised :func:`force_for_postcode`: a String series, null where unknown."""
    table = _prefixes()
    outward = postcodes.cast(pl.String).str.to_uppercase().str.extract(_POSTCODE, 1)

    def lookup(key: pl.Series) -> pl.Series:
        return key.replace_strict(table, default=None, return_dtype=pl.String)

    found = pl.DataFrame(
        {
            "district": lookup(outward),
            "sub": lookup(outward.str.extract(_SUB_DISTRICT, 1)),
            "area": lookup(outward.str.extract(_AREA, 1)),
        }
    ).select(pl.coalesce("district", "sub", "area"))
    return found.to_series().alias("force_area")


def _in_uk_box(lat: float, lon: float) -> bool:
    return UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]


def force_for_point(lat: float, lon: float) -> str | None:
    """Force whose centroid is nearest (great-circle) to the point; None outside the UK box.

    Coarse by design: a point near a border may be nearer the neighbour's centroid.
    """
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return None
    if not _in_uk_box(lat, lon):
        return None
    c = _centroids()
    phi, lam = math.radians(lat), math.radians(lon)
    best, best_h = None, math.inf
    for slug, cphi, clam in zip(c.slugs, c.lat_rad, c.lon_rad, strict=True):
        h = (
            math.sin((float(cphi) - phi) / 2) ** 2
            + math.cos(phi) * math.cos(float(cphi)) * math.sin((float(clam) - lam) / 2) ** 2
        )
        if h < best_h:
            best, best_h = slug, h
    return best


def force_for_points(lat: pl.Series, lon: pl.Series) -> pl.Series:
    """Vectorised :func:`force_for_point`: haversine to every centroid by numpy broadcasting.

    Works in blocks of rows so memory stays bounded (rows x ~45 floats per block).
    """
    la = lat.cast(pl.Float64).to_numpy(allow_copy=True).astype(np.float64, copy=False)
    lo = lon.cast(pl.Float64).to_numpy(allow_copy=True).astype(np.float64, copy=False)
    c = _centroids()
    index = np.full(la.shape[0], -1, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        ok = (la >= UK_LAT[0]) & (la <= UK_LAT[1]) & (lo >= UK_LON[0]) & (lo <= UK_LON[1])
    rows = np.flatnonzero(ok)
    for start in range(0, rows.shape[0], _CHUNK):
        block = rows[start : start + _CHUNK]
        phi = np.radians(la[block])[:, None]
        lam = np.radians(lo[block])[:, None]
        h = (
            np.sin((c.lat_rad[None, :] - phi) / 2) ** 2
            + np.cos(phi) * np.cos(c.lat_rad[None, :]) * np.sin((c.lon_rad[None, :] - lam) / 2) ** 2
        )
        index[block] = np.argmin(h, axis=1)
    return _slugs_at(c.slugs, index, "force_area")


def _slugs_at(slugs: tuple[str, ...], index: np.ndarray, name: str) -> pl.Series:
    """Slug for each index into ``slugs``; -1 gives null."""
    idx = pl.Series(index).set(pl.Series(index < 0), None)
    return pl.Series(name, slugs, dtype=pl.String).gather(idx).alias(name)


WORKSPACE_BOUNDARIES = Path("boundaries") / "police_force_areas.geojson"
"""Where a workspace keeps the official boundaries when an operator has added them (docs/geography.md)."""


def load_boundaries(path: str | Path) -> ForceBoundaries:
    """Official boundaries: an ONS Police Force Areas GeoJSON, for exact point lookups.

    Force names (property such as ``PFA23NM``) become slugs, e.g. "Devon & Cornwall"
    -> "devon-and-cornwall"; a name that maps to no known slug is an error.
    """
    return ForceBoundaries.from_geojson(path, known=FORCE_AREAS)
