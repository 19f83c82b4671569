"""Hand-made comms for the lines tests: a small world written row by row, so every count is known.

Times are UK local (June: BST, UTC+1) and converted to UTC; cells sit in London
(the hub) and in Newport (the market). Builders return lists of row dicts in
the lake's columns; :func:`to_lake` writes them as a Parquet file the feature
SQL reads, and :func:`to_bundle` as a contract bundle to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from crossline.workspace import Workspace

START = date(2026, 6, 1)  # a Monday
HUB = [("234-15-200-1", 51.5310, -0.0900), ("234-15-200-2", 51.5400, -0.0700)]
MARKET = [("234-15-100-1", 51.5842, -2.9977), ("234-15-100-2", 51.5900, -2.9800), ("234-15-100-3", 51.5800, -3.0100)]
CELLS = pl.DataFrame(
    [(c, la, lo, "metropolitan") for c, la, lo in HUB] + [(c, la, lo, "gwent") for c, la, lo in MARKET],
    schema=["cell_id", "lat", "lon", "force_area"], orient="row",
)
LAKE_SCHEMA = {"a_number": pl.String, "b_number": pl.String, "kind": pl.String, "started_at": pl.Datetime("us"),
               "duration_s": pl.Int64, "a_imei": pl.String, "a_cell": pl.String, "b_cell": pl.String}


def num(prefix: str, i: int) -> str:
    """A made-up UK mobile in E.164 on a prefix that passes the phonenumbers checks (FIELD-NOTES)."""
    return f"+44{prefix}{i:06d}"


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """UTC time of a local (BST) clock time on the period's ``day``."""
    return datetime(START.year, START.month, START.day) + timedelta(days=day, hours=hh - 1, minutes=mm, seconds=ss)


@dataclass
class Comms:
    rows: list[dict] = field(default_factory=list)

    def add(self, a: str, b: str, kind: str, t: datetime, dur: int | None = None, imei: str | None = None,
            a_cell: str | None = None, b_cell: str | None = None) -> None:
        self.rows.append({"a_number": a, "b_number": b, "kind": kind, "started_at": t,
                          "duration_s": dur if kind == "voice" else None, "a_imei": imei, "a_cell": a_cell, "b_cell": b_cell})

    def text(self, a: str, b: str, t: datetime, **kw: object) -> None:
        self.add(a, b, "sms", t, **kw)  # type: ignore[arg-type]

    def call(self, a: str, b: str, t: datetime, dur: int, **kw: object) -> None:
        self.add(a, b, "voice", t, dur, **kw)  # type: ignore[arg-type]

    def flare(self, a: str, to: list[str], t: datetime, gap_s: int = 3, imei: str | None = None, cell: str = HUB[0][0],
              b_cell: str = MARKET[0][0]) -> None:
        for i, b in enumerate(to):
            self.text(a, b, t + timedelta(seconds=gap_s * i), imei=imei, a_cell=cell, b_cell=b_cell)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=LAKE_SCHEMA)


def deal_line(c: Comms, number: str, customers: list[str], days: range, imei: str | None, runners: list[str],
              flare_times: tuple[int, ...] = (11, 18), orders_per_day: int = 6, check_ins: bool = False) -> None:
    """A line's days: flares at the same local times, orders called back, each order relayed to a runner.

    With ``check_ins`` each runner rings the line in the morning before work (runners answer and check in;
    the runner rule needs a runner to be in touch on the days it is texted, so only then are they runners).
    """
    for d in days:
        if check_ins:
            check_in(c, number, runners, d)
        for h in flare_times:
            c.flare(number, customers, at(d, h, 0), imei=imei)
        for k in range(orders_per_day):
            who = customers[(d * 5 + k * 3) % len(customers)]
            t = at(d, 13, 10 * k)
            c.text(who, number, t, a_cell=MARKET[1][0], b_cell=HUB[0][0])
            c.call(number, who, t + timedelta(minutes=4), 45, imei=imei, a_cell=HUB[0][0], b_cell=MARKET[1][0])
            c.text(number, runners[(d + k) % len(runners)], t + timedelta(minutes=3), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[2][0])


