"""Interventions: who gets a programme (not at random) and what it truly does.

Young people are referred where need shows: more indicator events before the
programme's start, more ACEs, exploitation. That is confounding by
indication, so a naive treated-versus-untreated comparison makes programmes
look harmful; the true effect is a rate ratio on every later indicator event
(``InterventionParams.rate_ratios``), written to truth/intervention_effects.csv.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.agencies import AGENCY_BY_ID, PROVIDERS
from crossline.sim.clock import DAY
from crossline.sim.events import add_events, add_participants
from crossline.sim.rng import pick, stream
from crossline.sim.world import World

DESCRIPTIONS = {
    "mentoring": "One-to-one mentoring",
    "sport": "Weekly sport and boxing sessions",
    "education": "Education and awareness sessions on exploitation",
    "family_support": "Holistic family support",
}


def assign_interventions(world: World, yp: pl.DataFrame, prior_events: np.ndarray, start_day: np.ndarray) -> np.ndarray:
    """Decide who starts a programme on their ``start_day``; returns each one's rate ratio (1 if none).

    ``yp`` holds the young people (pidx, ace_count, exploited); ``prior_events``
    counts their indicator events before ``start_day``. Adds the intervention
    events and sets ``world.interventions``.
    """
    sc = world.scenario
    p = sc.interventions
    rng = stream(sc.seed, "interventions")
    n = yp.height
    ace = yp["ace_count"].to_numpy()
    exploited = yp["exploited"].to_numpy()
    logit = p.base_logit + p.prior_event_logit * np.minimum(prior_events, 4) + p.ace_logit * ace + p.exploited_logit * exploited
    treated = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    programme = pick(rng, p.programme_weights, n)
    programme = np.where((programme == "family_support") & (ace == 0), "mentoring", programme)
    ratios = dict(p.rate_ratios)
    rr = np.where(treated, np.array([ratios[x] for x in programme]), 1.0)

    idx = np.flatnonzero(treated)
    prog = programme[idx]
    start = sc.start_ts + start_day[idx] * DAY
    end = start + rng.integers(p.duration_days[0], p.duration_days[1] + 1, len(idx)) * DAY
    end = np.minimum(end, sc.start_ts + (sc.days - 1) * DAY)
    source = np.array([PROVIDERS[x] for x in prog])
    summary = np.array([f"{DESCRIPTIONS[x]} with {AGENCY_BY_ID[PROVIDERS[x]].name}." for x in prog])
    keys = add_events(world, len(idx), source=source, event_type="intervention", ts=start, end_ts=end,
                      date_only=True, programme=prog, summary=summary)
    add_participants(world, keys, yp["pidx"].to_numpy()[idx], "subject")
    world.interventions = pl.DataFrame({
        "pidx": yp["pidx"].to_numpy()[idx], "programme": prog, "source": source,
        "start_ts": start, "end_ts": end, "rate_ratio": rr[idx],
        "prior_events": prior_events[idx], "exploited": exploited[idx],
    })
    return rr
