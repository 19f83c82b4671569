"""Bulk senders and order-takers that are not deal lines: taxi firm, taxi dispatch, takeaway, GP surgery, sports club.

Each sends texts to many numbers at once, and some take calls and call back,
so a naive "one number texts many" rule flags them. What gives them away to a
careful detector (docs/simulator.md, "Confounders"):

- the sender sits on a cell in the market town itself, and its recipients are
  local to it (a line's holder is in a hub, or for an internal line at least
  in another town from most customers);
- promotions are weekly or on set weekdays, not daily at the same times;
- GP reminders go to different patients each day, spread through office hours;
- club members reply little and never call to "order";
- nobody but a taxi dispatcher passes short job texts minutes after each incoming
  order, and the number never changes hands (no successions);
- a taxi dispatcher (issue 18) does relay every job to one of a few drivers, like a
  line to its runners, and never bulk-texts; what sets it apart is who calls: people
  from all over its own town, each now and then, not a market's drug users ordering
  again and again (docs/lines.md, "Quiet lines").

For ``taxi_dispatch`` the first ``dispatch_drivers`` entries of ``contacts`` are the
drivers' own phones; the rest are the town's customers.

Very chatty ordinary users are made in :mod:`crossline.sim.background`: their
traffic is two-way conversation with a stable circle.
"""

from __future__ import annotations

import numpy as np

from crossline.sim.clock import DAY, EVENING_HOURS, OFFICE_HOURS, draw_local_seconds, local_to_utc, weekday
from crossline.sim.dealing import _chunk
from crossline.sim.geography import MARKET_TOWNS, random_cells
from crossline.sim.phones import NumberPool
from crossline.sim.rng import stream
from crossline.sim.world import Confounder, PhoneBook, World

KINDS = (
    ("taxi", "newport", "Gwent Cabs"),
    ("taxi_dispatch", "newport", "Severn Side Private Hire"),
    ("takeaway", "cwmbran", "Dragon Pizza & Kebab"),
    ("gp_surgery", "pontypool", "Afon Lwyd Medical Practice"),
    ("sports_club", "ebbw_vale", "Valleys Amateur Boxing & Football Club"),
)


def make_confounders(world: World, book: PhoneBook, pool: NumberPool, person_phone: np.ndarray) -> None:
    """Register each business's number and pick its local customers; sets ``world.confounders``."""
    sc = world.scenario
    p = sc.confounders
    rng = stream(sc.seed, "confounders")
    copies = sc.scaled(p.per_scale, 1)
    people = world.people
    towns = people["town"].to_numpy()
    phones = person_phone
    sizes = {"taxi": p.taxi_customers, "taxi_dispatch": p.dispatch_customers,
              "takeaway": p.takeaway_customers, "gp_surgery": p.gp_patients, "sports_club": p.sports_members}
    out = []
    for copy in range(copies):
        for j, (kind, town, name) in enumerate(KINDS):
            if copy > 0:
                town = MARKET_TOWNS[(copy + j) % len(MARKET_TOWNS)]
                name = f"{name} ({copy + 1})"
            local = phones[(towns == town) & (phones >= 0)]
            size = min(len(local), sizes[kind])
            contacts = np.sort(rng.choice(local, size=size, replace=False))
            idx = int(book.add(pool.take(1), np.array([-1]), np.array([town]), "business")[0])
            if kind == "taxi_dispatch":  # drivers first (local people on their own mobiles), then customers
                k = _drivers(idx, len(contacts), p.dispatch_drivers)
                order = rng.permutation(len(contacts))
                contacts = np.concatenate([contacts[order[:k]], np.sort(contacts[order[k:]])])
            cell = int(random_cells(rng, world.cells, np.array([town]))[0])
            out.append(Confounder(name=name, kind=kind, town=town, phone=idx, contacts=contacts, cell=cell))
    world.confounders = out


