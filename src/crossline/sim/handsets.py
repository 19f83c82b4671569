"""Finishing the phone table: handsets (IMEIs), home and work cells, and the panel.

The CSP's return covers target numbers (lines, runners, suspects), their
customers and a panel of ordinary subscribers, the background against which
a detector must find the lines. Each panel phone gets a daily activity rate;
a few are very chatty.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.geography import random_cells
from crossline.sim.phones import make_imeis
from crossline.sim.rng import stream
from crossline.sim.world import PhoneBook, Phones, World


def register_people(book: PhoneBook, people: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Put everyone's phones in the book; returns pidx -> phone index (first, second), -1 if none."""
    n = people.height
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    for col, out, kind in (("phone", first, "personal"), ("phone2", second, "second")):
        has = people[col].is_not_null().to_numpy()
        idx = book.add(people[col].drop_nulls().to_numpy(), people["pidx"].to_numpy()[has], people["town"].to_numpy()[has], kind)
        out[has] = idx
    return first, second


def finish_phones(world: World, book: PhoneBook, person_phone: np.ndarray) -> None:
    """Assign handsets, cells, panel membership and activity rates; sets ``world.phones``."""
    sc = world.scenario
    c = sc.comms
    rng = stream(sc.seed, "handsets")
    number = np.concatenate(book.number)
    owner = np.concatenate(book.owner)
    town = np.concatenate(book.town)
    kind = np.concatenate(book.kind)
    n = len(number)

    imeis = make_imeis(rng, n)
    imei = np.arange(n)
    # a line's next number often goes into the same handset (a SIM swap)
    for ln in world.lines:
        for prev, seg in zip(ln.segments, ln.segments[1:], strict=False):
            if prev.ended_by == "disrupted" and rng.random() < sc.ocgs.p_same_imei:
                imei[seg.phone] = imei[prev.phone]

    home = random_cells(rng, world.cells, town)
    work = np.where((kind == "personal") & (rng.random(n) < 0.5), random_cells(rng, world.cells, town), -1)
    for ln in world.lines:
        for seg in ln.segments:
            home[seg.phone] = ln.hub_cells[0]

    panel = np.zeros(n, dtype=bool)
    members = world.ocg_members["pidx"].to_numpy() if world.ocg_members is not None else np.array([], np.int64)
    flagged = world.people.filter(pl.col("exploited") | pl.col("drug_user"))["pidx"].to_numpy()
    for pidx in (members, flagged):
        p = person_phone[pidx]
        panel[p[p >= 0]] = True
    personal = np.flatnonzero((kind == "personal") & ~panel)
    want = max(0, sc.scaled(c.panel_per_scale, 100) - int(panel.sum()))
    panel[rng.choice(personal, size=min(want, len(personal)), replace=False)] = True

    rate = np.where(panel, rng.lognormal(np.log(c.background_rate_median), c.background_rate_sigma, n), 0.0)
    chatty = panel & (rng.random(n) < c.p_chatty)
    rate[chatty] *= c.chatty_multiplier
    world.chatty = np.flatnonzero(chatty)
    world.imeis = imeis
    world.phones = Phones(
        number=number, owner=owner, town=town, kind=kind, imei=imei,
        home_cell=home, work_cell=work, rate=rate, in_panel=panel,
    )
