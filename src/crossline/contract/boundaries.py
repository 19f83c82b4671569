"""Official police force boundaries (ONS Police Force Areas GeoJSON), point-in-polygon.

Used instead of the coarse centroid lookup when a workspace is given the file
(docs/geography.md). A plain even-odd ray-casting test in numpy: no GIS dependency.
Coordinates are WGS84 longitude/latitude, as in the ONS GeoJSON downloads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

# Names the ONS uses that the generic rule below would not turn into police.uk slugs.
_SPECIAL_NAMES = {"london, city of": "city-of-london", "city of london": "city-of-london"}
_NAME_PROPERTY = re.compile(r"^PFA\d{2}NM$", re.IGNORECASE)
_CELLS = 4_000_000  # points x edges per numpy block, to bound memory


def slug_for_ons_name(name: str) -> str:
    """police.uk slug for an ONS force name: "Devon & Cornwall" -> "devon-and-cornwall".

    Lower-cased, "&" read as "and", other punctuation and spaces become hyphens, and a
    trailing "police" dropped ("Metropolitan Police" -> "metropolitan").
    """
    key = name.strip().lower()
    if key in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[key]
    slug = re.sub(r"[^a-z0-9]+", "-", key.replace("&", " and ")).strip("-")
    return re.sub(r"-police$", "", slug)


@dataclass(frozen=True)
class _Area:
    slug: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    edges: np.ndarray  # (n, 4): x1, y1, x2, y2 of every ring edge, outer rings and holes


@dataclass(frozen=True)
class ForceBoundaries:
    """Force areas as polygons; look points up with :meth:`force_for_points`."""

    areas: tuple[_Area, ...]

    @property
    def forces(self) -> frozenset[str]:
        """Slugs present in the file."""
        return frozenset(a.slug for a in self.areas)

    @classmethod
    def from_geojson(
        cls, path: str | Path, known: Iterable[str], name_property: str | None = None
    ) -> ForceBoundaries:
        """Read a FeatureCollection of Polygon/MultiPolygon features, one per force.

        ``name_property`` defaults to the first property named like ``PFA23NM``.
        Raises ValueError for a geometry type or force name it cannot place.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        known_set = frozenset(known)
        areas, unknown = [], []
        for feature in data.get("features", []):
            props = feature.get("properties") or {}
            key = name_property or next((k for k in props if _NAME_PROPERTY.match(k)), None)
            if key is None or key not in props:
                raise ValueError(f"feature has no force name property: {sorted(props)}")
            slug = slug_for_ons_name(str(props[key]))
            if slug not in known_set:
                unknown.append(str(props[key]))
                continue
            areas.append(_area(slug, feature.get("geometry") or {}))
        if unknown:
            raise ValueError(f"force names with no known slug: {sorted(set(unknown))}")
        return cls(tuple(areas))

    def force_for_point(self, lat: float, lon: float) -> str | None:
        """Force whose polygon contains the point; None when none does."""
        return self.force_for_points(pl.Series([lat], dtype=pl.Float64), pl.Series([lon], dtype=pl.Float64))[0]

    def force_for_points(self, lat: pl.Series, lon: pl.Series) -> pl.Series:
        """Vectorised point-in-polygon: a String series, null outside every force."""
        y = lat.cast(pl.Float64).to_numpy(allow_copy=True).astype(np.float64, copy=False)
        x = lon.cast(pl.Float64).to_numpy(allow_copy=True).astype(np.float64, copy=False)
        index = np.full(y.shape[0], -1, dtype=np.int64)
        for i, area in enumerate(self.areas):
            x0, y0, x1, y1 = area.bbox
            with np.errstate(invalid="ignore"):
                cand = np.flatnonzero((index < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            if cand.size:
                index[cand[_inside(x[cand], y[cand], area.edges)]] = i
        idx = pl.Series(index).set(pl.Series(index < 0), None)
        slugs = pl.Series([a.slug for a in self.areas], dtype=pl.String)
        return slugs.gather(idx).alias("force_area")


def _area(slug: str, geometry: dict[str, Any]) -> _Area:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons: list[Any]
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = list(coords)
    else:
        raise ValueError(f"{slug}: unsupported geometry type {kind!r}")
    edges = []
    for polygon in polygons:
        for ring in polygon:
            pts = np.asarray(ring, dtype=np.float64)[:, :2]
            if pts.shape[0] < 3:
                continue
            if not np.array_equal(pts[0], pts[-1]):
                pts = np.vstack([pts, pts[:1]])
            edges.append(np.hstack([pts[:-1], pts[1:]]))
    if not edges:
        raise ValueError(f"{slug}: empty geometry")
    all_edges = np.vstack(edges)
    xs, ys = all_edges[:, [0, 2]], all_edges[:, [1, 3]]
    return _Area(slug, (xs.min(), ys.min(), xs.max(), ys.max()), all_edges)


def _inside(x: np.ndarray, y: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Even-odd rule: a point is inside when a ray to +x crosses an odd number of edges.

    Holes and multiple parts need no special case: their edges flip the parity too.
    """
    crossings = np.zeros(x.shape[0], dtype=bool)
    step = max(1, _CELLS // max(1, x.shape[0]))
    px, py = x[:, None], y[:, None]
    for start in range(0, edges.shape[0], step):
        e = edges[start : start + step]
        x1, y1, x2, y2 = (e[:, k][None, :] for k in range(4))
        straddles = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        hits = straddles & (px < x_cross)
        crossings ^= (np.count_nonzero(hits, axis=1) % 2).astype(bool)
    return crossings
