"""ACEs as partners see them: events at the child's address or about a parent.

Domestic abuse incidents at the address (police, with the children as
witnesses sometimes), a parent arrested and remanded in custody, parental
substance misuse and neglect referrals (children's services), and children
placed in care. None of this decides exploitation; it only raises its chance
(see :mod:`crossline.sim.exploitation`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import COUNCIL, GWENT_POLICE
from crossline.sim.clock import DAY, INCIDENT_HOURS, OFFICE_HOURS, random_times
from crossline.sim.events import add_events, add_participants, place_of
from crossline.sim.names import CARE_HOMES
from crossline.sim.rng import stream
from crossline.sim.world import World

DA_SUMMARIES = (
    "Domestic incident reported by a neighbour; verbal argument, no injuries.",
    "Domestic assault; DASH risk assessed as medium; children present.",
    "Domestic incident; partner left before police arrived.",
    "Domestic abuse; victim declined to support a prosecution.",
)


def _adults_children(world: World, flag: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """First adult, second adult (or -1) and children of households carrying ``flag``."""
    hh = world.households.filter(pl.col(flag)).select("household_id")
    people = world.people.join(hh, on="household_id", how="semi")
    adults = (
        people.filter(pl.col("member").is_in(["parent", "partner"]))
        .sort(["household_id", "pidx"])
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("pidx").first().alias("adult1"), pl.col("pidx").get(1, null_on_oob=True).alias("adult2"))
        .with_columns(pl.col("adult2").fill_null(-1))
    )
    children = people.filter(pl.col("member") == "child").select(["pidx", "household_id", "age", "in_care"])
    return adults, children


def make_ace_events(world: World) -> None:
    """Add every ACE event partners record over the period."""
    sc = world.scenario
    rng = stream(sc.seed, "aces")
    start, days = sc.start_ts, sc.days

    def when(n: int, hours: np.ndarray = OFFICE_HOURS) -> np.ndarray:
        return random_times(rng, start, 0, days, hours, n)

    # domestic abuse at the address, recorded by police
    adults, children = _adults_children(world, "ace_domestic_abuse")
    n_inc = 1 + rng.poisson(1.0, adults.height)
    hh_rep = np.repeat(adults["household_id"].to_numpy(), n_inc)
    a1 = np.repeat(adults["adult1"].to_numpy(), n_inc)
    a2 = np.repeat(adults["adult2"].to_numpy(), n_inc)
    keys = add_events(world, len(a1), source=GWENT_POLICE, event_type="domestic_abuse", ts=when(len(a1), INCIDENT_HOURS),
                      summary=np.array(DA_SUMMARIES)[rng.integers(0, len(DA_SUMMARIES), len(a1))],
                      **place_of(world, a1, rng))
    female_first = world.people["sex"].to_numpy()[a1] == "F"
    victim = np.where(female_first | (a2 < 0), a1, a2)
    suspect = np.where(victim == a1, a2, a1)
    add_participants(world, keys, victim, "victim")
    has_s = suspect >= 0
    add_participants(world, keys[has_s], suspect[has_s], "suspect")
    # children present, named as witnesses on some incidents
    ev = pl.DataFrame({"key": keys, "household_id": hh_rep})
    kids = ev.join(children.select(["pidx", "household_id"]), on="household_id")
    kids = kids.filter(pl.Series(rng.random(kids.height) < 0.4))
    add_participants(world, kids["key"].to_numpy(), kids["pidx"].to_numpy(), "witness")
    # police notify children's services about some children
    note = children.filter(pl.Series(rng.random(children.height) < 0.5))
    k2 = add_events(world, note.height, source=COUNCIL, event_type="safeguarding_referral", ts=when(note.height),
                    summary="Domestic abuse notification from police: child in the household.",
                    handling_code="C", handling_conditions="Share only with agencies working with the family.")
    add_participants(world, k2, note["pidx"].to_numpy(), "subject")

    # a parent arrested and remanded in custody
    adults, children = _adults_children(world, "ace_parent_custody")
    parent = adults["adult1"].to_numpy()
    t0 = start + rng.integers(0, 40 * DAY, len(parent))
    k = add_events(world, len(parent), source=GWENT_POLICE, event_type="arrest", ts=t0,
                   summary=np.array(["Arrested for burglary; remanded in custody.", "Arrested for robbery; remanded in custody.",
                                     "Recalled to prison on licence breach."])[rng.integers(0, 3, len(parent))],
                   **place_of(world, parent, rng))
    add_participants(world, k, parent, "subject")
    k = add_events(world, len(parent), source=GWENT_POLICE, event_type="charge", ts=t0 + rng.integers(DAY, 3 * DAY, len(parent)),
                   summary="Charged; remanded in custody to Crown Court.")
    add_participants(world, k, parent, "subject")
    _council_referral(world, rng, adults, children, "Parent in custody; family support offered.", start, days)

    # parental substance misuse and neglect, seen by children's services
    adults, children = _adults_children(world, "ace_parental_substance")
    _council_referral(world, rng, adults, children, "Concerns about parental substance misuse.", start, days)
    adults, children = _adults_children(world, "ace_neglect")
    _council_referral(world, rng, adults, children, "Neglect concerns raised by school: child often hungry, poor hygiene.", start, days)

    # children placed in care
    care = world.people.filter(pl.col("in_care"))
    n = care.height
    k = add_events(world, n, source=COUNCIL, event_type="care_placement", ts=start + rng.integers(0, 30 * DAY, n) - 200 * DAY * (rng.random(n) < 0.6),
                   address=np.array(CARE_HOMES)[rng.integers(0, len(CARE_HOMES), n)],
                   summary=np.where(rng.random(n) < 0.5, "Placed with foster carers.", "Placed in residential care."))
    add_participants(world, k, care["pidx"].to_numpy(), "subject")


def _council_referral(world: World, rng: np.random.Generator, adults: pl.DataFrame, children: pl.DataFrame,
                      summary: str, start: int, days: int) -> None:
    """A safeguarding referral per child, naming a parent as associate."""
    ch = children.join(adults.select(["household_id", "adult1"]), on="household_id", how="left")
    n = ch.height
    k = add_events(world, n, source=COUNCIL, event_type="safeguarding_referral", ts=random_times(rng, start, 0, days, OFFICE_HOURS, n),
                   summary=summary, handling_code="C", handling_conditions="Children's services consent needed before sharing.")
    add_participants(world, k, ch["pidx"].to_numpy(), "subject")
    parent = ch["adult1"].fill_null(-1).to_numpy()
    add_participants(world, k[parent >= 0], parent[parent >= 0], "associate")
