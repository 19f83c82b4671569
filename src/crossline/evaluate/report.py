"""The what-works report: one offline HTML file with its charts embedded (PNG as data URIs, no CDN, no files beside it)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from crossline.evaluate.effects import HORIZONS, OUTCOMES, Estimate, ProgrammeResult, WhatWorks
from crossline.evaluate.table import summary, what_to_fund

TEMPLATES = Path(__file__).parent / "templates"
CHART_MIN, CHART_MAX = 0.1, 8.0  # the forest chart's range; intervals beyond it are marked


def off_chart(e: Estimate | None) -> bool:
    """Whether the headline interval of ``e`` runs off the forest chart (the summary table says so too)."""
    head = e.headline() if e is not None else None
    return head is not None and ((head[2] is not None and head[2] < CHART_MIN) or (head[3] is not None and head[3] > CHART_MAX))


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def forest_chart(results: WhatWorks, outcome: str = "harm_indicators", horizon: str = "to the end of the data") -> str | None:
    """Rate ratio and 95% interval per programme (log scale), adjusted on the matched sample where it could be fitted
    (docs/risk.md, "What works": it covered the true effect more often); refused programmes are listed, not drawn."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(p.name, p.estimate(outcome, horizon)) for p in results.programmes if p.status == "estimated"]
    heads = [(n, e.headline()) for n, e in rows if e is not None and e.status == "estimated"]
    shown = [(n, h) for n, h in heads if h is not None and h[1] > 0]
    if not shown:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 0.6 * len(shown) + 1.4))
    for i, (_, (_method, ratio, low, high)) in enumerate(shown):
        lo, hi = low if low is not None else ratio, high if high is not None else ratio
        ax.plot([max(lo, CHART_MIN), min(hi, CHART_MAX)], [i, i], color="#33566b", lw=2)
        ax.plot([min(max(ratio, CHART_MIN), CHART_MAX)], [i], "o", color="#33566b")
        if lo < CHART_MIN:  # an interval running off the chart is marked with an arrow and its limit, never cut silently
            ax.annotate(f"to {lo:.2g}", (CHART_MIN, i), xytext=(2, 5), textcoords="offset points", fontsize=7, color="#b5522b")
            ax.plot([CHART_MIN], [i], "<", color="#b5522b")
        if hi > CHART_MAX:
            ax.annotate(f"to {hi:.2g}", (CHART_MAX, i), xytext=(-28, 5), textcoords="offset points", fontsize=7, color="#b5522b")
            ax.plot([CHART_MAX], [i], ">", color="#b5522b")
    ax.axvline(1.0, color="#999", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(CHART_MIN / 1.15, CHART_MAX * 1.15)
    ticks = [t for t in (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0) if CHART_MIN <= t <= CHART_MAX] or [1.0]
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yticks(range(len(shown)), [n for n, _ in shown])
    ax.set_xlabel("rate ratio against matched comparison, doubly robust (below 1: fewer events); arrows: interval runs off the chart")
    ax.set_title(f"{dict((o, label) for o, label, _ in OUTCOMES).get(outcome, outcome)}, {horizon}")
    ax.invert_yaxis()
    return _png(fig)


def balance_chart(p: ProgrammeResult) -> str | None:
    """A Love plot: |SMD| of each covariate before and after matching, with the 0.1 mark."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if p.balance is None or p.balance.height == 0:
        return None
    b = p.balance
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * b.height + 1.0))
    y = list(range(b.height))
    ax.plot(b["smd_before"].abs().to_list(), y, "o", mfc="white", color="#b5522b", label="before matching")
    ax.plot(b["smd_after"].abs().to_list(), y, "o", color="#33566b", label="after matching")
    ax.axvline(0.1, color="#999", ls="--", lw=1)
    ax.set_yticks(y, [c.replace("_", " ") for c in b["covariate"].to_list()])
    ax.set_xlabel("absolute standardised mean difference")
    ax.legend(loc="lower right", fontsize=8)
    ax.invert_yaxis()
    return _png(fig)


def render(results: WhatWorks) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.get_template("what_works.html")
    charts = {p.programme: balance_chart(p) for p in results.programmes}
    rows = summary(results)
    off = {p.name for p in results.programmes if off_chart(p.estimate("harm_indicators", "to the end of the data"))}
    return template.render(
        r=results, horizons=[h for h, _ in HORIZONS], outcomes=OUTCOMES, forest=forest_chart(results),
        forest_3m=forest_chart(results, horizon="3 months"), balance=charts,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), fmt=_fmt, summary=rows, to_fund=what_to_fund(rows), off_chart=off,
    )


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def write_report(results: WhatWorks, out: Path) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".html":
        out = out / "what-works.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results), encoding="utf-8")
    return out