def confounder_day(world: World, conf: Confounder, day: int) -> list[dict[str, np.ndarray]]:
    """One business's calls and texts on ``day``."""
    sc = world.scenario
    p = sc.confounders
    ph = world.phones
    assert ph is not None
    rng = stream(sc.seed, "confounder", conf.name, day)
    day_ts = sc.start_ts + day * DAY
    wd = weekday(day_ts)
    weekend = wd >= 5
    out: list[dict[str, np.ndarray]] = []
    C = conf.contacts
    if len(C) == 0:
        return out

    def bulk(local_s: int, coverage: float, gap: tuple[int, int]) -> None:
        to = rng.permutation(C[rng.random(len(C)) < coverage])
        t = local_to_utc(day_ts, local_s) + np.cumsum(rng.integers(gap[0], gap[1] + 1, len(to)))
        out.append(_chunk(conf.phone, to, 1, t, -1, conf.cell, ph.home_cell[to]))

    def inbound(n: int, hours: np.ndarray, dur: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        who = C[rng.integers(0, len(C), n)]
        t = local_to_utc(day_ts, draw_local_seconds(rng, hours, n))
        out.append(_chunk(who, conf.phone, 0, t, rng.integers(dur[0], dur[1], n), ph.home_cell[who], conf.cell))
        return who, t

    if conf.kind == "taxi":
        who, t = inbound(int(rng.poisson(p.taxi_calls_per_day * (1.5 if weekend else 1.0))), EVENING_HOURS, (15, 80))
        ready = rng.random(len(who)) < 0.6  # "your car is outside"
        out.append(_chunk(conf.phone, who[ready], 1, t[ready] + rng.integers(300, 1500, int(ready.sum())), -1, conf.cell, ph.home_cell[who[ready]]))
        if wd == p.taxi_promo_weekday:
            bulk(16 * 3600 + int(rng.integers(0, 1800)), 0.9, (1, 3))
    elif conf.kind == "taxi_dispatch":
        drivers = C[:_drivers(conf.phone, len(C), p.dispatch_drivers)]
        cust = C[len(drivers):]
        n = int(rng.poisson(p.dispatch_calls_per_day * (1.5 if weekend else 1.0)))
        who = cust[rng.integers(0, len(cust), n)]
        hours = (EVENING_HOURS + OFFICE_HOURS).astype(float)
        t = local_to_utc(day_ts, draw_local_seconds(rng, hours, n))
        out.append(_chunk(who, conf.phone, 0, t, rng.integers(15, 80, n), ph.home_cell[who], conf.cell))
        # each job, within minutes, to one driver; drivers drive to the customer's part of town
        drv = drivers[rng.integers(0, len(drivers), n)]
        tj = t + rng.integers(30, 240, n)
        out.append(_chunk(conf.phone, drv, 1, tj, -1, conf.cell, ph.home_cell[who]))
        ack = rng.random(n) < p.p_driver_ack
        out.append(_chunk(drv[ack], conf.phone, 1, tj[ack] + rng.integers(20, 180, int(ack.sum())), -1, ph.home_cell[who[ack]], conf.cell))
        ring = rng.random(n) < p.p_driver_calls_customer
        tr = tj[ring] + rng.integers(300, 1500, int(ring.sum()))
        out.append(_chunk(drv[ring], who[ring], 0, tr, rng.integers(10, 40, int(ring.sum())), ph.home_cell[who[ring]], ph.home_cell[who[ring]]))
        outside = rng.random(n) < p.p_dispatch_car_outside
        out.append(_chunk(conf.phone, who[outside], 1, tj[outside] + rng.integers(300, 1200, int(outside.sum())), -1, conf.cell,
                          ph.home_cell[who[outside]]))
    elif conf.kind == "takeaway":
        inbound(int(rng.poisson(25 if weekend else 10)), EVENING_HOURS, (40, 200))
        if wd in p.takeaway_promo_weekdays:
            bulk(17 * 3600, 0.97, (1, 2))
    elif conf.kind == "gp_surgery":
        if not weekend:
            n = int(rng.poisson(p.gp_reminders_per_weekday))
            to = C[rng.choice(len(C), size=min(n, len(C)), replace=False)]
            t = local_to_utc(day_ts, draw_local_seconds(rng, OFFICE_HOURS, len(to)))
            out.append(_chunk(conf.phone, to, 1, t, -1, conf.cell, ph.home_cell[to]))
            rep = rng.random(len(to)) < 0.05
            out.append(_chunk(to[rep], conf.phone, 1, t[rep] + rng.integers(60, 7200, int(rep.sum())), -1, ph.home_cell[to[rep]], conf.cell))
            who, t = inbound(int(rng.poisson(30)), np.array([0] * 8 + [6, 4, 2, 1, 1, 1, 1, 1, 0.5] + [0] * 7, dtype=float), (30, 240))
            back = rng.random(len(who)) < 0.3  # the doctor rings back later in the day
            out.append(
                _chunk(
                    conf.phone,
                    who[back],
                    0,
                    t[back] + rng.integers(1800, 5 * 3600, int(back.sum())),
                    rng.integers(60, 600, int(back.sum())),
                    conf.cell,
                    ph.home_cell[who[back]],
                )
            )
    elif conf.kind == "sports_club":
        if wd in p.sports_weekdays or wd == 5:
            bulk((9 if wd == 5 else 15) * 3600, 1.0, (0, 2))
            last = out[-1]
            rep = rng.random(len(last["b"])) < p.p_member_reply
            replied = last["t"][rep] + rng.integers(120, 7200, int(rep.sum()))
            out.append(_chunk(last["b"][rep], conf.phone, 1, replied, -1, ph.home_cell[last["b"][rep]], conf.cell))
    return out


def _drivers(phone: int, contacts: int, span: tuple[int, int]) -> int:
    """How many of a dispatch firm's contacts are its drivers: fixed by its phone index, so every day agrees."""
    return max(1, min(contacts - 1, span[0] + phone % (span[1] - span[0] + 1)))
