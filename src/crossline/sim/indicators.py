"""Young people's exploitation indicators as partners record them.

Each young person in the market has a rate per indicator: high if exploited,
low otherwise (raised a little by each ACE), so the exploited stand out on
average but not one by one: other children go missing after a row at home,
miss school through illness and turn up at A&E with sports injuries. Events
before a programme's start decide who is referred to one
(:mod:`crossline.sim.interventions`); events after it are thinned by the
programme's true effect.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import COUNCIL, GWENT_POLICE, HEALTH, POLICE_BY_FORCE, SCHOOLS
from crossline.sim.clock import BACKGROUND_HOURS, DAY, INCIDENT_HOURS, OFFICE_HOURS, random_times
from crossline.sim.events import add_events, add_participants, place_of, town_place
from crossline.sim.geography import TOWN_BY_KEY, inward_codes
from crossline.sim.interventions import assign_interventions
from crossline.sim.phones import format_phone
from crossline.sim.rng import stream
from crossline.sim.world import World

KINDS = ("missing_episode", "stop_search", "school_exclusion", "persistent_absence", "ae_attendance", "arrest")
HOURS = {
    "missing_episode": INCIDENT_HOURS, "stop_search": INCIDENT_HOURS, "arrest": INCIDENT_HOURS,
    "school_exclusion": OFFICE_HOURS, "persistent_absence": OFFICE_HOURS, "ae_attendance": BACKGROUND_HOURS,
}
HOSPITAL = {"postcode": "NP44 2XW", "lat": 51.6617, "lon": -3.0003, "force_area": "gwent"}

SUMMARIES = {
    ("missing_episode", True): ("Did not return home; phone switched off.", "Missing overnight; returned with new clothes and cash.",
                                "Missing for two days; believed to be travelling by train."),
    ("missing_episode", False): ("Stayed at a friend's house after an argument at home.", "Late home from a party; found safe and well."),
    ("stop_search", True): ("Searched; two phones and £{cash} cash.", "Searched; three phones and £{cash} cash found.",
                            "Searched; wraps of white powder and £{cash} cash."),
    ("stop_search", False): ("Searched; nothing found.", "Searched on suspicion of cannabis; nothing found."),
    ("school_exclusion", True): ("Fixed-term exclusion: persistent disruptive behaviour.", "Permanent exclusion: carrying a knife in school."),
    ("school_exclusion", False): ("Fixed-term exclusion: fighting.",),
    ("persistent_absence", True): ("Attendance 61% this term; unauthorised absences.", "Attendance 55%; often missing after lunch."),
    ("persistent_absence", False): ("Attendance 82%: absence through illness (medical evidence).", "Attendance 85%: long-term illness."),
    ("ae_attendance", True): ("Stab wound to the thigh.", "Assault: facial injuries; would not say how.", "Unexplained injuries to hands."),
    ("ae_attendance", False): ("Sports injury: sprained ankle playing football.", "Fell from a bike; wrist fracture.", "Asthma attack.",
                               "Rugby injury: shoulder dislocation."),
    ("arrest", True): ("Arrested: possession with intent to supply class A drugs.", "Arrested: possession of a bladed article."),
    ("arrest", False): ("Arrested: shoplifting.", "Arrested: criminal damage."),
}


def _summaries(rng: np.random.Generator, kind: str, exploited: np.ndarray) -> np.ndarray:
    out = np.empty(len(exploited), dtype=object)
    for flag in (True, False):
        m = exploited == flag
        opts = SUMMARIES[(kind, flag)]
        picked = np.array(opts)[rng.integers(0, len(opts), int(m.sum()))]
        cash = rng.integers(4, 60, int(m.sum())) * 10
        out[m] = [s.replace("{cash}", str(c)) for s, c in zip(picked, cash, strict=False)]
    return out


def make_indicator_events(world: World) -> None:
    """Indicator events for every young person in the market, and their programmes."""
    sc = world.scenario
    ip = sc.indicators
    rng = stream(sc.seed, "indicators")
    yp = world.people.filter(pl.col("young"))
    n = yp.height
    exploited = yp["exploited"].to_numpy()
    ace = yp["ace_count"].to_numpy()
    per_period = sc.days / ip.rate_days  # 1.0 for the default period: the rates are per rate_days days
    rates = {k: np.where(exploited, getattr(ip, k)[0], getattr(ip, k)[1] + ip.ace_rate * ace) * per_period for k in KINDS}
    lo, hi = sc.interventions.start_day
    s_day = rng.integers(lo, hi + 1, n)
    frac_pre = s_day / sc.days
    pre = {k: rng.poisson(rates[k] * frac_pre) for k in KINDS}
    rr = assign_interventions(world, yp, sum(pre.values()), s_day)
    post = {k: rng.poisson(rates[k] * (1 - frac_pre) * rr) for k in KINDS}

    pidx_all = yp["pidx"].to_numpy()
    line_of = _line_of(world)
    for kind in KINDS:
        who = np.concatenate([np.repeat(np.arange(n), pre[kind]), np.repeat(np.arange(n), post[kind])])
        after = np.concatenate([np.zeros(pre[kind].sum(), bool), np.ones(post[kind].sum(), bool)])
        day0 = np.where(after, s_day[who], 0)
        day1 = np.where(after, sc.days, s_day[who])
        ts = random_times(rng, sc.start_ts, day0, day1, HOURS[kind], len(who))
        pidx = pidx_all[who]
        ex = exploited[who]
        summary = _summaries(rng, kind, ex)
        if kind == "missing_episode":
            hours = np.where(ex, rng.uniform(6, 72, len(who)), rng.uniform(2, 20, len(who)))
            end = ts + (hours * 3600).astype(np.int64)
            keys = add_events(world, len(who), source=GWENT_POLICE, event_type=kind, ts=ts, end_ts=end, summary=summary, **place_of(world, pidx, rng))
            add_participants(world, keys, pidx, "missing_person")
            found = ex & (rng.random(len(who)) < ip.p_found_out_of_area)
            _found_out_of_area(world, rng, pidx[found], end[found], line_of)
        elif kind == "stop_search":
            towns = world.people["town"].to_numpy()[pidx]
            keys = np.empty(len(who), dtype=np.int64)
            for t in np.unique(towns):
                m = towns == t
                keys[m] = add_events(world, int(m.sum()), source=GWENT_POLICE, event_type=kind, ts=ts[m], summary=summary[m],
                                     phone=_work_phone(world, rng, pidx[m]), **town_place(world, str(t), int(m.sum()), rng))
            add_participants(world, keys, pidx, "subject")
        elif kind in ("school_exclusion", "persistent_absence"):
            keys = add_events(world, len(who), source=SCHOOLS, event_type=kind, ts=ts, date_only=True, summary=summary)
            add_participants(world, keys, pidx, "pupil")
        elif kind == "ae_attendance":
            keys = add_events(world, len(who), source=HEALTH, event_type=kind, ts=ts, summary=summary, **HOSPITAL)
            add_participants(world, keys, pidx, "patient")
        elif kind == "arrest":
            keys = add_events(world, len(who), source=GWENT_POLICE, event_type=kind, ts=ts, summary=summary, **place_of(world, pidx, rng))
            add_participants(world, keys, pidx, "subject")

    # children's services and NRM referrals for exploited children partners noticed
    ex_p = pidx_all[exploited]
    ref = rng.random(len(ex_p)) < ip.p_safeguarding_referral
    k = add_events(world, int(ref.sum()), source=COUNCIL, event_type="safeguarding_referral",
                   ts=sc.start_ts + rng.integers(10 * DAY, sc.days * DAY, int(ref.sum())),
                   summary="Concerns of child criminal exploitation: missing episodes, new phones, older associates.",
                   handling_code="C", handling_conditions="Children's services consent needed before sharing.")
    add_participants(world, k, ex_p[ref], "subject")
    nrm = rng.random(len(ex_p)) < ip.p_nrm_referral
    k = add_events(world, int(nrm.sum()), source=GWENT_POLICE, event_type="nrm_referral",
                   ts=sc.start_ts + rng.integers(20 * DAY, sc.days * DAY, int(nrm.sum())),
                   summary="NRM referral made: potential child criminal exploitation (county lines).")
    add_participants(world, k, ex_p[nrm], "subject")


def _line_of(world: World) -> dict[int, str]:
    """Runner pidx -> hub town of the line they run for."""
    hub = {ln.line_id: ln.hub for ln in world.lines}
    m = world.ocg_members
    if m is None:
        return {}
    runners = m.filter(pl.col("role") == "runner")
    return {int(p): hub[str(line)] for p, line in zip(runners["pidx"].to_list(), runners["line_id"].to_list(), strict=False)}


def _found_out_of_area(world: World, rng: np.random.Generator, pidx: np.ndarray, ts: np.ndarray, line_of: dict[int, str]) -> None:
    """Missing children found in the line's hub, recorded by that hub's force."""
    hubs = np.array([line_of.get(int(p), "liverpool") for p in pidx])
    for hub in np.unique(hubs):
        m = hubs == hub
        town = TOWN_BY_KEY["abergavenny" if hub == "newport" else str(hub)]
        source = POLICE_BY_FORCE[town.force_area]
        k = int(m.sum())
        district = np.array(town.districts)[rng.integers(0, len(town.districts), k)]
        postcode = np.char.add(np.char.add(district, " "), inward_codes(rng, k))
        keys = add_events(world, k, source=source, event_type="found_out_of_area", ts=ts[m] - rng.integers(600, 7200, k),
                          postcode=postcode, summary=f"Found in {town.name} at a flat with older males; returned to Gwent.",
                          **town_place(world, town.key, k, rng))
        add_participants(world, keys, pidx[m], "subject")


def _work_phone(world: World, rng: np.random.Generator, pidx: np.ndarray) -> np.ndarray:
    """A phone found on the person, as written in the search record (runners: the work phone)."""
    runner_phone: dict[int, int] = {}
    for ln in world.lines:
        for p, ph in zip(ln.runners.tolist(), ln.runner_phones.tolist(), strict=False):
            runner_phone[int(p)] = int(ph)
    ph = world.phones
    assert ph is not None
    out = np.empty(len(pidx), dtype=object)
    for i, p in enumerate(pidx):
        idx = runner_phone.get(int(p), -1)
        out[i] = format_phone(str(ph.number[idx]), "national_spaced") if idx >= 0 and rng.random() < 0.6 else None
    return out