def check_in(c: Comms, number: str, runners: list[str], d: int) -> None:
    """Each runner rings the line from the market at 10:00 local (an hour before any order, so no instruction reads as a reply)."""
    for i, r in enumerate(runners):
        c.call(r, number, at(d, 10, i), 60, a_cell=MARKET[2][0], b_cell=HUB[0][0])


def to_lake(frame: pl.DataFrame, path: Path) -> list[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return [str(path)]


def to_bundle(frame: pl.DataFrame, root: Path) -> Path:
    """A contract bundle (comms and cell sites) for the importer."""
    from helpers import write_bundle

    comms = frame.with_columns(pl.col("started_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write_bundle(
        root,
        {
            "csp/comms.csv": ("comms", "csp", comms.write_csv()),
            "csp/cell_sites.csv": ("cell_sites", "csp", CELLS.write_csv()),
        },
        agencies={"csp": "telecoms"},
    )


# --- lawful bulk senders (docs/simulator.md, "Confounders"), each over three weeks ------------------
DAYS = range(21)  # Monday 1 June to Sunday 21 June 2026
LOCALS = [num("7718", i) for i in range(60)]  # people in the market town
HERE, THERE = MARKET[0][0], MARKET[1][0]


def taxi(c: Comms, n: str) -> None:
    for d in DAYS:
        for k in range(10):  # bookings by phone, "your car is outside" ten minutes later
            who = LOCALS[(d * 7 + k) % 40]
            t = at(d, 18 + k // 3, 10 * (k % 3))
            c.call(who, n, t, 40, a_cell=THERE, b_cell=HERE)
            c.text(n, who, t + timedelta(minutes=10), a_cell=HERE, b_cell=THERE)
        if d % 7 == 4:  # Friday promotion to everyone
            c.flare(n, LOCALS[:40], at(d, 16), gap_s=2, cell=HERE, b_cell=THERE)


def takeaway(c: Comms, n: str) -> None:
    for d in DAYS:
        for k in range(12):
            c.call(LOCALS[(d * 5 + k) % 50], n, at(d, 18, 4 * k), 120, a_cell=THERE, b_cell=HERE)
        if d % 7 in (4, 5):  # Friday and Saturday promotions
            c.flare(n, LOCALS[:50], at(d, 17), gap_s=1, cell=HERE, b_cell=THERE)


def gp_surgery(c: Comms, n: str) -> None:
    patients = [num("7719", i) for i in range(900)]
    for d in DAYS:
        if d % 7 >= 5:
            continue
        for k in range(45):  # reminders through office hours, different patients each day, never in bursts
            c.text(n, patients[(d * 45 + k) % 900], at(d, 8, 0) + timedelta(minutes=12 * k), a_cell=HERE, b_cell=THERE)
        for k in range(20):  # the morning rush, a doctor rings some back hours later
            who = patients[(d * 31 + k * 13) % 900]
            t = at(d, 8, 3 * k)
            c.call(who, n, t, 90, a_cell=THERE, b_cell=HERE)
            if k % 3 == 0:
                c.call(n, who, t + timedelta(hours=3), 300, a_cell=HERE, b_cell=THERE)


def sports_club(c: Comms, n: str) -> None:
    members = LOCALS[:25]
    for d in DAYS:
        if d % 7 in (1, 3, 5):  # Tuesday and Thursday afternoons, Saturday mornings
            c.flare(n, members, at(d, 9 if d % 7 == 5 else 15), gap_s=1, cell=HERE, b_cell=THERE)
            c.text(members[d % 25], n, at(d, 16), a_cell=THERE, b_cell=HERE)


def chatty_user(c: Comms, n: str) -> None:
    friends = LOCALS[:15]
    for d in DAYS:
        for k in range(40):  # forty texts a day to a stable circle, each answered
            who = friends[(d + k) % 15]
            t = at(d, 8, 0) + timedelta(minutes=20 * k)
            c.text(n, who, t, a_cell=HERE, b_cell=THERE)
            c.text(who, n, t + timedelta(minutes=2), a_cell=THERE, b_cell=HERE)


KINDS = {"taxi": taxi, "takeaway": takeaway, "gp_surgery": gp_surgery, "sports_club": sports_club, "chatty_user": chatty_user}




@dataclass
class Built:
    """A simulated scenario imported and built (the conftest's ``built`` fixture)."""

    ws: Workspace
    sim: Path  # the simulator's output: bundle/ and truth/
    exports: Path

    def truth(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.sim / "truth" / name, infer_schema=False)

    def export(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.exports / name, infer_schema=False)


# --- issue 18: a line that never flares, a taxi dispatcher, and messy number changes --------------------


def quiet_line(c: Comms, number: str, customers: list[str], days: range, imei: str | None, runners: list[str],
               orders_per_day: int = 8, first: int = 0, check_ins: bool = False, answer_first: bool = False) -> None:
    """A line that never sends a bulk text: customers order, it calls or texts back, and texts a runner the job (``check_ins``: as deal_line).

    ``answer_first``: the holder deals with the customer first (a text back eight minutes after the order) and
    passes the job on eight minutes after that, sixteen minutes after the order.
    """
    for d in days:
        if check_ins:
            check_in(c, number, runners, d)
        for k in range(orders_per_day):
            who = customers[(first + d * 7 + k * 3) % len(customers)]
            runner = runners[(d + k) % len(runners)]
            t = at(d, 12 + k, 5 * (k % 4))
            c.text(who, number, t, a_cell=MARKET[1][0], b_cell=HUB[0][0])
            if answer_first:
                c.text(number, who, t + timedelta(minutes=8), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[1][0])
                c.text(number, runner, t + timedelta(minutes=16), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[2][0])
                continue
            if k % 3:
                c.call(number, who, t + timedelta(minutes=5), 40, imei=imei, a_cell=HUB[0][0], b_cell=MARKET[1][0])
            else:
                c.text(number, who, t + timedelta(minutes=6), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[1][0])
            c.text(number, runner, t + timedelta(minutes=3), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[2][0])


def notify_one_by_one(c: Comms, number: str, customers: list[str], day: int, hours: float = 5.0, imei: str | None = None) -> None:
    """A new number told to each customer in a separate text, spread over ``hours`` (never a burst)."""
    step = hours * 3600 / max(1, len(customers))
    for i, who in enumerate(customers):
        c.text(number, who, at(day, 10) + timedelta(seconds=int(i * step)), imei=imei, a_cell=HUB[0][0], b_cell=MARKET[1][0])


def taxi_dispatch(c: Comms, n: str, drivers: list[str] | None = None) -> None:
    """A dispatcher: short calls from across the town, each job texted within two minutes to one of a few drivers."""
    drivers = drivers or [num("7713", 21), num("7713", 22), num("7713", 23)]
    town = [num("7721", i) for i in range(600)]
    for d in DAYS:
        for k in range(30):
            who = town[(d * 37 + k * 11) % len(town)]
            t = at(d, 8 + k // 2, 2 * (k % 2) * 10)
            c.call(who, n, t, 30, a_cell=THERE, b_cell=HERE)
            c.text(n, drivers[(d + k) % len(drivers)], t + timedelta(minutes=1), a_cell=HERE, b_cell=THERE)
            if k % 3 == 0:
                c.text(n, who, t + timedelta(minutes=12), a_cell=HERE, b_cell=THERE)


KINDS["taxi_dispatch"] = taxi_dispatch
