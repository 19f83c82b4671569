"""A deal line's day of communications.

What a line looks like in call data (shared/design/DOMAIN.md):

- flares: the holder texts most of the customer list within minutes, at the
  line's regular times each day, from a handset on the hub's cells;
- orders: customers text or call the line from their home cells in the
  market; the line calls back the same day (a "confirmed transaction") and
  texts a runner in the market with the job; runners reply and check in;
- handover: on the day a new number starts, it flares most of the old
  customers within minutes ("new number, same line"); customers who missed
  it keep texting the dead number, which never answers;
- the holder and controller speak on their personal phones in the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from crossline.sim.clock import DAY, ORDER_HOURS, draw_local_seconds, local_to_utc
from crossline.sim.geography import random_cells
from crossline.sim.rng import stream
from crossline.sim.world import Line, Segment, World


def _weights(phones: np.ndarray) -> np.ndarray:
    """A fixed 0-2 ordering appetite per customer phone (mean 1), the same every day."""
    return ((phones.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(1000)).astype(float) / 500.0


def _chunk(a: Any, b: Any, kind: Any, t: np.ndarray, dur: Any, a_cell: Any, b_cell: Any) -> dict[str, np.ndarray]:
    """One batch of comms as parallel arrays; scalars are repeated to the batch's length."""
    n = len(t)

    def col(v: Any, dt: type[np.generic]) -> np.ndarray:
        arr = np.asarray(v)
        return np.full(n, arr, dtype=dt) if arr.ndim == 0 else arr.astype(dt, copy=False)

    return {
        "a": col(a, np.int64), "b": col(b, np.int64), "kind": col(kind, np.int8), "t": col(t, np.int64),
        "dur": col(dur, np.int64), "a_cell": col(a_cell, np.int64), "b_cell": col(b_cell, np.int64),
    }


def _active(segments: list[Segment], t: np.ndarray) -> np.ndarray:
    """Index of the segment live at each time, -1 where the line has no live number."""
    out = np.full(len(t), -1)
    for i, s in enumerate(segments):
        out[(t >= s.start) & (t < s.end)] = i
    return out


