"""Streaming the CSP's comms return to disk, one day at a time.

Each day gathers the background, every line's traffic and the confounders'
as integer arrays (phone and cell indices), sorts them by time, turns them
into text columns in one vectorised step, and hands them to the writer; the
day's arrays are then dropped, so memory does not grow with the period or
the scale. A few rows are returned twice, as overlapping CDR requests do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import polars as pl

from crossline.sim.background import ContactGraph, background_day
from crossline.sim.clock import DAY
from crossline.sim.confounders import confounder_day
from crossline.sim.dealing import line_day
from crossline.sim.phones import national_form
from crossline.sim.rng import stream
from crossline.sim.tables import iso_utc
from crossline.sim.world import World
from crossline.sim.writer import CommsWriter

KIND_NAMES = np.array(["voice", "sms", "mms"])


class _Text:
    """Phone, handset and cell text, gathered by index."""

    def __init__(self, world: World) -> None:
        ph = world.phones
        assert ph is not None and world.imeis is not None
        self.e164 = pl.Series(ph.number.astype(str))
        self.national = pl.Series(national_form(ph.number).astype(str))
        imei = world.imeis[ph.imei].astype(object)
        imei[ph.kind == "business"] = None  # bulk SMS gateways report no handset
        self.imei = pl.Series(imei.tolist(), dtype=pl.String)
        self.cell = pl.Series(world.cells.cell_id.astype(str))


def _frame(world: World, text: _Text, day: int, ch: dict[str, np.ndarray]) -> pl.DataFrame:
    c = world.scenario.comms
    rng = stream(world.scenario.seed, "comms-text", day)
    n = len(ch["t"])
    dup = rng.random(n) < c.p_duplicate
    idx = np.concatenate([np.arange(n), np.flatnonzero(dup)])
    ch = {k: v[idx] for k, v in ch.items()}
    order = np.lexsort((ch["b"], ch["a"], ch["t"]))
    ch = {k: v[order] for k, v in ch.items()}
    n = len(order)

    def number(col: str) -> pl.Series:
        nat = rng.random(n) < c.p_national_form
        return text.e164.gather(ch[col]).zip_with(pl.Series(~nat), text.national.gather(ch[col]))

    def cell(col: str) -> pl.Series:
        v = ch[col]
        ok = (v >= 0) & (rng.random(n) >= c.p_blank_cell)
        return text.cell.gather(np.where(ok, v, 0)).zip_with(pl.Series(ok), pl.Series([None] * n, dtype=pl.String))

    imei_ok = rng.random(n) >= c.p_blank_imei
    voice = ch["kind"] == 0
    return pl.DataFrame({
        "a_number": number("a"),
        "b_number": number("b"),
        "kind": pl.Series(KIND_NAMES[ch["kind"]]),
        "started_at": iso_utc(ch["t"]),
        "duration_s": pl.Series(np.where(voice, np.maximum(ch["dur"], 0), 0)).zip_with(pl.Series(voice), pl.Series([None] * n, dtype=pl.Int64)),
        "a_imei": text.imei.gather(ch["a"]).zip_with(pl.Series(imei_ok), pl.Series([None] * n, dtype=pl.String)),
        "a_cell": cell("a_cell"),
        "b_cell": cell("b_cell"),
    })


def write_comms(world: World, graph: ContactGraph, writer: CommsWriter,
                progress: Callable[[str, float], None] | None = None) -> int:
    """Generate and write every day's comms; returns the rows written."""
    sc = world.scenario
    text = _Text(world)
    total = 0
    for day in range(sc.days):
        day_ts = sc.start_ts + day * DAY
        weekend = (sc.start + timedelta(days=day)).weekday() >= 5
        chunks = [background_day(world, graph, day, day_ts, weekend)]
        for ln in world.lines:
            chunks += line_day(world, ln, day)
        for conf in world.confounders:
            chunks += confounder_day(world, conf, day)
        chunks = [ch for ch in chunks if len(ch["t"])]
        merged = {k: np.concatenate([ch[k] for ch in chunks]) for k in chunks[0]}
        df = _frame(world, text, day, merged)
        month = (sc.start + timedelta(days=day)).strftime("%Y-%m")
        writer.write(month, df)
        total += df.height
        if progress is not None:
            progress("comms", (day + 1) / sc.days)
    writer.close()
    return total
