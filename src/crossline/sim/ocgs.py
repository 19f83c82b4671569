"""Organised crime groups, their deal lines, numbers over time, and their people.

Each line belongs to an OCG in a hub town (Liverpool, Birmingham, London,
Cardiff, or Newport for internal lines), sells into one or two Gwent towns,
and has a holder (in the hub), a controller, runners (hub children sent out
and local exploited children), customers (local adults who buy drugs) and
sometimes cuckooed addresses. A line's number is cut off now and then and a
new number takes over the customers within hours (a succession).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.clock import DAY, local_to_utc
from crossline.sim.geography import MARKET_TOWNS, TOWN_BY_KEY, random_cells
from crossline.sim.names import LINE_BRANDS
from crossline.sim.phones import NumberPool
from crossline.sim.rng import stream
from crossline.sim.world import Line, PhoneBook, Segment, World

VRM_LETTERS = np.array(list("ABCDEFGHJKLMNOPRSTUVWXY"))


def _hub_counts(rng: np.random.Generator, weights: tuple[tuple[str, float], ...], n: int) -> dict[str, int]:
    """Lines per hub by largest remainder, with one internal (Newport) line at least."""
    keys = [k for k, _ in weights]
    w = np.array([v for _, v in weights])
    raw = w / w.sum() * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    out = dict(zip(keys, counts.tolist(), strict=False))
    if out.get("newport", 0) == 0:
        biggest = max(out, key=lambda k: out[k])
        out[biggest] -= 1
        out["newport"] = 1
    return out


def _vrms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Made-up current-style registrations such as ``AB12 CDE``."""
    L = VRM_LETTERS
    a = np.char.add(L[rng.integers(0, len(L), n)], L[rng.integers(0, len(L), n)])
    age = np.array(["16", "66", "17", "67", "18", "68", "19", "69", "20", "70", "21", "71", "22", "72"])
    b = age[rng.integers(0, len(age), n)]
    c = np.char.add(np.char.add(L[rng.integers(0, len(L), n)], L[rng.integers(0, len(L), n)]), L[rng.integers(0, len(L), n)])
    return np.char.add(np.char.add(np.char.add(a, b), " "), c)


class _Picker:
    """Draws people from a town by age without reuse (one person, one OCG role)."""

    def __init__(self, rng: np.random.Generator, people: pl.DataFrame) -> None:
        free = ~(people["exploited"].to_numpy() | people["drug_user"].to_numpy())
        order = rng.permutation(people.height)
        self.pidx = people["pidx"].to_numpy()[order]
        self.town = people["town"].to_numpy()[order]
        self.age = people["age"].to_numpy()[order]
        self.phone = people["phone"].is_not_null().to_numpy()[order]
        self.free = free[order]
        self.by_town = {str(t): np.flatnonzero(self.town == t) for t in np.unique(self.town)}

    def take(self, town: str, lo: int, hi: int, n: int, need_phone: bool = True) -> list[int]:
        rows = self.by_town[town]
        ok = self.free[rows] & (self.age[rows] >= lo) & (self.age[rows] <= hi)
        if need_phone:
            ok &= self.phone[rows]
        chosen = rows[ok][:n]
        self.free[chosen] = False
        return [int(x) for x in self.pidx[chosen]]


