"""What police forces record about the lines: intelligence, arrests, seizures, links.

- graded intelligence naming a line's number (often handling code C);
- each cut-off number has a cause: a runner arrested in the market with the
  handset seized, a DDTRO, or the holder arrested in the hub; closed lines
  end with the holder and controller charged (as in Operation Orochi);
- hub children sent to the market are stopped and searched there, and are
  reported missing by their home force;
- cuckooed addresses get reports, anonymous tip-offs and visits;
- associates' vehicles are seen by ANPR on the roads into Gwent;
- forces assert links: who uses which phone and handset, who controls whom,
  who drives what, who frequents a cuckooed address.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import GWENT_POLICE, POLICE_BY_FORCE
from crossline.sim.clock import DAY
from crossline.sim.events import add_events, add_links, add_participants, place_of, town_place
from crossline.sim.geography import TOWN_BY_KEY
from crossline.sim.phones import format_phone
from crossline.sim.rng import stream
from crossline.sim.world import World

ANPR_SITES = (
    ("M4 J24 Coldra, eastbound", 51.5925, -2.9190),
    ("M4 J26 Malpas, westbound", 51.6010, -2.9930),
    ("A465 Heads of the Valleys, Ebbw Vale", 51.7890, -3.1900),
    ("M50/A40 Monmouth", 51.8120, -2.7150),
)
CONDITIONS = "Not to be shared with partner agencies without DI approval."


def make_police_events(world: World) -> None:
    """Add every OCG-related event and link the forces record."""
    sc = world.scenario
    rng = stream(sc.seed, "policing")
    ph = world.phones
    members = world.ocg_members
    assert ph is not None and members is not None
    end_ts = sc.start_ts + sc.days * DAY
    people = world.people
    town_of = people["town"].to_numpy()

    def num(idx: int, style: str = "national_spaced") -> str:
        return format_phone(str(ph.number[idx]), style)

    for ln in world.lines:
        hub_force = POLICE_BY_FORCE[TOWN_BY_KEY[ln.hub].force_area]
        market = ln.markets[0]
        # graded intelligence naming the live number
        k = int(rng.poisson(3.0)) + 1
        for _ in range(k):
            seg = ln.segments[int(rng.integers(0, len(ln.segments)))]
            t = int(rng.integers(seg.start, max(seg.start + 1, min(seg.end, end_ts))))
            by_hub = rng.random() < 0.3
            source = hub_force if by_hub else GWENT_POLICE
            text = (f"Number believed to be the {ln.brand} line; holder based in {TOWN_BY_KEY[ln.hub].name}." if by_hub
                    else f"Line known as the {ln.brand} line operating in {TOWN_BY_KEY[market].name}; runners seen near the station.")
            coded = rng.random() < 0.6
            shown = num(seg.phone, str(rng.choice(["national_spaced", "e164", "national_bare"])))
            key = add_events(world, 1, source=source, event_type="intelligence", ts=t, summary=text, phone=shown,
                             source_eval=str(rng.choice(["1", "2", "2", "3"])), intel_assessment=str(rng.choice(["A", "B", "B", "C", "C", "D"])),
                             handling_code="C" if coded else "P", handling_conditions=CONDITIONS if coded else None)
            if rng.random() < 0.4:
                who = ln.holder if by_hub or not len(ln.runners) else int(rng.choice(ln.runners))
                add_participants(world, key, np.array([who]), "subject")

        # why each number stopped
        for seg in ln.segments:
            if seg.ended_by == "period_end":
                continue
            t = seg.end
            handset = str(world.imeis[ph.imei[seg.phone]]) if world.imeis is not None else ""
            cause = "closed" if seg.ended_by == "closed" else str(rng.choice(["runner_arrest", "ddtro", "holder_arrest"], p=[0.45, 0.25, 0.30]))
            if cause == "runner_arrest" and len(ln.runners):
                r = int(rng.choice(ln.runners))
                src = GWENT_POLICE
                keys = add_events(world, 3, source=src, event_type=np.array(["arrest", "drug_seizure", "cash_seizure"]), ts=t,
                                  summary=np.array(["Arrested in the market: possession with intent to supply; handset seized.",
                                                    f"{int(rng.integers(8, 40))} wraps of crack cocaine and heroin seized.",
                                                    f"£{int(rng.integers(3, 30)) * 100} cash seized."]),
                                  phone=num(seg.phone), **town_place(world, market, 3, rng))
                add_participants(world, keys, np.array([r, r, r]), "suspect")
                add_links(world, src, np.array([f"phone:{num(seg.phone, 'e164')}"]), "uses_handset", np.array([f"handset:{handset}"]), t)
                add_links(world, src, np.array([r]), "uses_phone", np.array([f"phone:{num(seg.phone, 'bracketed')}"]), t)
            elif cause == "ddtro":
                add_events(world, 1, source=GWENT_POLICE, event_type="other", ts=t, phone=num(seg.phone),
                           summary=f"DDTRO granted: number for the {ln.brand} line disabled by the network.",
                           handling_code="C", handling_conditions=CONDITIONS)
            else:
                people_hit = [ln.holder] + ([ln.controller] if cause == "closed" else [])
                for who in people_hit:
                    keys = add_events(world, 2, source=hub_force, event_type=np.array(["arrest", "charge"]), ts=np.array([t, t + DAY]),
                                      summary=np.array([f"Arrested as holder of the {ln.brand} line (phone evidence).",
                                                        "Charged: conspiracy to supply class A drugs."]),
                                      phone=num(seg.phone), **place_of(world, np.array([who, who]), rng))
                    add_participants(world, keys, np.array([who, who]), "subject")
                add_links(world, hub_force, np.array([ln.holder]), "uses_phone", np.array([f"phone:{num(seg.phone, 'e164')}"]), t)
                add_links(world, hub_force, np.array([f"phone:{num(seg.phone, 'national_bare')}"]), "uses_handset", np.array([f"handset:{handset}"]), t)
                if cause == "closed":
                    seized = add_events(world, 2, source=hub_force, event_type=np.array(["drug_seizure", "weapon_seizure"]), ts=t,
                                   summary=np.array(["Half a kilo of cocaine seized at the holder's address.", "Machete and a zombie knife seized."]),
                                   **place_of(world, np.array([ln.holder, ln.holder]), rng))
                    add_participants(world, seized, np.array([ln.holder, ln.holder]), "suspect")

        # hub runners in the market: stopped there, missing from home
        local = np.isin(town_of[ln.runners], ln.markets) if len(ln.runners) else np.array([], bool)
        for r, ph_idx in zip(ln.runners[~local], ln.runner_phones[~local], strict=False):
            n_ss = int(rng.poisson(1.0))
            if n_ss:
                ts = world.scenario.start_ts + rng.integers(0, sc.days * DAY, n_ss)
                cash = int(rng.integers(10, 60)) * 10  # drawn after the times, as the scenario always has
                keys = add_events(world, n_ss, source=GWENT_POLICE, event_type="stop_search", ts=ts,
                                  summary=f"Searched in {TOWN_BY_KEY[market].name}; two phones and £{cash} cash; "
                                          f"says he is from {TOWN_BY_KEY[ln.hub].name}.",
                                  phone=num(int(ph_idx)), **town_place(world, market, n_ss, rng))
                add_participants(world, keys, np.full(n_ss, r), "subject")
                add_links(world, GWENT_POLICE, np.array([r]), "uses_phone", np.array([f"phone:{num(int(ph_idx), 'dashed')}"]), int(world.scenario.start_ts))
            n_m = int(rng.poisson(1.2))
            if n_m:
                t0 = sc.start_ts + rng.integers(0, sc.days * DAY, n_m)
                keys = add_events(world, n_m, source=hub_force, event_type="missing_episode", ts=t0, end_ts=t0 + rng.integers(1, 6, n_m) * DAY,
                                  summary="Missing from home; believed to be dealing in South Wales.", **place_of(world, np.full(n_m, r), rng))
                add_participants(world, keys, np.full(n_m, r), "missing_person")

        # who is who, as the hub force knows it
        add_links(world, hub_force, np.array([ln.controller]), "controls", np.array([ln.holder]), sc.start_ts)
        pp = world.person_phone
        assert pp is not None
        if pp[ln.holder] >= 0:
            holder_phone = num(int(pp[ln.holder]), "international_spaced")
            add_links(world, hub_force, np.array([ln.holder]), "uses_phone", np.array([f"phone:{holder_phone}"]), sc.start_ts)
        hub_runners = ln.runners[~local]
        if len(hub_runners):
            add_links(world, hub_force, np.full(len(hub_runners), ln.holder), "associate_of", hub_runners, sc.start_ts)
        local_runners = ln.runners[local]
        if len(local_runners) > 1:
            add_links(world, GWENT_POLICE, local_runners[:-1], "associate_of", local_runners[1:], sc.start_ts + 30 * DAY)

    # OCG associates: who they work for and what they drive
    for _ocg_id, grp in members.group_by("ocg_id", maintain_order=True):
        ctrl = grp.filter(pl.col("role") == "controller")["pidx"].to_numpy()
        assoc = grp.filter(pl.col("role") == "associate")["pidx"].to_numpy()
        hub = str(grp["hub"][0])
        force = POLICE_BY_FORCE[TOWN_BY_KEY[hub].force_area]
        if len(ctrl) and len(assoc):
            add_links(world, force, np.full(len(assoc), ctrl[0]), "associate_of", assoc, sc.start_ts)
    if world.vehicles is not None and world.vehicles.height:
        v = world.vehicles
        hubs = members.unique("ocg_id").select(["ocg_id", "hub"])
        v = v.join(hubs, on="ocg_id")
        for hub in v["hub"].unique(maintain_order=True).to_list():
            vv = v.filter(pl.col("hub") == hub)
            force = POLICE_BY_FORCE[TOWN_BY_KEY[hub].force_area]
            add_links(world, force, vv["pidx"].to_numpy(), "drives", np.char.add("vehicle:", vv["vrm"].to_numpy().astype(str)), sc.start_ts)
            n = int(rng.poisson(4.0 * vv.height))
            which = rng.integers(0, vv.height, n)
            site = rng.integers(0, len(ANPR_SITES), n)
            add_events(world, n, source=GWENT_POLICE, event_type="anpr_sighting", ts=sc.start_ts + rng.integers(0, sc.days * DAY, n),
                       vehicle=vv["vrm"].to_numpy()[which], summary=np.array([f"ANPR read: {ANPR_SITES[s][0]}." for s in site]),
                       lat=np.array([ANPR_SITES[s][1] for s in site]), lon=np.array([ANPR_SITES[s][2] for s in site]), force_area="gwent")

    _cuckooing(world, rng)


def _cuckooing(world: World, rng: np.random.Generator) -> None:
    """Reports, tip-offs and visits at cuckooed addresses; runners frequent them."""
    sc = world.scenario
    cu = world.cuckooed
    if cu is None or cu.height == 0:
        return
    runners = {ln.line_id: ln.runners for ln in world.lines}
    people = world.people
    end = sc.start_ts + sc.days * DAY
    for line_id, victim, t0, _t1 in cu.iter_rows():
        t_report = int(t0 + rng.integers(3, 20) * DAY)
        if t_report >= end:
            continue
        place = place_of(world, np.array([victim]), rng, 1.0)
        addr = f"{people['house'][victim]} {people['street'][victim]}"
        pc = str(people["postcode"][victim])
        key = add_events(world, 1, source=GWENT_POLICE, event_type="cuckooing_report", ts=t_report,
                         summary="Vulnerable resident's flat taken over; young males dealing from the address.", **place)
        add_participants(world, key, np.array([victim]), "victim")
        rs = runners[line_id]
        if len(rs):
            sus = rs[rng.permutation(len(rs))[: min(2, len(rs))]]
            add_participants(world, np.repeat(key, len(sus)), sus, "suspect")
            add_links(world, GWENT_POLICE, sus, "frequents", np.full(len(sus), f"address:{pc}|{addr}", dtype=object), t_report)
        add_links(world, GWENT_POLICE, np.array([victim]), "resides_at", np.array([f"address:{pc}|{addr}"], dtype=object), t_report)
        if rng.random() < 0.5:
            add_events(world, 1, source=GWENT_POLICE, event_type="anonymous_report", ts=t_report - int(rng.integers(1, 10)) * DAY,
                       summary="Anonymous: young lads coming and going at all hours; the man who lives there looks scared.",
                       handling_code="C", handling_conditions="Anonymous source: do not disclose.", **place)
        visit = t_report + int(rng.integers(1, 8)) * DAY
        if visit < end:
            k = add_events(world, 1, source=GWENT_POLICE, event_type="address_visit", ts=visit,
                           summary="Safeguarding visit to a cuckooed address; resident referred to adult services.", **place)
            add_participants(world, k, np.array([victim]), "victim")
