"""The DDTRO evidence pack: one line's case for a drug dealing telecommunications restriction order.

A superintendent applying to court (Serious Crime Act 2015 s.80A) needs, on
the balance of probabilities: the numbers **and handsets** to name (an order on
the IMEI survives a SIM swap), what shows the line is used for drug dealing
(daily flares, customers, confirmed transactions), where it is run from and
sells, how it has moved between numbers, and who is linked to it. This module
renders that from a :class:`LineCase` as HTML
(Jinja2, ``templates/ddtro.html``) with charts and a map drawn by matplotlib
and embedded as PNG, then as PDF with WeasyPrint. Offline: no tiles, fonts or
scripts are fetched; the map draws the cells on a generalised coastline shipped
with the package (Natural Earth, public domain), with force-area centres
for orientation (no open police force boundaries could be shipped; see
docs/lines.md, "The evidence pack") and the flow from where the line is run to where it sells.
"""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

import polars as pl

from crossline.contract.geography import force_area_centroids
from crossline.store import files as private_files


@dataclass
class LineCase:
    """What the pack shows of one line: the picture's tables filtered to it, its casework and linked records."""

    line: dict[str, Any]
    numbers: pl.DataFrame
    successions: pl.DataFrame
    runners: pl.DataFrame
    evidence: pl.DataFrame
    daily: pl.DataFrame
    cells: pl.DataFrame
    applications: list[dict[str, Any]] = field(default_factory=list)
    nominals: pl.DataFrame | None = None  # linked records; None when no nominals table exists yet
    nominals_note: str = ""
    notes: list[str] = field(default_factory=list)


