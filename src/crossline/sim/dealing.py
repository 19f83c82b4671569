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

Issue 18 (docs/simulator.md, "Quiet lines and messy changes"): a share of lines
is *quiet* (never a bulk text: orders only), and a share of number changes is
*messy*: only some customers follow (``partial``), the new number is passed on
one text at a time over hours (``trickle``; always so for a quiet line), or the
old number keeps answering after the new one starts (``overlap``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


MESSY_KINDS = ("partial", "trickle", "overlap")


def is_quiet(sc: Any, ln: Line) -> bool:
    """A line that takes orders only and never sends a bulk text (the same answer everywhere: truth uses it)."""
    return bool(stream(sc.seed, "quiet", ln.line_id).random() < sc.comms.p_quiet_line)


def answers_first(sc: Any, ln: Line) -> bool:
    """A line whose holder answers each customer before passing the job on (the same answer everywhere: truth uses it)."""
    return bool(stream(sc.seed, "answers-first", ln.line_id).random() < sc.comms.p_answers_first)


def change_kinds(sc: Any, ln: Line, i: int) -> tuple[str, ...]:
    """How the change into segment ``i`` (>= 1) went: () for a clean one, else some of MESSY_KINDS."""
    segs = ln.segments
    if i < 1 or i >= len(segs) or segs[i - 1].ended_by != "disrupted":
        return ()
    rng = stream(sc.seed, "change", ln.line_id, i)
    kinds: set[str] = set()
    if rng.random() < sc.comms.p_messy_change:
        kinds = {k for k in MESSY_KINDS if rng.random() < 0.5} or {MESSY_KINDS[int(rng.integers(0, len(MESSY_KINDS)))]}
    if is_quiet(sc, ln):
        kinds.add("trickle")
    return tuple(k for k in MESSY_KINDS if k in kinds)


@dataclass
class Reach:
    """Who each of a line's numbers really serves, and when each customer learned of it."""

    customers: list[np.ndarray]  # per segment: the customers who use it (sorted)
    told_at: list[np.ndarray]  # per segment, aligned: when each learned the number (Unix seconds)
    answers_until: list[int]  # per segment: the old number answers orders until then (overlap), else its end


def reach(sc: Any, ln: Line) -> Reach:
    """Followers, notification times and answering spans, per segment, from the segments and the change kinds.

    At a ``partial`` change only ``messy_follow_share`` of the old number's customers
    follow; new ones still join. Whoever did not follow is gone for the later numbers too.
    """
    c = sc.comms
    segs = ln.segments
    customers: list[np.ndarray] = []
    told: list[np.ndarray] = []
    until: list[int] = [s.end for s in segs]
    dropped = np.array([], dtype=np.int64)
    for i, s in enumerate(segs):
        kinds = change_kinds(sc, ln, i)
        rng = stream(sc.seed, "reach", ln.line_id, i)
        cur = np.setdiff1d(s.customers, dropped)
        if i > 0 and "partial" in kinds:
            prev = customers[i - 1]
            stay = np.intersect1d(cur, prev)
            joiners = np.setdiff1d(cur, segs[i - 1].customers)
            k = min(len(stay), int(round(c.messy_follow_share * len(prev))))
            kept = np.sort(rng.choice(stay, size=k, replace=False)) if k else np.array([], dtype=np.int64)
            dropped = np.union1d(dropped, np.setdiff1d(stay, kept))
            cur = np.union1d(kept, joiners)
        if i > 0 and "trickle" in kinds:
            at = s.start + (rng.uniform(0, rng.uniform(*c.trickle_hours), len(cur)) * 3600).astype(np.int64)
        else:
            at = np.full(len(cur), s.start, dtype=np.int64)
        if i + 1 < len(segs) and "overlap" in change_kinds(sc, ln, i + 1):
            until[i] = segs[i + 1].start + int(rng.uniform(*c.overlap_hours) * 3600)
        customers.append(cur)
        told.append(at)
    return Reach(customers=customers, told_at=told, answers_until=until)


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
    rc = reach(sc, ln)
    quiet = is_quiet(sc, ln)
    live_today = max(rc.answers_until) > day_ts
    out: list[dict[str, np.ndarray]] = []
    def hub_cell(n: int) -> np.ndarray:
        return ln.hub_cells[rng.integers(0, len(ln.hub_cells), n)]


    # flares at the line's regular times (a quiet line never sends one)
    if rng.random() >= c.p_flare_skipped and not quiet:
        for ft in ln.flare_times:
            t0 = int(local_to_utc(day_ts, int(ft + rng.normal(0, 240))))
            i = int(_active(segs, np.array([t0]))[0])
            if i < 0 or rng.random() < 0.05:
                continue
            out.append(_flare(rng, ph, segs[i].phone, rc.customers[i], t0, rng.uniform(*c.flare_coverage), hub_cell, c.flare_gap_s))
    # "new number" when a successor starts today: one flare, or one text per customer over hours (trickle)
    for i, s in enumerate(segs[1:], start=1):
        if day_ts <= s.start < day_ts + DAY and segs[i - 1].ended_by == "disrupted":
            if "trickle" in change_kinds(sc, ln, i):
                to, tt = rc.customers[i], rc.told_at[i]
                out.append(_chunk(s.phone, to, 1, tt, -1, hub_cell(len(to)), ph.home_cell[to]))
            else:
                t0 = s.start + int(rng.integers(0, 1200))
                out.append(_flare(rng, ph, s.phone, rc.customers[i], t0, rng.uniform(0.85, 0.98), hub_cell, c.flare_gap_s))

    # orders from customers of any segment touching today
    near = [i for i, s in enumerate(segs) if s.start < day_ts + DAY and max(s.end, rc.answers_until[i]) > day_ts - 14 * DAY]
    custs = np.unique(np.concatenate([rc.customers[i] for i in near] or [np.array([], np.int64)]))
    n_orders = rng.poisson(c.order_rate_mean * _weights(custs))
    who = np.repeat(custs, n_orders)
    t = local_to_utc(day_ts, draw_local_seconds(rng, ORDER_HOURS, len(who)))
    # each customer contacts the latest number they have been told of; it answers while
    # it is live (or, after an overlapping change, for a while longer), else never
    target = np.full(len(who), -1)
    for i in range(len(segs)):
        members = rc.customers[i]
        if not len(members) or not len(who):
            continue
        pos = np.clip(np.searchsorted(members, who), 0, len(members) - 1)
        target = np.where((members[pos] == who) & (rc.told_at[i][pos] <= t), i, target)
    keep = target >= 0
    who, t, target = who[keep], t[keep], target[keep]
    answered = t < np.array(rc.answers_until, dtype=np.int64)[target] if len(target) else np.array([], dtype=bool)
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
    ttxt = tw[txt] + rng.integers(60, 300, int(txt.sum()))
    out.append(_chunk(nw[txt], w[txt], 1, ttxt, -1, hub_cell(int(txt.sum())), ph.home_cell[w[txt]]))
    # when the holder answers first, the runner's job goes out after that answer (no answer: after the order)
    after = tw.copy()
    if answers_first(sc, ln):
        after[cb], after[txt] = tcb, ttxt

    if len(ln.runner_phones) and live_today:
        k = min(len(ln.runner_phones), int(rng.integers(1, 4)))
        duty = ln.runner_phones[rng.choice(len(ln.runner_phones), size=k, replace=False)]
        market = np.array([ln.markets[int(rng.integers(0, len(ln.markets)))]] * k)
        duty_cell = np.where(np.isin(ph.town[duty], ln.markets), ph.home_cell[duty], random_cells(rng, world.cells, market))
        ins = rng.random(len(w)) < c.p_instruction
        r = rng.integers(0, k, int(ins.sum()))
        ti = after[ins] + rng.integers(60, 480, int(ins.sum()))
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


def _flare(rng: np.random.Generator, ph: Any, phone: int, customers: np.ndarray, t0: int, coverage: float,
           hub_cell: Callable[[int], np.ndarray], gap: tuple[int, int]) -> dict[str, np.ndarray]:
    """The same text from the line to most of its customers, seconds apart."""
    to = customers[rng.random(len(customers)) < coverage]
    to = rng.permutation(to)
    t = t0 + np.cumsum(rng.integers(gap[0], gap[1] + 1, len(to)))
    return _chunk(phone, to, 1, t, -1, hub_cell(len(to)), ph.home_cell[to])

