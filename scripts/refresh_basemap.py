"""Regenerate the DDTRO pack's basemap (src/crossline/contract/data/uk_coastline.json) from open data.

Source: the npm package world-atlas 2.0.2 (Natural Earth 1:10m admin-0 countries, public domain), as TopoJSON.
Fetch it without installing anything::

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/refresh_basemap.py package/countries-10m.json

The script keeps the United Kingdom, Ireland, the Isle of Man and the Channel Islands (context for maps of
the UK), decodes the TopoJSON arcs into GeoJSON polygons in longitude/latitude, drops rings too small to see
at county scale, and rounds coordinates to 0.005 degrees (about 500 m), which keeps the file near 150 KB.
No police force boundaries are shipped: no open dataset of them was obtainable as a package (see
docs/lines.md, "The evidence pack"); force areas are marked by their centroids from force_areas.csv.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KEEP = {"826": "United Kingdom", "372": "Ireland", "833": "Isle of Man", "831": "Guernsey", "832": "Jersey"}
OUT = Path(__file__).resolve().parents[1] / "src" / "crossline" / "contract" / "data" / "uk_coastline.json"
STEP = 0.005  # degrees kept between points
MIN_POINTS = 4  # a ring with fewer points left than this is an islet too small to draw


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(points if not out else points[1:])
    return out


def thin(points: list[tuple[float, float]]) -> list[list[float]]:
    kept: list[list[float]] = []
    for lon, lat in points:
        p = [round(round(lon / STEP) * STEP, 3), round(round(lat / STEP) * STEP, 3)]
        if not kept or p != kept[-1]:
            kept.append(p)
    if kept and kept[0] != kept[-1]:
        kept.append(kept[0])
    return kept


def main(source: Path) -> None:
    topo = json.loads(source.read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    features = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        if str(geometry.get("id")) not in KEEP:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shapes = []
        for polygon in polygons:
            rings = [thin(ring(r, arcs)) for r in polygon]
            if len(rings[0]) >= MIN_POINTS:
                shapes.append([r for r in rings if len(r) >= MIN_POINTS])
        features.append({"type": "Feature", "properties": {"name": KEEP[str(geometry["id"])]},
                         "geometry": {"type": "MultiPolygon", "coordinates": shapes}})
    collection = {"type": "FeatureCollection",
                  "source": "Natural Earth 1:10m admin-0 countries (public domain) via world-atlas 2.0.2; "
                            f"generalised to {STEP} degrees by scripts/refresh_basemap.py",
                  "features": features}
    OUT.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1000:.0f} KB, {len(features)} features)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
