"""Ordinary events that have nothing to do with county lines.

A&E attendances for illness and accidents across all ages, and police
incidents in which ordinary people are victims, witnesses or reporters. They
put most people in partner records for reasons other than exploitation, so
being known to a partner is not itself a signal.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import GWENT_POLICE, HEALTH
from crossline.sim.clock import BACKGROUND_HOURS, INCIDENT_HOURS, random_times
from crossline.sim.events import add_events, add_participants, place_of
from crossline.sim.indicators import HOSPITAL
from crossline.sim.rng import stream
from crossline.sim.world import World

AE = ("Chest pain; discharged.", "Fall at home; hip X-ray.", "Cut hand while cooking.", "Abdominal pain; admitted.",
      "Child with high fever.", "Road traffic collision; minor injuries.", "Allergic reaction.")
POLICE = (
    ("asb_report", "reporter", "Reported youths causing a nuisance outside the shops."),
    ("violence_incident", "victim", "Assaulted outside a pub; minor injuries."),
    ("violence_incident", "witness", "Witnessed a fight in the town centre."),
    ("other", "reporter", "Reported a bicycle stolen from the garden."),
    ("other", "victim", "Victim of a doorstep fraud."),
)


def make_everyday_events(world: World) -> None:
    """A&E attendances and ordinary police incidents for the market's residents."""
    sc = world.scenario
    rng = stream(sc.seed, "everyday")
    market = world.people.filter(pl.col("market") & ~pl.col("young"))["pidx"].to_numpy()
    n_ae = rng.poisson(sc.indicators.background_ae_rate * (sc.days / sc.indicators.rate_days), len(market))
    who = np.repeat(market, n_ae)
    keys = add_events(world, len(who), source=HEALTH, event_type="ae_attendance",
                      ts=random_times(rng, sc.start_ts, 0, sc.days, BACKGROUND_HOURS, len(who)),
                      summary=np.array(AE)[rng.integers(0, len(AE), len(who))], **HOSPITAL)
    add_participants(world, keys, who, "patient")

    adults = world.people.filter(pl.col("market") & (pl.col("age") >= 18))["pidx"].to_numpy()
    who = adults[rng.random(len(adults)) < 0.03]
    kind = rng.integers(0, len(POLICE), len(who))
    keys = add_events(world, len(who), source=GWENT_POLICE, event_type=np.array([POLICE[k][0] for k in kind]),
                      ts=random_times(rng, sc.start_ts, 0, sc.days, INCIDENT_HOURS, len(who)),
                      summary=np.array([POLICE[k][2] for k in kind]), **place_of(world, who, rng))
    add_participants(world, keys, who, np.array([POLICE[k][1] for k in kind]))
