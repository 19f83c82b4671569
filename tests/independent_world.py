"""An independent scenario for what works: programmes of known effect, referral that follows need. Shares no code with crossline.sim.

Its mechanics differ from the simulator's on purpose (sim/interventions.py
decides once, on one start day drawn in advance, from a capped count of
earlier incidents, ACEs and exploitation, with a constant rate of incidents):

- each young person's need moves over time: a base level (higher with
  ACEs and in care) and, for some, a crisis that starts on a random day and
  builds over weeks before it plateaus (a rising trend, not a level);
- incidents arrive day by day at a rate that follows the need; their kind
  depends on the need at the time (missing episodes and searches when it
  is high, absence and A&E when low); professionals raise concerns, more
  often in a crisis;
- referral is a daily hazard driven by what a worker sees: incidents in the
  last 30 days, ACEs, care, and a concern raised in the last 60 days; the
  first day it fires is the start day (any day from day 20 to two thirds of
  the period); which programme follows depends on the young person (family
  support for those with ACEs, mentoring more often in a crisis);
- a programme multiplies the young person's incident rate from its start
  day on by its known ratio (``EFFECTS``), so the true rate ratio is the
  same at every horizon.

It returns :class:`crossline.evaluate.effects.EvaluationData` and the true ratios.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from crossline.evaluate.effects import EvaluationData

START = datetime(2025, 3, 3)
EFFECTS = {"mentoring": 0.65, "sport": 1.0, "education": 0.85, "family_support": 0.7}
HIGH_NEED_KINDS = (("missing_episode", 0.35), ("stop_search", 0.25), ("arrest", 0.12), ("school_exclusion", 0.1),
                   ("persistent_absence", 0.1), ("ae_attendance", 0.08))
LOW_NEED_KINDS = (("missing_episode", 0.08), ("stop_search", 0.07), ("arrest", 0.05), ("school_exclusion", 0.1),
                  ("persistent_absence", 0.42), ("ae_attendance", 0.28))


def independent_world(seed: int, n: int = 5000, days: int = 400, effects: dict[str, float] | None = None) -> tuple[EvaluationData, dict[str, float]]:
    effects = effects or EFFECTS
    rng = np.random.default_rng([seed, 19])
    ace = rng.binomial(4, 0.15, n)
    in_care = rng.random(n) < 0.03 + 0.04 * ace
    base = np.exp(rng.normal(-5.6, 0.6, n)) * (1 + 0.35 * ace + 0.8 * in_care)  # incidents per day
    crisis = rng.random(n) < 0.08 + 0.03 * ace
    onset = rng.integers(-60, days, n)
    build = rng.integers(20, 90, n)
    peak = np.exp(rng.normal(-3.4, 0.5, n))
    t = np.arange(days)[None, :]
    ramp = np.clip((t - onset[:, None]) / build[:, None], 0.0, 1.0)
    rate = base[:, None] + np.where(crisis[:, None], peak[:, None] * ramp, 0.0)  # (n, days): need as incidents per day

    # referral: the first day a daily hazard fires, driven by what the records show
    pre = rng.poisson(rate)  # incidents without any programme (thinned after a start below)
    concern = rng.random((n, days)) < (0.0004 + 0.012 * ramp * crisis[:, None])
    recent = np.cumsum(pre, axis=1)
    recent = recent - np.concatenate([np.zeros((n, 30), dtype=recent.dtype), recent[:, :-30]], axis=1)
    concern_recent = np.cumsum(concern, axis=1)
    concern_recent = concern_recent - np.concatenate([np.zeros((n, 60), dtype=concern_recent.dtype), concern_recent[:, :-60]], axis=1)
    hazard = 1 / (1 + np.exp(-(-8.3 + 0.9 * np.minimum(recent, 5) + (0.3 * ace + 0.6 * in_care)[:, None] + 1.3 * (concern_recent > 0))))
    fires = (rng.random((n, days)) < hazard) & (t >= 20) & (t < days * 5 // 8)
    referred = fires.any(axis=1)
    start = np.where(referred, fires.argmax(axis=1), days)
    programme = np.where(
        ace > 0, np.where(rng.random(n) < 0.25, "family_support", "education"),
        np.where(crisis & (rng.random(n) < 0.6), "mentoring", np.where(rng.random(n) < 0.55, "sport", "mentoring")),
    )
    ratio = np.where(referred, np.array([effects[p] for p in programme]), 1.0)
    after = t >= start[:, None]
    # incidents after the start are the untreated ones thinned by the programme's ratio (a ratio above 1 adds incidents)
    kept = np.where(after, rng.binomial(pre, np.minimum(ratio, 1.0)[:, None]), pre)
    extra = np.where(after & (ratio[:, None] > 1.0), rng.poisson(rate * np.maximum(ratio - 1.0, 0.0)[:, None]), 0)
    counts = kept + extra
    who, day = np.nonzero(counts)
    reps = counts[who, day]
    who, day = np.repeat(who, reps), np.repeat(day, reps)
    high = rate[who, day] > 0.02
    kinds = np.where(high, _draw(rng, HIGH_NEED_KINDS, len(who)), _draw(rng, LOW_NEED_KINDS, len(who)))
    ids = np.array([f"IW{seed}-{i:05d}" for i in range(n)])
    at = [START + timedelta(days=int(d), hours=float(h)) for d, h in zip(day, rng.uniform(0, 24, len(day)), strict=True)]
    events = pl.DataFrame({"nominal_id": ids[who], "kind": kinds, "occurred_at": at},
                          schema={"nominal_id": pl.String, "kind": pl.String, "occurred_at": pl.Datetime("us")})
    c_who, c_day = np.nonzero(concern)
    concerns = pl.DataFrame({"nominal_id": ids[c_who], "occurred_at": [START + timedelta(days=int(d)) for d in c_day]},
                            schema={"nominal_id": pl.String, "occurred_at": pl.Datetime("us")})
    treated = np.flatnonzero(referred)
    data = EvaluationData(
        people=pl.DataFrame({"nominal_id": ids, "age": rng.integers(11, 19, n), "male": (rng.random(n) < 0.5).astype(float),
                             "ace_count": ace, "in_care": in_care.astype(float)}),
        treatments=pl.DataFrame({"nominal_id": ids[treated], "programme": programme[treated],
                                 "started_at": [START + timedelta(days=int(d)) for d in start[treated]]},
                                schema={"nominal_id": pl.String, "programme": pl.String, "started_at": pl.Datetime("us")}),
        events=events, concerns=concerns, data_start=START, data_end=START + timedelta(days=days - 1),
    )
    return data, dict(effects)


def _draw(rng: np.random.Generator, table: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    names = np.array([k for k, _ in table])
    p = np.array([w for _, w in table])
    return names[rng.choice(len(names), size=size, p=p / p.sum())]