def line_day(world: World, ln: Line, day: int) -> list[dict[str, np.ndarray]]:
    """All of one line's calls and texts on ``day`` (0 = the period's first day)."""
    sc = world.scenario
    c = sc.comms
    ph = world.phones
    assert ph is not None
    rng = stream(sc.seed, "line", ln.line_id, day)
    day_ts = sc.start_ts + day * DAY
    segs = ln.segments
    # quiet before the line starts; customers keep texting a closed line's dead number for two weeks
    if not segs or segs[0].start >= day_ts + DAY or segs[-1].end + 14 * DAY <= day_ts:
        return []
    live_today = segs[-1].end > day_ts
    out: list[dict[str, np.ndarray]] = []
    def hub_cell(n: int) -> np.ndarray:
        return ln.hub_cells[rng.integers(0, len(ln.hub_cells), n)]


    # flares at the line's regular times
    if rng.random() >= c.p_flare_skipped:
        for ft in ln.flare_times:
            t0 = int(local_to_utc(day_ts, int(ft + rng.normal(0, 240))))
            i = int(_active(segs, np.array([t0]))[0])
            if i < 0 or rng.random() < 0.05:
                continue
            out.append(_flare(rng, ph, segs[i], t0, rng.uniform(*c.flare_coverage), hub_cell, c.flare_gap_s))
    # "new number" flare when a successor starts today
    for i, s in enumerate(segs[1:], start=1):
        if day_ts <= s.start < day_ts + DAY and segs[i - 1].ended_by == "disrupted":
            t0 = s.start + int(rng.integers(0, 1200))
            out.append(_flare(rng, ph, s, t0, rng.uniform(0.85, 0.98), hub_cell, c.flare_gap_s))

    # orders from customers of any segment touching today
    custs = np.unique(np.concatenate([s.customers for s in segs if s.start < day_ts + DAY and s.end > day_ts - 14 * DAY] or [np.array([], np.int64)]))
    n_orders = rng.poisson(c.order_rate_mean * _weights(custs))
    who = np.repeat(custs, n_orders)
    t = local_to_utc(day_ts, draw_local_seconds(rng, ORDER_HOURS, len(who)))
    live = _active(segs, t)
    # each customer contacts the latest number they know of: the live one if they
    # got its flare, else a dead one, which never answers
    target = np.full(len(who), -1)
    for i, s in enumerate(segs):
        target = np.where(np.isin(who, s.customers) & (s.start <= t), i, target)
    keep = target >= 0
    who, t, target, live = who[keep], t[keep], target[keep], live[keep]
    answered = live == target
    numbers = np.array([s.phone for s in segs])[target] if len(target) else np.array([], np.int64)
    is_sms = rng.random(len(who)) < c.p_order_sms
    dur = np.where(is_sms, -1, np.where(answered & (rng.random(len(who)) < 0.85), rng.integers(10, 61, len(who)), 0))
    b_cell = np.where(answered, hub_cell(len(who)), -1)
    out.append(_chunk(who, numbers, np.where(is_sms, 1, 0), t, dur, ph.home_cell[who], b_cell))

    # call-backs and runner instructions for orders the live number took
    w, tw, nw = who[answered], t[answered], numbers[answered]
    cb = rng.random(len(w)) < c.p_callback
    tcb = tw[cb] + (rng.uniform(*c.callback_delay_min, int(cb.sum())) * 60).astype(np.int64)
    out.append(_chunk(nw[cb], w[cb], 0, tcb, rng.lognormal(np.log(40), 0.5, int(cb.sum())).astype(np.int64) + 5, hub_cell(int(cb.sum())), ph.home_cell[w[cb]]))
    txt = ~cb & (rng.random(len(w)) < 0.5)
    out.append(_chunk(nw[txt], w[txt], 1, tw[txt] + rng.integers(60, 300, int(txt.sum())), -1, hub_cell(int(txt.sum())), ph.home_cell[w[txt]]))

    if len(ln.runner_phones) and live_today:
        k = min(len(ln.runner_phones), int(rng.integers(1, 4)))
        duty = ln.runner_phones[rng.choice(len(ln.runner_phones), size=k, replace=False)]
        market = np.array([ln.markets[int(rng.integers(0, len(ln.markets)))]] * k)
        duty_cell = np.where(np.isin(ph.town[duty], ln.markets), ph.home_cell[duty], random_cells(rng, world.cells, market))
        ins = rng.random(len(w)) < c.p_instruction
        r = rng.integers(0, k, int(ins.sum()))
        ti = tw[ins] + rng.integers(60, 480, int(ins.sum()))
        out.append(_chunk(nw[ins], duty[r], 1, ti, -1, hub_cell(len(r)), duty_cell[r]))
        rep = rng.random(len(r)) < c.p_runner_reply
        out.append(_chunk(duty[r][rep], nw[ins][rep], 1, ti[rep] + rng.integers(30, 360, int(rep.sum())), -1, duty_cell[r][rep], hub_cell(int(rep.sum()))))
        # runners check in with the line by phone
        n_calls = rng.poisson(c.runner_checkins, k)
        rr = np.repeat(np.arange(k), n_calls)
        tc = local_to_utc(day_ts, draw_local_seconds(rng, ORDER_HOURS, len(rr)))
        li = _active(segs, tc)
        ok = li >= 0
        out.append(_chunk(duty[rr][ok], np.array([s.phone for s in segs])[li[ok]], 0, tc[ok],
                          rng.integers(15, 180, int(ok.sum())), duty_cell[rr][ok], hub_cell(int(ok.sum()))))

    # holder and controller talk on their personal phones in the hub
    pp = world.person_phone
    assert pp is not None
    hp, cp = pp[ln.holder], pp[ln.controller]
    if hp >= 0 and cp >= 0 and live_today:
        m = rng.poisson(c.holder_controller_calls)
        th = local_to_utc(day_ts, draw_local_seconds(rng, ORDER_HOURS, m))
        flip = rng.random(m) < 0.5
        out.append(_chunk(np.where(flip, hp, cp), np.where(flip, cp, hp), 0, th, rng.integers(20, 400, m),
                          ph.home_cell[np.where(flip, hp, cp)], ph.home_cell[np.where(flip, cp, hp)]))
    return out


def _flare(rng: np.random.Generator, ph: Any, seg: Segment, t0: int, coverage: float, hub_cell: Callable[[int], np.ndarray],
           gap: tuple[int, int]) -> dict[str, np.ndarray]:
    """The same text from the line to most of its customers, seconds apart."""
    to = seg.customers[rng.random(len(seg.customers)) < coverage]
    to = rng.permutation(to)
    t = t0 + np.cumsum(rng.integers(gap[0], gap[1] + 1, len(to)))
    return _chunk(seg.phone, to, 1, t, -1, hub_cell(len(to)), ph.home_cell[to])

