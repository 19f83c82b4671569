"""The DDTRO evidence pack: one line's case for a drug dealing telecommunications restriction order.

A superintendent applying to court (Serious Crime Act 2015 s.80A) needs, on
the balance of probabilities: the numbers **and handsets** to name (an order on
the IMEI survives a SIM swap), what shows the line is used for drug dealing
(daily flares, customers, confirmed transactions), where it is run from and
sells, how it has moved between numbers, and who is linked to it. This module
renders that from a :class:`LineCase` as HTML
(Jinja2, ``templates/ddtro.html``) with charts and a map drawn by matplotlib
and embedded as PNG, then as PDF with WeasyPrint. Offline: no tiles, fonts or
scripts are fetched; the map is cells on a plain latitude/longitude plot with
force-area centroids for orientation.
"""

from __future__ import annotations

import base64
import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

import polars as pl

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


def _force_centroids() -> list[dict[str, str]]:
    text = files("crossline.contract").joinpath("data", "force_areas.csv").read_text(encoding="utf-8")
    return [r for r in csv.DictReader(io.StringIO(text)) if r["lat"] and r["lon"]]


def cell_map(cells: pl.DataFrame, line: dict[str, Any]) -> str | None:
    """The line's cells, its customers' and runners' cells, and force-area centroids, on a lat/lon plot."""
    located = cells.filter(pl.col("lat").is_not_null())
    if located.is_empty():
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    styles = {"line": ("#b22222", "^", "line's own cells (controller)"),
              "customers": ("#4a6f8a", "o", "customers' cells (market)"),
              "runners": ("#e69f00", "s", "runners' cells")}
    for role, (colour, marker, label) in styles.items():
        part = located.filter(pl.col("role") == role)
        if part.height:
            size = (part["n"].cast(pl.Float64).log1p() * 12 + 10).to_list()
            ax.scatter(part["lon"].to_list(), part["lat"].to_list(), s=size, c=colour, marker=marker, alpha=0.7,
                       label=label, edgecolors="none")
    if line.get("controller_lat") is not None and line.get("market_lat") is not None:
        ax.annotate("", xy=(line["market_lon"], line["market_lat"]), xytext=(line["controller_lon"], line["controller_lat"]),
                    arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 1.2, "linestyle": "--"})
    lat0, lat1 = _span(located["lat"])
    lon0, lon1 = _span(located["lon"])
    pad_lat, pad_lon = max(0.15, (lat1 - lat0) * 0.15), max(0.25, (lon1 - lon0) * 0.15)
    box = (lat0 - pad_lat, lat1 + pad_lat, lon0 - pad_lon, lon1 + pad_lon)
    squash = math.cos(math.radians((lat0 + lat1) / 2))
    want = (box[3] - box[2]) * squash * 0.7  # at least 0.7 as tall as wide on the ground, so a strip stays readable
    if box[1] - box[0] < want:
        grow = (want - (box[1] - box[0])) / 2
        box = (box[0] - grow, box[1] + grow, box[2], box[3])
    for c in _force_centroids():
        la, lo = float(c["lat"]), float(c["lon"])
        if box[0] <= la <= box[1] and box[2] <= lo <= box[3]:
            ax.plot(lo, la, marker="+", color="#777777", markersize=8)
            ax.annotate(c["force_area"], (lo, la), fontsize=7, color="#555555", xytext=(3, 3), textcoords="offset points")
    ax.set_ylim(box[0], box[1])
    ax.set_xlim(box[2], box[3])
    ax.set_aspect(1 / squash)  # a degree of longitude is shorter than a degree of latitude
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title("Cells (no basemap; + marks force-area centroids)")
    ax.legend(loc="best", fontsize=7)
    ax.grid(alpha=0.2)
    return _png(fig)


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
        "nominals": _rows(detail.nominals) if detail.nominals is not None else None,
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