def build_ocgs(world: World, book: PhoneBook, pool: NumberPool, person_phone: np.ndarray) -> None:
    """Create OCGs, lines (with their numbers over time), customers, cuckooed addresses.

    Adds ``world.lines``, ``world.ocg_members``, ``world.cuckooed`` and
    ``world.vehicles``; marks hub runners as exploited in ``world.people``;
    registers burners and line numbers in ``book``.
    """
    sc = world.scenario
    o = sc.ocgs
    rng = stream(sc.seed, "ocgs")
    people = world.people
    n_lines = sc.scaled(o.lines_per_scale, 1)
    counts = _hub_counts(rng, o.hub_weights, n_lines)
    picker = _Picker(rng, people)
    ages = people["age"].to_numpy()
    towns_of = people["town"].to_numpy()

    users = people.filter(pl.col("drug_user") & pl.col("phone").is_not_null())
    users_town = users["town"].to_numpy()
    users_phone = person_phone[users["pidx"].to_numpy()]
    users_single = (users["member"] == "single").to_numpy()
    users_pidx = users["pidx"].to_numpy()

    members: list[dict[str, object]] = []
    cuckooed: list[dict[str, object]] = []
    vehicles: list[dict[str, object]] = []
    newly_exploited: list[int] = []
    cuckoo_used = np.zeros(len(users_pidx), dtype=bool)
    lines: list[Line] = []
    brand_order = rng.permutation(len(LINE_BRANDS))
    start_ts = sc.start_ts
    end_ts = start_ts + sc.days * DAY
    ocg_n = 0

    for hub, n_hub in counts.items():
        remaining = n_hub
        while remaining > 0:
            size = min(remaining, int(rng.integers(1, o.max_lines_per_ocg + 1)))
            remaining -= size
            ocg_n += 1
            ocg_id = f"OCG{ocg_n:03d}"
            controller = picker.take(hub, 24, 45, 1)
            if not controller:
                controller = picker.take(hub, 18, 60, 1)
            ctrl = controller[0]
            members.append({"ocg_id": ocg_id, "pidx": ctrl, "role": "controller", "line_id": None, "hub": hub})
            for a in picker.take(hub, 19, 40, int(rng.integers(o.associates_min, o.associates_max + 1))):
                members.append({"ocg_id": ocg_id, "pidx": a, "role": "associate", "line_id": None, "hub": hub})
                if rng.random() < 0.7:
                    vehicles.append({"pidx": a, "ocg_id": ocg_id, "vrm": str(_vrms(rng, 1)[0])})
            for _ in range(size):
                k = len(lines)
                line_id = f"LN{k + 1:04d}"
                brand = LINE_BRANDS[brand_order[k % len(LINE_BRANDS)]]
                if k >= len(LINE_BRANDS):
                    brand = f"{brand} {k // len(LINE_BRANDS) + 1}"
                holder = (picker.take(hub, 18, 27, 1) or picker.take(hub, 18, 45, 1))[0]
                members.append({"ocg_id": ocg_id, "pidx": holder, "role": "holder", "line_id": line_id, "hub": hub})
                hub_runners = picker.take(hub, 15, 19, int(rng.integers(o.hub_runners_min, o.hub_runners_max + 1)), need_phone=False)
                newly_exploited += [r for r in hub_runners if int(ages[r]) < 18]
                for r in hub_runners:
                    members.append({"ocg_id": ocg_id, "pidx": r, "role": "runner", "line_id": line_id, "hub": hub})
                choices = [t for t in MARKET_TOWNS if t != hub]
                w = np.array([TOWN_BY_KEY[t].weight for t in choices])
                n_markets = 1 if rng.random() < 0.6 else 2
                markets = tuple(str(t) for t in rng.choice(choices, size=n_markets, replace=False, p=w / w.sum()))
                lines.append(
                    Line(
                        line_id=line_id, brand=brand, ocg_id=ocg_id, hub=hub, markets=markets,
                        holder=holder, controller=ctrl, runners=np.array(hub_runners, dtype=np.int64),
                        runner_phones=np.array([], dtype=np.int64), segments=[],
                        flare_times=np.array([], dtype=np.int64),
                        hub_cells=random_cells(rng, world.cells, np.array([hub] * int(rng.integers(1, 4)))),
                    )
                )

    # local exploited children run for a line selling into their town
    expl = people.filter(pl.col("exploited")).select(["pidx", "town"])
    serving = {t: [ln for ln in lines if t in ln.markets] for t in MARKET_TOWNS}
    for pidx, town in zip(expl["pidx"].to_list(), expl["town"].to_list(), strict=False):
        fits = serving.get(town) or lines
        ln = fits[int(rng.integers(0, len(fits)))]
        ln.runners = np.append(ln.runners, pidx)
        members.append({"ocg_id": ln.ocg_id, "pidx": pidx, "role": "runner", "line_id": ln.line_id, "hub": ln.hub})

    # runners' work phones: a burner for some, and for any without a phone
    for ln in lines:
        own = person_phone[ln.runners]
        burner = (own < 0) | (rng.random(len(own)) < o.p_runner_burner)
        towns = towns_of[ln.runners]
        idx = book.add(pool.take(int(burner.sum())), ln.runners[burner], towns[burner], "burner")
        phones = own.copy()
        phones[burner] = idx
        ln.runner_phones = phones

    # customers, numbers over time, flare times
    for ln in lines:
        in_market = np.isin(users_town, ln.markets)
        cand = users_phone[in_market]
        want = int(np.clip(rng.lognormal(np.log(o.customers_median), o.customers_sigma), o.customers_min, o.customers_max))
        want = min(want, len(cand))
        customers = np.sort(rng.choice(cand, size=want, replace=False)) if want else np.array([], dtype=np.int64)
        n_flares = int(rng.integers(sc.comms.flares_per_day[0], sc.comms.flares_per_day[1] + 1))
        # regular flare times, 5-minute slots between 09:30 and 22:00, at least 2 hours apart
        slots: list[int] = []
        for s in rng.permutation(np.arange(9 * 12 + 6, 22 * 12)):
            if all(abs(int(s) - x) >= 24 for x in slots):
                slots.append(int(s))
            if len(slots) == n_flares:
                break
        ln.flare_times = np.sort(np.array(slots, dtype=np.int64) * 300)

        first_day = 0 if rng.random() >= o.p_late_start else int(rng.integers(20, 80))
        switch_days: list[int] = []
        for d in np.sort(rng.integers(first_day + 10, sc.days - 5, rng.poisson(o.successions_per_line))):
            if not switch_days or d - switch_days[-1] >= o.min_gap_days:
                if d - first_day >= o.min_gap_days:
                    switch_days.append(int(d))
        close_day = int(rng.integers(60, sc.days - 3)) if rng.random() < o.p_line_closes else None
        if close_day is not None:
            switch_days = [d for d in switch_days if d < close_day - 5]

        seg_start = start_ts + first_day * DAY + (0 if first_day == 0 else int(local_to_utc(0, 9 * 3600)))
        seg_customers = customers
        n_numbers = len(switch_days) + 1
        numbers = book.add(pool.take(n_numbers), np.full(n_numbers, ln.holder), np.full(n_numbers, ln.hub), "line")
        for i, phone in enumerate(numbers):
            if i < len(switch_days):
                d = switch_days[i]
                end = int(local_to_utc(start_ts + d * DAY, int(rng.integers(8 * 3600, 22 * 3600))))
                ended_by = "disrupted"
            elif close_day is not None:
                end = int(local_to_utc(start_ts + close_day * DAY, int(rng.integers(8 * 3600, 22 * 3600))))
                ended_by = "closed"
            else:
                end = end_ts
                ended_by = "period_end"
            ln.segments.append(Segment(phone=int(phone), start=seg_start, end=end, customers=seg_customers, ended_by=ended_by))
            if ended_by == "disrupted":
                delay = rng.uniform(*o.handover_delay_h) * 3600
                seg_start = int(end + delay)
                keep = rng.random(len(seg_customers)) < rng.uniform(*o.p_keep_customer)
                fresh_pool = np.setdiff1d(cand, seg_customers)
                n_new = min(len(fresh_pool), int(rng.poisson(0.08 * len(seg_customers))))
                fresh = rng.choice(fresh_pool, size=n_new, replace=False) if n_new else np.array([], dtype=np.int64)
                seg_customers = np.sort(np.concatenate([seg_customers[keep], fresh]))

        # cuckooed addresses: vulnerable customers living alone in the market
        k = int(rng.integers(0, o.cuckooed_per_line_max + 1))
        cands = users_pidx[users_single & np.isin(users_town, ln.markets) & ~cuckoo_used]
        for j in rng.permutation(len(cands))[:k]:
            victim = int(cands[int(j)])
            cuckoo_used[users_pidx == victim] = True
            from_day = int(rng.integers(0, max(1, sc.days - 40)))
            cuckooed.append({
                "line_id": ln.line_id, "pidx": victim,
                "from_ts": start_ts + from_day * DAY,
                "to_ts": start_ts + min(sc.days, from_day + int(rng.integers(14, 61))) * DAY,
            })

    world.lines = lines
    exploited = people["exploited"].to_numpy().copy()
    exploited[np.array(newly_exploited, dtype=np.int64)] = True
    world.people = people.with_columns(pl.Series("exploited", exploited))
    world.forget_columns()
    world.ocg_members = pl.DataFrame(
        members, schema={"ocg_id": pl.String, "pidx": pl.Int64, "role": pl.String, "line_id": pl.String, "hub": pl.String}
    )
    world.cuckooed = pl.DataFrame(
        cuckooed, schema={"line_id": pl.String, "pidx": pl.Int64, "from_ts": pl.Int64, "to_ts": pl.Int64}
    )
    world.vehicles = pl.DataFrame(vehicles, schema={"pidx": pl.Int64, "ocg_id": pl.String, "vrm": pl.String})
