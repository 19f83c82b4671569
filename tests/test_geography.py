"""The coarse force-area lookup (postcodes, centroids) and official boundaries."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from crossline.contract.boundaries import slug_for_ons_name
from crossline.contract.geography import (
    FORCE_AREAS,
    force_for_point,
    force_for_points,
    force_for_postcode,
    force_for_postcodes,
    load_boundaries,
)

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "DATA-CONTRACT.md"


def _rows(name: str) -> list[dict[str, str]]:
    text = files("crossline.contract").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _contract_slugs() -> set[str]:
    text = CONTRACT.read_text(encoding="utf-8")
    start = text.index("## 5. Force areas")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end >= 0 else len(text)]
    return set(re.findall(r"`([a-z][a-z-]+)`", section))


def test_every_contract_slug_is_a_force_area():
    slugs = _contract_slugs()
    assert len(slugs) == 46
    assert slugs == FORCE_AREAS


def test_force_areas_csv_shape():
    rows = _rows("force_areas.csv")
    assert len(rows) == 46
    for row in rows:
        if row["force_area"] == "british-transport-police":
            assert row["lat"] == row["lon"] == ""
        else:
            assert 49.8 < float(row["lat"]) < 61.0 and -8.7 < float(row["lon"]) < 1.8


def test_every_postcode_row_maps_to_a_known_slug():
    rows = _rows("postcode_areas.csv")
    prefixes = [r["prefix"] for r in rows]
    assert len(prefixes) == len(set(prefixes))
    areas = [p for p in prefixes if p.isalpha()]
    assert 115 <= len(areas) <= 124
    for row in rows:
        assert row["force_area"] in FORCE_AREAS, row
        assert re.fullmatch(r"[A-Z]{1,2}([0-9][A-Z0-9]?)?", row["prefix"]), row
        # A district override only makes sense inside an area that is listed.
        assert re.match(r"[A-Z]+", row["prefix"]).group(0) in areas, row


def test_every_territorial_force_has_some_postcode():
    mapped = {r["force_area"] for r in _rows("postcode_areas.csv")}
    assert FORCE_AREAS - mapped == {"british-transport-police"}


@pytest.mark.parametrize(
    ("postcode", "force"),
    [
        ("NP20 1AB", "gwent"),
        ("L1 8JQ", "merseyside"),
        ("CF10 1AA", "south-wales"),
        ("B1 1AA", "west-midlands"),
        ("M1 1AA", "greater-manchester"),
        ("SW1A 1AA", "metropolitan"),
        ("EC2V 7HH", "city-of-london"),
        ("EC1A 1BB", "city-of-london"),
        ("EC1V 2NX", "metropolitan"),
        ("NP8 1AA", "dyfed-powys"),
        ("NP8", "dyfed-powys"),
        ("NP20", "gwent"),
        ("np201ab", "gwent"),
        ("CH41 1AA", "merseyside"),
        ("CH63 1AA", "merseyside"),
        ("CH1 1AA", "cheshire"),
        ("CH4 1AA", "cheshire"),
        ("CH7 1AA", "north-wales"),
        ("SA1 1AA", "south-wales"),
        ("SA14 1AA", "dyfed-powys"),
        ("SA31 1AA", "dyfed-powys"),
        ("SY1 1AA", "west-mercia"),
        ("SY23 1AA", "dyfed-powys"),
        ("LD1 5AA", "dyfed-powys"),
        ("HR1 1AA", "west-mercia"),
        ("TF1 1AA", "west-mercia"),
        ("LL11 1AA", "north-wales"),
        ("CF83 1AA", "gwent"),
        ("S40 1AA", "derbyshire"),
        ("LS1 1AA", "west-yorkshire"),
        ("G1 1AA", "police-scotland"),
        ("EH1 1AA", "police-scotland"),
        ("TD15 1AA", "northumbria"),
        ("BT1 1AA", "psni"),
        ("W1A 0AX", "metropolitan"),
        ("RH10 1AA", "sussex"),
        ("RH1 1AA", "surrey"),
        ("PE30 1AA", "norfolk"),
        ("GY1 1AA", None),  # Guernsey: not a UK police force area
        ("ZZ1 1AA", None),
        ("not a postcode", None),
        ("", None),
    ],
)
def test_force_for_postcode(postcode, force):
    assert force_for_postcode(postcode) == force


@pytest.mark.parametrize(
    ("lat", "lon", "force"),
    [
        (51.6520, -3.0200, "gwent"),
        (53.4084, -2.9916, "merseyside"),
        (51.5842, -2.9977, "gwent"),  # Newport
        (51.4816, -3.1791, "south-wales"),  # Cardiff
        (51.6214, -3.9436, "south-wales"),  # Swansea
        (52.4862, -1.8904, "west-midlands"),  # Birmingham
        (53.4808, -2.2426, "greater-manchester"),
        (51.5074, -0.1278, "metropolitan"),
        (51.5155, -0.0922, "city-of-london"),
        (55.9533, -3.1883, "police-scotland"),  # Edinburgh
        (54.5973, -5.9301, "psni"),  # Belfast
        (50.3755, -4.1427, "devon-and-cornwall"),  # Plymouth
        (54.9783, -1.6178, "northumbria"),  # Newcastle
        (53.8008, -1.5491, "west-yorkshire"),  # Leeds
        (52.6309, 1.2974, "norfolk"),  # Norwich
        (48.8566, 2.3522, None),  # Paris
        (40.7128, -74.0060, None),
        (float("nan"), -1.0, None),
    ],
)
def test_force_for_point(lat, lon, force):
    assert force_for_point(lat, lon) == force


def test_force_for_point_never_returns_btp():
    rng = random.Random(7)
    for _ in range(500):
        assert force_for_point(rng.uniform(50, 58), rng.uniform(-6, 1.5)) != "british-transport-police"


def test_vectorised_points_agree_with_scalar():
    rng = random.Random(42)
    lats = [rng.uniform(49.0, 61.5) for _ in range(400)] + [None, float("nan")]
    lons = [rng.uniform(-9.0, 2.5) for _ in range(400)] + [-1.0, -1.0]
    got = force_for_points(pl.Series("lat", lats, dtype=pl.Float64), pl.Series("lon", lons))
    assert got.dtype == pl.String and got.len() == len(lats)
    expected = [None if la is None else force_for_point(la, lo) for la, lo in zip(lats, lons, strict=False)]
    assert got.to_list() == expected
    assert any(v is None for v in expected[:400]) and any(v is not None for v in expected)


def test_vectorised_points_empty():
    assert force_for_points(pl.Series([], dtype=pl.Float64), pl.Series([], dtype=pl.Float64)).len() == 0


def test_vectorised_postcodes_agree_with_scalar():
    rng = random.Random(1)
    prefixes = [r["prefix"] for r in _rows("postcode_areas.csv")] + ["GY", "JE", "ZZ", "QQ"]
    values: list[str | None] = []
    for _ in range(400):
        prefix = rng.choice(prefixes)
        outward = prefix if any(ch.isdigit() for ch in prefix) else f"{prefix}{rng.randint(1, 99)}"
        if rng.random() < 0.2:
            outward += rng.choice("ABWXY")
        inward = f"{rng.randint(0, 9)}{rng.choice('ABDEF')}{rng.choice('HJLNP')}"
        values.append(rng.choice([f"{outward} {inward}", f"{outward}{inward}", outward, outward.lower()]))
    values += ["", "garbage", None]
    got = force_for_postcodes(pl.Series("postcode", values))
    expected = [None if v is None else force_for_postcode(v) for v in values]
    assert got.to_list() == expected
    assert sum(v is not None for v in expected) > 300


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Avon and Somerset", "avon-and-somerset"),
        ("Metropolitan Police", "metropolitan"),
        ("London, City of", "city-of-london"),
        ("Devon & Cornwall", "devon-and-cornwall"),
        ("Dyfed-Powys", "dyfed-powys"),
        ("North Yorkshire", "north-yorkshire"),
        ("Gwent", "gwent"),
    ],
)
def test_slug_for_ons_name(name, slug):
    assert slug_for_ons_name(name) == slug
    assert slug in FORCE_AREAS


def _square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


@pytest.fixture
def two_squares(tmp_path: Path) -> Path:
    """Gwent: a square with a square hole; Dyfed-Powys: a MultiPolygon of two squares."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"PFA23CD": "E23000001", "PFA23NM": "Gwent"},
                "geometry": {"type": "Polygon", "coordinates": [_square(-3.0, 51.0, 1.0), _square(-2.6, 51.4, 0.2)]},
            },
            {
                "type": "Feature",
                "properties": {"PFA23CD": "E23000002", "PFA23NM": "Dyfed-Powys"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[_square(-5.0, 51.0, 1.0)], [_square(-2.55, 51.45, 0.1)]],
                },
            },
        ],
    }
    path = tmp_path / "pfa.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def test_load_boundaries_point_in_polygon(two_squares: Path):
    b = load_boundaries(two_squares)
    assert b.forces == {"gwent", "dyfed-powys"}
    cases = [
        (51.1, -2.9, "gwent"),
        (51.9, -2.1, "gwent"),
        (51.42, -2.58, None),  # in Gwent's hole
        (51.5, -2.5, "dyfed-powys"),  # the island inside the hole
        (51.5, -4.5, "dyfed-powys"),
        (51.5, -3.5, None),  # between the squares
        (53.0, -2.5, None),
    ]
    for lat, lon, force in cases:
        assert b.force_for_point(lat, lon) == force, (lat, lon)
    got = b.force_for_points(pl.Series([c[0] for c in cases]), pl.Series([c[1] for c in cases]))
    assert got.to_list() == [c[2] for c in cases]


def test_load_boundaries_many_points(two_squares: Path):
    b = load_boundaries(two_squares)
    rng = random.Random(3)
    lats = [rng.uniform(50.8, 52.2) for _ in range(300)]
    lons = [rng.uniform(-5.2, -1.8) for _ in range(300)]
    got = b.force_for_points(pl.Series(lats), pl.Series(lons)).to_list()
    for la, lo, force in zip(lats, lons, got, strict=False):
        in_gwent = -3.0 < lo < -2.0 and 51.0 < la < 52.0 and not (-2.6 < lo < -2.4 and 51.4 < la < 51.6)
        in_island = -2.55 < lo < -2.45 and 51.45 < la < 51.55
        in_west = -5.0 < lo < -4.0 and 51.0 < la < 52.0
        want = "gwent" if in_gwent else "dyfed-powys" if (in_island or in_west) else None
        assert force == want, (la, lo)


def test_load_boundaries_rejects_unknown_names(tmp_path: Path):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"PFA23NM": "Atlantis"},
                "geometry": {"type": "Polygon", "coordinates": [_square(0, 0, 1)]},
            }
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(ValueError, match="Atlantis"):
        load_boundaries(path)
