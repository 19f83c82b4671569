"""An independent communications scenario for the deal-line detector. Shares no code, numbers or mechanics with crossline.sim.

Issue 18 asks the line detector to find deal lines (quiet ones too), follow
their number changes, and leave lawful look-alikes alone. The simulator is
where the detector was tuned, so this scenario is written from the issue's
words with mechanics, volumes and noise of its own:

- four places: two market towns (Harwick, Stanmoor) where the lines sell, a
  smaller town (Elmstead) and a city (Kingsport) where most controllers sit;
  each with its own cells;
- a background population that texts and rings friends and family on a
  daytime-to-evening rhythm (a few per cent very chatty, with dozens of
  contacts and dozens of messages a day); the drug users and runners also
  live ordinary phone lives inside it;
- deal lines: a branded number that customers (30-150 distinct over the
  window, joining and drifting away) text or ring with short orders, busiest
  afternoon to late night; the line texts back within minutes or calls back
  later the same day, then passes the job to one of 1-4 runners within
  minutes (sms or a short call), and the runner sometimes answers;
- flaring lines send bulk adverts (one text to dozens of their customers
  within a few seconds) once or twice on most days; quiet lines never do;
- number changes, messy: the new number tells the old number's recent
  customers one text at a time over several hours; only about 60% follow
  (per change 45-75%), new customers join the new number over the following
  weeks; the old number keeps answering (and relaying) for 0-48 hours after
  the new one starts; some lines change twice or three times (A to B to C);
  the new number is on the same handset (a_imei) for some changes, a new
  handset for others;
- lawful look-alikes: taxi dispatchers (short calls from hundreds of
  customers, evenings and weekends, each job passed to one of 3-6 drivers
  within minutes), takeaways (orders by phone in the evening, deliveries
  texted to 1-3 drivers, and one sends a weekly bulk promo text), GP
  surgeries (weekday reminder text batches to many patients, patients ring
  in the morning, call-backs), sports club secretaries (group texts to all
  members on club nights, a few committee members messaged often);
- noise: 2% of events arrive twice (both parties' records), some cells and
  handsets blank, unanswered calls (duration 0), people changing handsets.

It returns the comms and cell_sites rows and the truth: every line with its
numbers (quiet or flaring), every succession with its kinds, every
confounder number with its kind, and the role of every other number.
All numbers are made up (+447700 range), as are the places and handsets.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 8, 3, tzinfo=UTC)  # a Monday
DAY = 86400
HOUR = 3600
MIN = 60

# place: (centre lat, lon, number of cells)
PLACES = {"harwick": (52.712, -2.754, 10), "stanmoor": (52.905, -2.481, 8), "elmstead": (52.630, -2.490, 6), "kingsport": (53.480, -2.240, 16)}
MARKETS = ("harwick", "stanmoor")

# hourly weights (0..23)
SOCIAL = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 5, 5, 5, 6, 6, 5, 5, 6, 7, 8, 9, 9, 8, 6, 3]
LINE = [4, 3, 1.5, 0.5, 0.2, 0.2, 0.3, 0.5, 1, 2, 3, 5, 7, 8, 9, 9, 9, 9, 9, 9, 9, 8, 7, 6]
TAXI = [6, 5, 3, 1, 0.5, 0.5, 1, 2, 2, 1.5, 1.5, 1.5, 2, 2, 2, 2, 2.5, 3, 4, 5, 6, 7, 8, 8]
TAKEAWAY = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 2, 1.5, 0.3, 0.2, 1, 5, 9, 10, 8, 6, 3, 0.5]
GP = [0, 0, 0, 0, 0, 0, 0, 0, 10, 6, 4, 3, 2, 2, 3, 3, 2, 1, 0, 0, 0, 0, 0, 0]
CLUB = [0, 0, 0, 0, 0, 0, 0, 0.5, 1, 2, 2, 2, 2, 1, 1, 1, 2, 4, 5, 5, 3, 2, 1, 0]


@dataclass
class Phone:
    number: str
    role: str  # background, chatty, user, runner, line, taxi, takeaway, gp, club, driver, member...
    place: str
    home_cell: str
    imei: str
    imei_change_day: int | None = None  # swaps handset this day
    imei2: str | None = None


@dataclass
class Line:
    line_id: str
    place: str
    quiet: bool
    controller_place: str
    numbers: list[dict] = field(default_factory=list)  # number, start (s), end (s), imei, notice_start
    runners: list[Phone] = field(default_factory=list)


@dataclass
class Comms:
    rows: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # truth_line, number, quiet, active_from, active_to
    successions: list[dict] = field(default_factory=list)  # truth_line, old_number, new_number, at, kinds, follow_share, overlap_h
    confounders: list[dict] = field(default_factory=list)  # number, kind, contacts
    roles: dict[str, str] = field(default_factory=dict)  # number -> role, for every number
    days: int = 0
    line_rows: int = 0  # rows the deal lines made (orders, answers, relays, flares, notices)


class _Gen:
    def __init__(self, seed: int, days: int):
        self.rng = random.Random(seed)
        self.days = days
        self.used: set[str] = set()
        self.out = Comms(days=days)
        self.cells: dict[str, list[str]] = {}
        for place, (lat, lon, n) in PLACES.items():
            ids = []
            for i in range(n):
                cid = f"{place[:3].upper()}{self.rng.randint(1000, 9999)}{i:02d}"
                spread = 0.03 if place != "kingsport" else 0.06
                self.out.cells.append(
                    {"cell_id": cid, "lat": f"{lat + self.rng.uniform(-spread, spread):.5f}", "lon": f"{lon + self.rng.uniform(-spread, spread):.5f}"}
                )
                ids.append(cid)
            self.cells[place] = ids

    # ---- identities
    def number(self) -> str:
        while True:
            n = f"+447700{self.rng.randint(100000, 999999)}"
            if n not in self.used:
                self.used.add(n)
                return n

    def imei(self) -> str:
        digits = [self.rng.randint(0, 9) for _ in range(14)]
        total = 0
        for i, d in enumerate(digits):
            if i % 2 == 1:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        return "".join(map(str, digits)) + str((10 - total % 10) % 10)

    def phone(self, role: str, place: str) -> Phone:
        p = Phone(self.number(), role, place, self.rng.choice(self.cells[place]), self.imei())
        if self.rng.random() < 0.06:
            p.imei_change_day, p.imei2 = self.rng.randrange(self.days), self.imei()
        self.out.roles[p.number] = role
        return p

    # ---- times
    def when(self, day: int, profile: list[float]) -> int:
        hour = self.rng.choices(range(24), weights=profile)[0]
        return day * DAY + hour * HOUR + self.rng.randrange(HOUR)

    def cell(self, p: Phone) -> str:
        r = self.rng.random()
        if r < 0.75:
            return p.home_cell
        if r < 0.95:
            return self.rng.choice(self.cells[p.place])
        return self.rng.choice(self.cells[self.rng.choice(list(PLACES))])

    def emit(
        self,
        t: int,
        a: Phone,
        b: Phone,
        kind: str,
        duration: int | None = None,
        a_number: str | None = None,
        b_number: str | None = None,
        a_imei: str | None = None,
        a_cell: str | None = None,
    ) -> None:
        if t < 0 or t >= self.days * DAY:
            return
        imei = a_imei or (a.imei2 if a.imei_change_day is not None and t >= a.imei_change_day * DAY else a.imei)
        row = {
            "a_number": a_number or a.number,
            "b_number": b_number or b.number,
            "kind": kind,
            "started_at": (START + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": "" if kind != "voice" else str(duration or 0),
            "a_imei": imei if self.rng.random() > 0.04 else "",
            "a_cell": a_cell or (self.cell(a) if self.rng.random() > 0.05 else ""),
            "b_cell": self.cell(b) if self.rng.random() > 0.12 else "",
        }
        self.out.rows.append(row)
        if self.rng.random() < 0.02:  # the same event from the other party's record
            self.out.rows.append(dict(row))

    def voice_len(self, median: float, sigma: float = 0.6) -> int:
        return max(3, int(self.rng.lognormvariate(math.log(median), sigma)))


def independent_comms(seed: int = 1, days: int = 60, n_lines: int = 20, background: int = 2000, confounders: int = 3) -> Comms:
    g = _Gen(seed, days)
    rng = g.rng
    out = g.out

    # ---- background population and friendship circles
    weights = {"harwick": 0.34, "stanmoor": 0.28, "elmstead": 0.16, "kingsport": 0.22}
    people: list[Phone] = []
    by_place: dict[str, list[Phone]] = {p: [] for p in PLACES}
    for _ in range(background):
        place = rng.choices(list(weights), weights=list(weights.values()))[0]
        chatty = rng.random() < 0.03
        ph = g.phone("chatty" if chatty else "background", place)
        people.append(ph)
        by_place[place].append(ph)
    friends: dict[str, list[Phone]] = {}
    activity: dict[str, float] = {}

    def befriend(p: Phone, n: int, pool_place: str | None = None) -> None:
        local = by_place[pool_place or p.place]
        circle = friends.setdefault(p.number, [])
        for _ in range(n):
            q = rng.choice(local) if rng.random() < 0.8 else rng.choice(people)
            if q is not p and q not in circle:
                circle.append(q)
                friends.setdefault(q.number, []).append(p)  # friendships go both ways

    for p in people:
        if p.role == "chatty":
            befriend(p, rng.randint(30, 60))
            activity[p.number] = rng.uniform(20, 45)
        else:
            befriend(p, rng.randint(2, 9))
            activity[p.number] = rng.lognormvariate(math.log(2.5), 0.6)

    # ---- deal lines
    lines: list[Line] = []
    users_by_place: dict[str, list[Phone]] = {m: [] for m in MARKETS}
    for m in MARKETS:
        for _ in range(max(20, int(n_lines * 70 / len(MARKETS)))):
            u = g.phone("user", m)
            users_by_place[m].append(u)
            by_place[m].append(u)
            befriend(u, rng.randint(1, 5))
            activity[u.number] = rng.lognormvariate(math.log(1.5), 0.6)
    for li in range(n_lines):
        place = MARKETS[li % len(MARKETS)]
        line = Line(f"T{li + 1:02d}", place, quiet=rng.random() < 0.4, controller_place=rng.choice(["kingsport", "kingsport", "kingsport", "elmstead", place]))
        for _ in range(rng.randint(1, 4)):
            r = g.phone("runner", place)
            befriend(r, rng.randint(2, 6))
            activity[r.number] = rng.lognormvariate(math.log(2), 0.5)
            line.runners.append(r)
        # the numbers: start, number changes
        first = 0 if rng.random() < 0.8 else rng.randint(3, days // 4) * DAY
        changes = rng.choices([0, 1, 2, 3], weights=[3, 5, 3, 1])[0] if days >= 40 else rng.choices([0, 1, 2], weights=[2, 4, 2])[0]
        starts = [first]
        for k in range(changes):
            due = first + (k + 1) * (days * DAY - first) // (changes + 1) + rng.randint(-3, 3) * DAY
            day = max(starts[-1] // DAY + 8, min(days - 6, due // DAY))
            if day > days - 6:
                break
            starts.append(day * DAY + rng.choice([10, 11, 12, 13, 14]) * HOUR + rng.randrange(HOUR))
        imei = g.imei()
        for k, s in enumerate(starts):
            same = k > 0 and rng.random() < 0.5
            if k > 0 and not same:
                imei = g.imei()
            num = g.number()
            out.roles[num] = "line"
            overlap = 0 if k + 1 == len(starts) else rng.choice([0, rng.randint(2, 12), rng.randint(12, 48), rng.randint(24, 48)]) * HOUR
            end = days * DAY if k + 1 == len(starts) else starts[k + 1] + overlap
            line.numbers.append({"number": num, "start": s, "end": end, "imei": imei, "same_handset": same, "overlap": overlap})
        lines.append(line)

    rows_before = len(out.rows)
    for line in lines:
        _run_line(g, line, users_by_place[line.place])
    line_rows = len(out.rows) - rows_before

    # ---- lawful look-alikes
    def confounder(kind: str, place: str) -> Phone:
        p = g.phone(kind, place)
        if kind == "club":  # the secretary has a life of their own too
            befriend(p, rng.randint(2, 6))
            activity[p.number] = rng.uniform(1, 3)
            extras.append(p)
        return p

    extras: list[Phone] = []

    def town_people(place: str) -> list[Phone]:
        return list(by_place[place])

    for i in range(confounders):
        place = MARKETS[i % 2] if i < 2 else rng.choice(list(weights))
        # taxi firm
        taxi = confounder("taxi", place)
        drivers = [g.phone("driver", place) for _ in range(rng.randint(3, 6))]
        customers = rng.sample(town_people(place), min(len(by_place[place]), rng.randint(150, 400)))
        _run_taxi(g, taxi, drivers, customers)
        out.confounders.append(
            {"number": taxi.number, "kind": "taxi", "contacts": len(customers) + len(drivers), "detail": f"{len(customers)} customers, {len(drivers)} drivers"}
        )
        # takeaway
        take = confounder("takeaway", place)
        riders = [g.phone("driver", place) for _ in range(rng.randint(1, 3))]
        customers = rng.sample(town_people(place), min(len(by_place[place]), rng.randint(100, 300)))
        _run_takeaway(g, take, riders, customers, promo=(i == 0))
        out.confounders.append(
            {
                "number": take.number,
                "kind": "takeaway",
                "contacts": len(customers) + len(riders),
                "detail": f"{len(customers)} customers, {len(riders)} riders, " + ("weekly bulk promo text" if i == 0 else "no promo texts"),
            }
        )
        # GP surgery
        gp = confounder("gp", place)
        patients = rng.sample(town_people(place), min(len(by_place[place]), rng.randint(350, 700)))
        _run_gp(g, gp, patients)
        out.confounders.append(
            {"number": gp.number, "kind": "gp", "contacts": len(patients), "detail": f"{len(patients)} patients, weekday reminder batches at 09:00 and 14:00"}
        )
        # sports club secretary
        sec = confounder("club", place)
        members = rng.sample(town_people(place), rng.randint(25, 60))
        _run_club(g, sec, members)
        out.confounders.append({"number": sec.number, "kind": "club", "contacts": len(members), "detail": f"{len(members)} members, group texts Tue/Thu/Fri"})
    for p in people:
        if p.role == "chatty":
            out.confounders.append(
                {"number": p.number, "kind": "chatty", "contacts": len(friends[p.number]), "detail": f"{activity[p.number]:.0f} contacts made a day"}
            )

    # ---- everyone's ordinary phone life
    everyone = [p for place in PLACES for p in by_place[place]] + [r for ln in lines for r in ln.runners] + extras
    for p in everyone:
        circle = friends.get(p.number) or []
        if not circle:
            continue
        ranks = [1 / (k + 1) ** 0.8 for k in range(len(circle))]
        for day in range(days):
            weekend = (day % 7) >= 5
            for _ in range(_poisson(rng, activity.get(p.number, 1) * (1.2 if weekend else 1))):
                q = rng.choices(circle, weights=ranks)[0]
                t = g.when(day, SOCIAL)
                r = rng.random()
                if r < 0.68:
                    g.emit(t, p, q, "sms")
                    if rng.random() < 0.55:
                        g.emit(t + rng.randint(20, 1800), q, p, "sms")
                elif r < 0.98:
                    g.emit(t, p, q, "voice", 0 if rng.random() < 0.12 else g.voice_len(100, 1.0))
                else:
                    g.emit(t, p, q, "mms")

    for ln in lines:
        for k, n in enumerate(ln.numbers):
            out.lines.append(
                {
                    "truth_line": ln.line_id,
                    "number": n["number"],
                    "quiet": ln.quiet,
                    "place": ln.place,
                    "active_from": n["start"],
                    "active_to": n["end"],
                    "runners": len(ln.runners),
                    "controller_place": ln.controller_place,
                    "same_handset": n["same_handset"],
                }
            )
            if k:
                old = ln.numbers[k - 1]
                kinds = [
                    "partial_follow",
                    "trickle_notice",
                    "same_handset" if n["same_handset"] else "new_handset",
                    "overlap" if old["overlap"] else "no_overlap",
                    "chain" if len(ln.numbers) > 2 else "single_change",
                ]
                out.successions.append(
                    {
                        "truth_line": ln.line_id,
                        "old_number": old["number"],
                        "new_number": n["number"],
                        "at": n["start"],
                        "kinds": kinds,
                        "follow_share": n.get("follow_share", 0.0),
                        "overlap_h": old["overlap"] // HOUR,
                        "notified": n.get("notified", 0),
                        "followers": n.get("followers", 0),
                        "new_customers": n.get("new_customers", 0),
                    }
                )
    out.rows.sort(key=lambda r: r["started_at"])
    out.line_rows = line_rows
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _run_line(g: _Gen, line: Line, users: list[Phone]) -> None:
    rng = g.rng
    days = g.days
    n_customers = rng.randint(30, 150)
    handset = Phone("", "line", line.controller_place, rng.choice(g.cells[line.controller_place]), "")
    # customers: when they start and stop buying, how often, which number they use
    pool = rng.sample(users, min(len(users), n_customers))
    cust: list[dict] = []
    first = line.numbers[0]["start"]
    for u in pool:
        joined = first if rng.random() < 0.6 else rng.randint(first, days * DAY - 5 * DAY)
        cust.append(
            {
                "p": u,
                "from": joined,
                "to": min(days * DAY, joined + rng.randint(10, 90) * DAY),
                "rate": rng.lognormvariate(math.log(0.3), 0.8),
                "uses": 0,
                "switch": {},
            }
        )
    # each number change: notices, who follows, newcomers
    for k in range(1, len(line.numbers)):
        old, new = line.numbers[k - 1], line.numbers[k]
        t0 = new["start"]
        recent = [c for c in cust if c["uses"] == k - 1 and c["from"] < t0 < c["to"] + 10 * DAY]
        share = rng.uniform(0.45, 0.75)
        t = t0 + rng.randint(0, 20 * MIN)
        for c in rng.sample(recent, len(recent)):
            t += rng.randint(2 * MIN, 12 * MIN)  # one at a time, over hours
            g.emit(t, handset, c["p"], "sms", a_number=new["number"], a_imei=new["imei"], a_cell=g.cell(handset))
            if rng.random() < share:
                c["uses"] = k
                c["switch"][k] = t + (rng.randint(0, 36 * HOUR) if rng.random() < 0.3 else 0)  # some keep the old for a bit
                c["to"] = max(c["to"], t0 + rng.randint(7, 40) * DAY)
                if rng.random() < 0.3:
                    g.emit(t + rng.randint(60, 3600), c["p"], handset, "sms", b_number=new["number"])
            else:  # drifts away once the old number stops answering
                c["to"] = min(c["to"], old["end"] + rng.randint(0, 3) * DAY)
        new["follow_share"] = share
        new["notified"] = len(recent)
        new["followers"] = sum(1 for c in recent if c["uses"] == k)
        pool2 = [u for u in users if u not in pool]
        newcomers = rng.sample(pool2, min(len(pool2), int(len(recent) * rng.uniform(0.2, 0.5)) + 2))
        new["new_customers"] = len(newcomers)
        for u in newcomers:
            joined = rng.randint(t0 + HOUR, min(days * DAY - HOUR, t0 + 25 * DAY))
            cust.append(
                {
                    "p": u,
                    "from": joined,
                    "to": min(days * DAY, joined + rng.randint(10, 60) * DAY),
                    "rate": rng.lognormvariate(math.log(0.3), 0.8),
                    "uses": k,
                    "switch": {k: joined},
                    "born": k,
                }
            )
            pool.append(u)

    def number_for(c: dict, t: int) -> dict | None:
        """The line number this customer rings at time t (None when theirs is dead)."""
        k = c.get("born", 0)
        for kk in sorted(c["switch"]):
            if t >= c["switch"][kk]:
                k = kk
        n = line.numbers[k]
        if t < n["start"]:
            return None
        return n

    weights = [rng.uniform(0.5, 3) for _ in line.runners]
    for day in range(days):
        for c in cust:
            if not (c["from"] <= day * DAY + DAY and day * DAY <= c["to"]):
                continue
            for _ in range(_poisson(rng, c["rate"])):
                t = g.when(day, LINE)
                if t < c["from"] or t > c["to"]:
                    continue
                n = number_for(c, t)
                if n is None:
                    continue
                u = c["p"]
                live = t < n["end"]
                # the order
                if rng.random() < 0.7:
                    g.emit(t, u, handset, "sms", b_number=n["number"])
                    if rng.random() < 0.3:
                        t += rng.randint(30, 240)
                        g.emit(t, u, handset, "sms", b_number=n["number"])
                else:
                    g.emit(t, u, handset, "voice", 0 if not live or rng.random() < 0.15 else g.voice_len(22, 0.5), b_number=n["number"])
                if not live:
                    continue  # the old number no longer answers
                a = {"a_number": n["number"], "a_imei": n["imei"]}
                r = rng.random()
                if r < 0.65:
                    t += rng.randint(30, 15 * MIN)
                    g.emit(t, handset, u, "sms", a_cell=g.cell(handset), **a)
                elif r < 0.9:
                    t += rng.randint(2 * MIN, 3 * HOUR)
                    g.emit(t, handset, u, "voice", g.voice_len(30, 0.5), a_cell=g.cell(handset), **a)
                else:
                    continue
                if rng.random() < 0.85 and line.runners:
                    runner = rng.choices(line.runners, weights=weights)[0]
                    t += rng.randint(40, 10 * MIN)
                    if rng.random() < 0.75:
                        g.emit(t, handset, runner, "sms", a_cell=g.cell(handset), **a)
                    else:
                        g.emit(t, handset, runner, "voice", g.voice_len(20, 0.5), a_cell=g.cell(handset), **a)
                    if rng.random() < 0.4:
                        g.emit(t + rng.randint(60, 20 * MIN), runner, handset, "sms", b_number=n["number"])
        # flares: once or twice a day from the number(s) in use, to dozens of its customers at once
        if line.quiet:
            continue
        for n_idx, n in enumerate(line.numbers):
            if not (n["start"] <= day * DAY < n["end"] - DAY // 2) or rng.random() < 0.12:
                continue
            if n_idx + 1 < len(line.numbers) and line.numbers[n_idx + 1]["start"] <= day * DAY:
                continue  # an old number in its last hours does not advertise
            for _ in range(rng.choice([1, 1, 2])):
                t = day * DAY + rng.choice([rng.randint(10, 13), rng.randint(15, 19)]) * HOUR + rng.randrange(HOUR)
                audience = [c["p"] for c in cust if c["from"] <= t <= c["to"] + 7 * DAY and number_for(c, t) is n]
                if len(audience) < 8:
                    continue
                cell = g.cell(handset)
                for i, p in enumerate(rng.sample(audience, max(8, int(len(audience) * rng.uniform(0.6, 1.0))))):
                    g.emit(t + i // 4, handset, p, "sms", a_number=n["number"], a_imei=n["imei"], a_cell=cell)


def _run_taxi(g: _Gen, taxi: Phone, drivers: list[Phone], customers: list[Phone]) -> None:
    rng = g.rng
    rates = {c.number: rng.lognormvariate(math.log(0.04), 0.9) for c in customers}
    for day in range(g.days):
        weekend = (day % 7) in (4, 5)  # Friday, Saturday nights
        on = rng.sample(drivers, max(1, len(drivers) - rng.randint(0, 2)))
        for c in customers:
            for _ in range(_poisson(rng, rates[c.number] * (2.2 if weekend else 1))):
                t = g.when(day, TAXI)
                if rng.random() < 0.88:
                    g.emit(t, c, taxi, "voice", 0 if rng.random() < 0.05 else g.voice_len(25, 0.4))
                else:
                    g.emit(t, c, taxi, "sms")
                d = rng.choice(on)
                t += rng.randint(20, 4 * MIN)
                if rng.random() < 0.6:
                    g.emit(t, taxi, d, "sms")
                else:
                    g.emit(t, taxi, d, "voice", g.voice_len(12, 0.4))
                if rng.random() < 0.25:
                    g.emit(t + rng.randint(5 * MIN, 25 * MIN), taxi, c, "voice", g.voice_len(15, 0.4))
                if rng.random() < 0.2:
                    g.emit(t + rng.randint(2 * MIN, 30 * MIN), d, taxi, "voice", g.voice_len(20, 0.5))


def _run_takeaway(g: _Gen, shop: Phone, riders: list[Phone], customers: list[Phone], promo: bool) -> None:
    rng = g.rng
    rates = {c.number: rng.lognormvariate(math.log(0.04), 0.7) for c in customers}
    for day in range(g.days):
        if day % 7 == 0:
            continue  # closed Mondays
        busy = 1.8 if (day % 7) in (4, 5) else 1
        for c in customers:
            for _ in range(_poisson(rng, rates[c.number] * busy)):
                t = g.when(day, TAKEAWAY)
                g.emit(t, c, shop, "voice", g.voice_len(90, 0.5) if rng.random() < 0.92 else 0)
                if rng.random() < 0.6:
                    t += rng.randint(2 * MIN, 15 * MIN)
                    g.emit(t, shop, rng.choice(riders), "sms")
                    if rng.random() < 0.15:
                        g.emit(t + rng.randint(15 * MIN, 50 * MIN), shop, c, "voice", g.voice_len(20, 0.4))
        if promo and day % 7 == 3:  # Thursday offers
            t = day * DAY + 16 * HOUR + rng.randrange(HOUR)
            for i, c in enumerate(rng.sample(customers, int(len(customers) * 0.7))):
                g.emit(t + i // 5, shop, c, "sms")


def _run_gp(g: _Gen, gp: Phone, patients: list[Phone]) -> None:
    rng = g.rng
    for day in range(g.days):
        if day % 7 >= 5:
            continue
        for batch_hour in (9, 14):
            t = day * DAY + batch_hour * HOUR + rng.randrange(20 * MIN)
            for i, p in enumerate(rng.sample(patients, rng.randint(20, 70))):
                g.emit(t + i // 3, gp, p, "sms")
                if rng.random() < 0.05:
                    g.emit(t + rng.randint(10 * MIN, 5 * HOUR), p, gp, "sms")
        for _ in range(_poisson(rng, len(patients) * 0.04)):
            p = rng.choice(patients)
            t = g.when(day, GP)
            answered = rng.random() < 0.7
            g.emit(t, p, gp, "voice", g.voice_len(150, 0.6) if answered else 0)
            if rng.random() < 0.3:
                g.emit(t + rng.randint(HOUR, 6 * HOUR), gp, p, "voice", g.voice_len(240, 0.5))


def _run_club(g: _Gen, sec: Phone, members: list[Phone]) -> None:
    rng = g.rng
    committee = rng.sample(members, rng.randint(2, 4))
    for day in range(g.days):
        dow = day % 7
        if dow in (1, 3, 4) and rng.random() < 0.8:  # Tuesday, Thursday training; Friday team sheet
            t = day * DAY + rng.choice([12, 17, 18]) * HOUR + rng.randrange(HOUR)
            for i, m in enumerate(rng.sample(members, len(members))):
                g.emit(t + i // 2, sec, m, "sms")
                if rng.random() < 0.2:
                    g.emit(t + rng.randint(2 * MIN, 3 * HOUR), m, sec, "sms")
        for c in committee:
            for _ in range(_poisson(rng, 1.2)):
                t = g.when(day, CLUB)
                g.emit(t, sec, c, "sms" if rng.random() < 0.8 else "voice", g.voice_len(120, 0.6))
                if rng.random() < 0.6:
                    g.emit(t + rng.randint(MIN, HOUR), c, sec, "sms")


COMMS_COLUMNS = ["a_number", "b_number", "kind", "started_at", "duration_s", "a_imei", "a_cell", "b_cell"]


def write_bundle(world: Comms, out: Path) -> Path:
    """The scenario as a contract v1 bundle: one telecoms agency's comms and cell sites."""
    out.mkdir(parents=True, exist_ok=False)
    with (out / "comms.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COMMS_COLUMNS)
        writer.writeheader()
        writer.writerows(world.rows)
    with (out / "cell_sites.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["cell_id", "lat", "lon"])
        writer.writeheader()
        writer.writerows(world.cells)
    manifest = [
        "contract_version = 1",
        f'bundle = "{out.name}"',
        'produced_at = "2026-10-15T09:00:00Z"',
        "",
        "[[agency]]",
        'id = "northlink-mobile"',
        'name = "Northlink Mobile"',
        'type = "telecoms"',
        'force_area = "west-mercia"',
        "",
        "[[feed]]",
        'file = "comms.csv"',
        'kind = "comms"',
        'source = "northlink-mobile"',
        "",
        "[[feed]]",
        'file = "cell_sites.csv"',
        'kind = "cell_sites"',
        'source = "northlink-mobile"',
        "",
    ]
    (out / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return out
