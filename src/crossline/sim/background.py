"""Ordinary phones: a social contact graph and a day's calls and messages.

Each panel phone knows its household, a handful of people in its own town
and a few far away. Every day it starts a Poisson number of calls and texts
to its contacts at times following a daily rhythm; many texts get a reply and
some calls go unanswered. Conversations are two-way, which is one of the
things that tells a chatty person from a bulk sender.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from crossline.sim.clock import BACKGROUND_HOURS, draw_local_seconds, local_to_utc
from crossline.sim.rng import stream
from crossline.sim.world import World


@dataclass
class ContactGraph:
    """Compressed adjacency: contacts of phone ``p`` are ``target[offset[p]:offset[p]+degree[p]]``."""

    offset: np.ndarray
    degree: np.ndarray
    target: np.ndarray


def build_contacts(world: World, person_phone: np.ndarray) -> ContactGraph:
    """Contacts for every panel phone: household, same town, and a few far away."""
    sc = world.scenario
    c = sc.comms
    ph = world.phones
    assert ph is not None
    rng = stream(sc.seed, "contacts")
    n = len(ph.number)
    panel = np.flatnonzero(ph.in_panel)
    personal = np.flatnonzero(ph.kind == "personal")

    # household members' phones
    people = world.people.select(["pidx", "household_id"]).with_columns(
        pl.Series("phone", person_phone)
    ).filter(pl.col("phone") >= 0)
    pairs = people.join(people, on="household_id", suffix="_b").filter(pl.col("phone") != pl.col("phone_b"))
    pairs = pairs.filter(pl.Series(ph.in_panel[pairs["phone"].to_numpy()]))
    src = [pairs["phone"].to_numpy()]
    dst = [pairs["phone_b"].to_numpy()]

    # people in the same town
    towns = ph.town[personal]
    order = np.argsort(towns, kind="stable")
    sorted_personal = personal[order]
    uniq, first, count = np.unique(towns[order], return_index=True, return_counts=True)
    chatty = np.isin(panel, world.chatty if world.chatty is not None else [])
    k_local = rng.poisson(c.local_contacts_mean * np.where(chatty, 3.0, 1.0)) + 1
    a = np.repeat(panel, k_local)
    t = np.searchsorted(uniq, ph.town[a])
    t = np.clip(t, 0, len(uniq) - 1)
    ok = uniq[t] == ph.town[a]
    pick_ = first[t] + (rng.random(len(a)) * count[t]).astype(np.int64)
    b = sorted_personal[np.clip(pick_, 0, len(sorted_personal) - 1)]
    src.append(a[ok])
    dst.append(b[ok])

    # a few far away
    k_far = rng.poisson(c.far_contacts_mean, len(panel))
    a = np.repeat(panel, k_far)
    src.append(a)
    dst.append(personal[rng.integers(0, len(personal), len(a))])

    s = np.concatenate(src)
    d = np.concatenate(dst)
    keep = s != d
    s, d = s[keep], d[keep]
    order = np.lexsort((d, s))
    s, d = s[order], d[order]
    degree = np.bincount(s, minlength=n)
    offset = np.concatenate([[0], np.cumsum(degree)[:-1]])
    return ContactGraph(offset=offset, degree=degree, target=d)


def background_day(world: World, graph: ContactGraph, day: int, day_ts: int, weekend: bool) -> dict[str, np.ndarray]:
    """One day's ordinary calls and texts among panel phones and their contacts."""
    sc = world.scenario
    c = sc.comms
    ph = world.phones
    assert ph is not None
    rng = stream(sc.seed, "background", day)
    active = np.flatnonzero((ph.rate > 0) & (graph.degree > 0))
    counts = rng.poisson(ph.rate[active] * (1.1 if weekend else 1.0))
    a = np.repeat(active, counts)
    n = len(a)
    b = graph.target[graph.offset[a] + (rng.random(n) * graph.degree[a]).astype(np.int64)]
    u = rng.random(n)
    kind = np.where(u < c.p_sms, 1, np.where(u < c.p_sms + c.p_mms, 2, 0)).astype(np.int8)
    local = draw_local_seconds(rng, BACKGROUND_HOURS, n)
    t = local_to_utc(day_ts, local)
    dur = np.where(kind == 0, np.where(rng.random(n) < c.p_unanswered, 0, rng.lognormal(np.log(90), 1.0, n).astype(np.int64) + 1), -1)
    office = (local >= 9 * 3600) & (local < 17 * 3600) & ~weekend
    at_work = office & (ph.work_cell[a] >= 0) & (rng.random(n) < 0.6)
    a_cell = np.where(at_work, ph.work_cell[a], ph.home_cell[a])
    b_cell = ph.home_cell[b]

    # replies: many texts are answered within minutes, some calls returned
    reply = ((kind == 1) & (rng.random(n) < c.p_sms_reply)) | ((kind == 0) & (dur == 0) & (rng.random(n) < 0.4))
    r = np.flatnonzero(reply)
    rt = t[r] + rng.exponential(180, len(r)).astype(np.int64) + 5
    rkind = kind[r]
    rdur = np.where(rkind == 0, rng.lognormal(np.log(60), 0.8, len(r)).astype(np.int64) + 1, -1)
    return {
        "a": np.concatenate([a, b[r]]),
        "b": np.concatenate([b, a[r]]),
        "kind": np.concatenate([kind, rkind]),
        "t": np.concatenate([t, rt]),
        "dur": np.concatenate([dur, rdur]),
        "a_cell": np.concatenate([a_cell, b_cell[r]]),
        "b_cell": np.concatenate([b_cell, a_cell[r]]),
    }