FEATURE_TEXT = {
    "flare_regularity": "daily flares at the same times",
    "relay": "orders passed on to a runner within minutes",
    "callback": "contacts called back the same day",
    "distance": "distance between the line and its customers",
    "inbound": "many short inbound contacts (orders)",
    "stability": "the same customers, flare after flare",
}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def activity_chart(daily: pl.DataFrame) -> str | None:
    """Flares and messages sent per day."""
    if daily.is_empty():
        return None
    plt = _plt()
    d = daily.sort("day")
    dates = [datetime.strptime(x, "%Y-%m-%d") for x in d["date"].to_list()]
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    ax.bar(dates, d["messages"].to_list(), color="#9db4c8", width=1.0, label="messages sent")
    ax.set_ylabel("messages sent a day")
    ax2 = ax.twinx()
    ax2.plot(dates, d["flares"].to_list(), color="#b22222", marker=".", linestyle="none", label="flares (bulk texts)")
    ax2.set_ylabel("flares a day")
    ax2.set_ylim(bottom=0, top=max(4, int(cast(int, d["flares"].max() or 0)) + 1))
    ax.set_title("Daily activity")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=7, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def customers_chart(daily: pl.DataFrame) -> str | None:
    """Potential (flared) and confirmed customers per day, as points, with their 7-day means as lines."""
    if daily.is_empty():
        return None
    plt = _plt()
    d = daily.sort("day").with_columns(
        pl.col("potential").rolling_mean(7, min_samples=1).alias("potential_7d"),
        pl.col("confirmed").rolling_mean(7, min_samples=1).alias("confirmed_7d"),
    )
    dates = [datetime.strptime(x, "%Y-%m-%d") for x in d["date"].to_list()]
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    ax.plot(dates, d["potential"].to_list(), ".", color="#4a6f8a", alpha=0.35, markersize=3)
    ax.plot(dates, d["potential_7d"].to_list(), color="#4a6f8a", label="potential: received flares (7-day mean)")
    ax.plot(dates, d["confirmed"].to_list(), ".", color="#b22222", alpha=0.35, markersize=3)
    ax.plot(dates, d["confirmed_7d"].to_list(), color="#b22222", label="confirmed: answered or called back (7-day mean)")
    ax.set_ylabel("customers a day")
    ax.set_ylim(bottom=0)
    ax.set_title("Customers over time (dots: each day)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=7, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


@lru_cache(maxsize=1)
def coastline() -> list[list[list[tuple[float, float]]]]:
    """The shipped coastline (UK, Ireland, Isle of Man, Channel Islands) as polygons of rings of (lon, lat).

    Natural Earth 1:10m (public domain) via world-atlas 2.0.2, generalised to
    about 500 m by scripts/refresh_basemap.py: enough to show where a line
    runs from and sells, offline, in about 150 KB.
    """
    data = json.loads(files("crossline.contract").joinpath("data", "uk_coastline.json").read_text(encoding="utf-8"))
    return [[[(float(x), float(y)) for x, y in ring] for ring in polygon]
            for feature in data["features"] for polygon in feature["geometry"]["coordinates"]]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display points


def place_labels(anchors: list[tuple[float, float, float, float]], taken: list[Box],
                 within: Box | None = None) -> list[tuple[float, float] | None]:
    """Where each label goes so that no two labels (nor a label and a ``taken`` box) overlap, or None to leave it out.

    ``anchors``: (x, y, width, height) of each label's point and text size, in
    display points, most important first. Each label tries eight places around
    its point, then the same further out, (inside ``within``, the plot, when given); a label that
    fits nowhere is dropped rather than drawn over another, since an
    unreadable label is worse than a missing one.
    """
    placed: list[Box] = list(taken)
    out: list[tuple[float, float] | None] = []
    for x, y, w, h in anchors:
        spots = [spot for gap in (3.0, 9.0, 16.0) for spot in (
            (gap, gap), (-w - gap, gap), (gap, -h - gap), (-w - gap, -h - gap),
            (gap, -h / 2), (-w - gap, -h / 2), (-w / 2, gap + 2), (-w / 2, -h - gap - 2))]
        chosen = None
        for dx, dy in spots:
            box = (x + dx, y + dy, x + dx + w, y + dy + h)
            if within is not None and not (within[0] <= box[0] and box[2] <= within[2] and within[1] <= box[1] and box[3] <= within[3]):
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                chosen = (dx, dy)
                placed.append(box)
                break
        out.append(chosen)
    return out


def cell_map(cells: pl.DataFrame, line: dict[str, Any]) -> str | None:
    """The line's cells, its customers' and runners' cells on the coastline, force areas, and the hub-to-market flow."""
    located = cells.filter(pl.col("lat").is_not_null())
    if located.is_empty():
        return None
    plt = _plt()
    from matplotlib.patches import FancyArrowPatch, Polygon

    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    lat0, lat1 = _span(located["lat"])
    lon0, lon1 = _span(located["lon"])
    for key in ("controller", "market"):
        if line.get(f"{key}_lat") is not None:
            lat0, lat1 = min(lat0, line[f"{key}_lat"]), max(lat1, line[f"{key}_lat"])
            lon0, lon1 = min(lon0, line[f"{key}_lon"]), max(lon1, line[f"{key}_lon"])
    pad_lat, pad_lon = max(0.2, (lat1 - lat0) * 0.15), max(0.3, (lon1 - lon0) * 0.15)
    box = (lat0 - pad_lat, lat1 + pad_lat, lon0 - pad_lon, lon1 + pad_lon)
    squash = math.cos(math.radians((lat0 + lat1) / 2))
    want = (box[3] - box[2]) * squash * 0.7  # at least 0.7 as tall as wide on the ground, so a strip stays readable
    if box[1] - box[0] < want:
        grow = (want - (box[1] - box[0])) / 2
        box = (box[0] - grow, box[1] + grow, box[2], box[3])
    ax.set_facecolor("#e8f1f7")  # sea
    for polygon in coastline():
        outer = polygon[0]
        if max(p[1] for p in outer) < box[0] or min(p[1] for p in outer) > box[1] \
                or max(p[0] for p in outer) < box[2] or min(p[0] for p in outer) > box[3]:
            continue
        ax.add_patch(Polygon(outer, closed=True, facecolor="#f4f1ea", edgecolor="#8a8a8a", lw=0.6, zorder=1))
        for hole in polygon[1:]:
            ax.add_patch(Polygon(hole, closed=True, facecolor="#e8f1f7", edgecolor="#8a8a8a", lw=0.4, zorder=1))
    styles = {"line": ("#b22222", "^", "line's own cells (where it is run from)"),
              "customers": ("#4a6f8a", "o", "customers' cells (its market)"),
              "runners": ("#e69f00", "s", "runners' cells")}
    for role, (colour, marker, label) in styles.items():
        part = located.filter(pl.col("role") == role)
        if part.height:
            size = (part["n"].cast(pl.Float64).log1p() * 12 + 10).to_list()
            ax.scatter(part["lon"].to_list(), part["lat"].to_list(), s=size, c=colour, marker=marker, alpha=0.75,
                       label=label, edgecolors="none", zorder=3)
    if line.get("controller_lat") is not None and line.get("market_lat") is not None:
        ax.add_patch(FancyArrowPatch((line["controller_lon"], line["controller_lat"]), (line["market_lon"], line["market_lat"]),
                                     arrowstyle="-|>,head_length=8,head_width=4", connectionstyle="arc3,rad=0.0",
                                     color="#5b2a86", lw=2.2, alpha=0.85, zorder=4, label="drugs flow: hub to market"))
    ax.set_ylim(box[0], box[1])
    ax.set_xlim(box[2], box[3])
    ax.set_aspect(1 / squash)  # a degree of longitude is shorter than a degree of latitude
    labels: list[tuple[float, float, str, dict[str, Any]]] = []
    for key, areas, word in (("controller", "controller_area", "hub"), ("market", "market_areas", "market")):
        if line.get(f"{key}_lat") is not None:
            area = str(line.get(areas) or "").replace(",", ";").split(";")[0].strip()
            labels.append((line[f"{key}_lon"], line[f"{key}_lat"], f"{word}: {area}" if area else word,
                           {"fontsize": 8, "color": "#5b2a86", "fontweight": "bold"}))
    for c in force_area_centroids():
        la, lo = c["lat"], c["lon"]
        if box[0] <= la <= box[1] and box[2] <= lo <= box[3]:
            ax.plot(lo, la, marker="+", color="#777777", markersize=7, zorder=2)
            labels.append((lo, la, c["force_area"], {"fontsize": 7, "color": "#555555"}))
    points = list(zip(located["lon"].to_list(), located["lat"].to_list(), strict=True))
    if line.get("controller_lat") is not None and line.get("market_lat") is not None:  # keep labels off the arrow too
        points += [(line["controller_lon"] + (line["market_lon"] - line["controller_lon"]) * t / 40,
                    line["controller_lat"] + (line["market_lat"] - line["controller_lat"]) * t / 40) for t in range(1, 40)]
    _draw_labels(fig, ax, labels, points)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title("Cells, coastline and force areas (+: centre of a force area)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7, frameon=False)
    ax.grid(alpha=0.15)
    return _png(fig)


def _draw_labels(fig: Any, ax: Any, labels: list[tuple[float, float, str, dict[str, Any]]],
                 points: list[tuple[float, float]]) -> None:
    """Draw ``labels`` (lon, lat, text, style) where none collides with another or a marked ``point``; left out where none fits."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    anchors: list[tuple[float, float, float, float]] = []
    for lon, lat, words, style in labels:
        probe = ax.text(0, 0, words, **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        x, y = ax.transData.transform((lon, lat))
        anchors.append((float(x), float(y), float(extent.width), float(extent.height)))
    taken: list[Box] = []
    for lon, lat in points:
        x, y = ax.transData.transform((lon, lat))
        taken.append((float(x) - 4, float(y) - 4, float(x) + 4, float(y) + 4))
    frame = ax.get_window_extent(renderer)
    spots = place_labels(anchors, taken, (float(frame.x0), float(frame.y0), float(frame.x1), float(frame.y1)))
    to_data = ax.transData.inverted()
    for (_lon, _lat, words, style), anchor, spot in zip(labels, anchors, spots, strict=True):
        if spot is None:
            continue
        x, y = to_data.transform((anchor[0] + spot[0], anchor[1] + spot[1]))
        ax.text(x, y, words, zorder=5, ha="left", va="bottom", **style)


LINK_WORDS = {"uses_phone": "named as the user of phone", "uses_handset": "named as the user of handset"}
CHILD_NOTE = ("Under 18 when the line was last seen{age}: a child named as a line phone's user is treated as a possible "
              "victim of criminal exploitation. Make a safeguarding referral and consider the National Referral "
              "Mechanism before any enforcement that names them.")


def link_words(how: str) -> str:
    """A link as a sentence: ``uses_phone 07700900123`` -> ``named as the user of phone 07700900123``."""
    kind, _, rest = how.partition(" ")
    return f"{LINK_WORDS[kind]} {rest}" if kind in LINK_WORDS else how


def age_on(date_of_birth: str | None, on: str | None) -> int | None:
    """Age in whole years on ``on`` (YYYY-MM-DD); a partial date of birth (YYYY-MM, YYYY) is taken at its latest
    possible day, so a child is never taken for an adult for want of a day or month."""
    if not date_of_birth or not on:
        return None
    try:
        parts = [int(x) for x in date_of_birth[:10].split("-")]
        when = date.fromisoformat(on[:10])
    except ValueError:
        return None
    year, month, day = parts[0], parts[1] if len(parts) > 1 else 12, parts[2] if len(parts) > 2 else 28
    return when.year - year - ((when.month, when.day) < (month, day))


def linked_people(frame: pl.DataFrame | None, last_seen: str | None) -> list[dict[str, Any]] | None:
    """The linked records as the pack shows them: the link in words, and a safeguarding note for a child."""
    if frame is None:
        return None
    out = []
    for r in frame.to_dicts():
        age = age_on(r.get("date_of_birth"), last_seen)
        note = CHILD_NOTE.format(age=f" (aged {age})") if age is not None and age < 18 else ""
        out.append(dict(r, how=link_words(r.get("how") or ""), safeguarding=note))
    return out


def _rows(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dicts()


def context(detail: LineCase, prepared_by: str) -> dict[str, Any]:
    """Everything the template shows, as plain values (the JSON twin of the pack)."""
    line = detail.line
    ev = detail.evidence
    current = line.get("current_number")
    ev_current = ev.filter(pl.col("number") == current) if current else ev.head(0)
    imeis = [i for i in (line.get("imeis") or "").split(";") if i]
    return {
        "line": line,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "prepared_by": prepared_by,
        "numbers": _rows(detail.numbers.sort("active_from")),
        "imeis": imeis,
        "successions": _rows(detail.successions.sort("detected_at")),
        "runners": _rows(detail.runners),
        "evidence": [dict(r, text=FEATURE_TEXT.get(r["feature"], r["feature"])) for r in _rows(ev_current)],
        "evidence_number": current,
        "applications": detail.applications,
        "nominals": linked_people(detail.nominals, line.get("last_seen")),
        "nominals_note": detail.nominals_note,
        "notes": detail.notes,
        "totals": {
            "days": detail.daily.height,
            "flares": int(detail.daily["flares"].sum()) if detail.daily.height else 0,
            "messages": int(detail.daily["messages"].sum()) if detail.daily.height else 0,
        },
        "charts": {
            "activity": activity_chart(detail.daily),
            "customers": customers_chart(detail.daily),
            "map": cell_map(detail.cells, line),
        },
    }


def render_html(ctx: dict[str, Any]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("crossline.report", "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template("ddtro.html").render(**ctx)


def render_pack(detail: LineCase, out_dir: Path, prepared_by: str = "") -> tuple[Path, Path]:
    """Write ``<line_id>-ddtro.html`` and ``.pdf`` into ``out_dir``; returns both paths.

    The pack names suspects and children: both files are owner-only, and each
    appears under its name only once complete (a full disk leaves no half pack).
    """
    from weasyprint import HTML

    private_files.private_dir(out_dir)
    html = render_html(context(detail, prepared_by))
    stem = f"{detail.line['line_id']}-ddtro"
    html_path = out_dir / f"{stem}.html"
    pdf_path = out_dir / f"{stem}.pdf"
    private_files.private_write(html_path, html)
    private_files.write_with(pdf_path, lambda tmp: HTML(string=html, base_url=str(out_dir)).write_pdf(tmp))
    return html_path, pdf_path


def _span(column: pl.Series) -> tuple[float, float]:
    return float(cast(float, column.min())), float(cast(float, column.max()))
