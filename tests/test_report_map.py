"""The DDTRO pack's map and linked people (issue 14 item 8): a coastline shipped offline, labels that never collide,
the hub-to-market flow, links in words, and a safeguarding note for a child named as a phone's user."""

from __future__ import annotations

import base64
import io
from importlib.resources import files

import polars as pl
import pytest

from crossline.report.ddtro import age_on, cell_map, coastline, linked_people, place_labels


def test_the_coastline_ships_with_the_package_and_is_small() -> None:
    shipped = files("crossline.contract").joinpath("data", "uk_coastline.json")
    assert len(shipped.read_bytes()) < 400_000  # a few hundred kilobytes at most
    polygons = coastline()
    lons = [x for poly in polygons for x, _ in poly[0]]
    lats = [y for poly in polygons for _, y in poly[0]]
    assert min(lats) < 50.0 and max(lats) > 60.5  # the Scilly Isles to Shetland
    assert min(lons) < -10.0 and max(lons) > 1.7  # the west of Ireland to Lowestoft
    big = max(polygons, key=lambda p: len(p[0]))[0]  # Great Britain
    assert len(big) > 500 and any(abs(x + 3.2) < 0.2 and abs(y + -51.5) < 0.2 for x, y in big)  # Severn estuary coast


def test_labels_never_overlap_and_are_left_out_when_none_fits() -> None:
    crowded = [(100.0 + i * 4, 100.0 + (i % 3) * 3, 60.0, 10.0) for i in range(12)]  # twelve labels in a small knot
    spots = place_labels(crowded, [])
    boxes = [(x + dx, y + dy, x + dx + w, y + dy + h) for (x, y, w, h), s in zip(crowded, spots, strict=True)
             if s is not None for dx, dy in [s]]
    assert 2 <= len(boxes) < len(crowded)  # some fit, the rest are left out rather than drawn over
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert place_labels([(0.0, 0.0, 10.0, 5.0)], [(-100.0, -100.0, 100.0, 100.0)]) == [None]  # a taken area is respected


def test_the_map_draws_the_coast_under_the_cells_and_the_flow() -> None:
    pytest.importorskip("matplotlib")
    from PIL import Image

    cells = pl.DataFrame({"role": ["line", "line", "customers", "customers", "runners"],
                          "lat": [51.48, 51.50, 51.59, 51.60, 51.58], "lon": [-0.12, -0.10, -3.00, -2.98, -3.02],
                          "n": [40, 12, 30, 25, 5]})
    line = {"controller_lat": 51.49, "controller_lon": -0.11, "market_lat": 51.595, "market_lon": -2.99,
            "controller_area": "metropolitan", "market_areas": "gwent"}
    png = cell_map(cells, line)
    assert png is not None and png.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(png.split(",", 1)[1]))).convert("RGB")
    colours = {c for _, c in image.getcolors(1 << 24) or []}
    assert (0xF4, 0xF1, 0xEA) in colours and (0xE8, 0xF1, 0xF7) in colours  # land and sea are both drawn
    assert any(r > 70 and r < 110 and g < 60 and b > 110 for r, g, b in colours)  # the purple hub-to-market arrow


def test_links_are_in_words_and_a_child_carries_a_safeguarding_note() -> None:
    linked = pl.DataFrame({"nominal_id": ["N1", "N2", "N3"], "source": ["gp", "gp", "edu"], "record_id": ["P1", "P2", "S1"],
                           "name": ["Ashdown Vell", "Corin Maple", "Tegan Rusk"],
                           "date_of_birth": ["1990-02-01", "2009-11-30", "2010"],
                           "how": ["uses_handset 356938035643809", "uses_phone 07700900461", "phone 07700900461 on the record"]})
    rows = linked_people(linked, "2026-10-01")
    assert rows is not None
    assert [r["how"] for r in rows] == ["named as the user of handset 356938035643809", "named as the user of phone 07700900461",
                                        "phone 07700900461 on the record"]
    assert rows[0]["safeguarding"] == ""
    assert "aged 16" in rows[1]["safeguarding"] and "National Referral Mechanism" in rows[1]["safeguarding"]
    assert "aged 15" in rows[2]["safeguarding"]  # a year alone is taken at its latest day: never an adult by default
    assert age_on("2008-10-01", "2026-10-01") == 18 and age_on("2008-10-02", "2026-10-01") == 17
    assert linked_people(None, "2026-10-01") is None


def test_what_works_marks_an_interval_that_runs_off_the_axis() -> None:
    """A forest chart never cuts an interval silently: off_chart says so, and the chart draws an arrow at the edge."""
    from datetime import datetime

    from crossline.evaluate.effects import Estimate, ProgrammeResult, WhatWorks
    from crossline.evaluate.report import CHART_MAX, forest_chart, off_chart
    from crossline.settings.risk import RiskSettings

    wide = Estimate("harm_indicators", "harm", "to the end of the data", "estimated", robust_ratio=1.8, robust_low=0.4,
                    robust_high=CHART_MAX * 3)
    narrow = Estimate("harm_indicators", "harm", "to the end of the data", "estimated", robust_ratio=0.6, robust_low=0.4,
                      robust_high=0.9)
    assert off_chart(wide) and not off_chart(narrow) and not off_chart(None)
    results = WhatWorks(datetime(2026, 6, 1), datetime(2026, 10, 31), 100,
                        [ProgrammeResult("sport", "sport", "estimated", "", 40, matched=40, estimates=[wide]),
                         ProgrammeResult("mentoring", "mentoring", "estimated", "", 40, matched=40, estimates=[narrow])],
                        RiskSettings())
    import matplotlib.axes

    drawn: list[str] = []
    original = matplotlib.axes.Axes.annotate

    def spy(self: matplotlib.axes.Axes, text: str, *args: object, **kwargs: object) -> object:
        drawn.append(text)
        return original(self, text, *args, **kwargs)  # type: ignore[arg-type]

    matplotlib.axes.Axes.annotate = spy  # type: ignore[method-assign]
    try:
        assert forest_chart(results) is not None
    finally:
        matplotlib.axes.Axes.annotate = original  # type: ignore[method-assign]
    assert drawn == [f"to {CHART_MAX * 3:.2g}"]  # only the wide interval is marked, with where it ends
