"""Time: the period's days, UK local time, and daily rhythms of activity.

Everything is kept as Unix seconds (UTC); activity is drawn in UK local time
(people text in the evening by the clock on the wall) and shifted to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

DAY = 86_400


def _last_sunday_1am_utc(year: int, month: int) -> int:
    """British Summer Time starts and ends at 01:00 UTC on the last Sunday of March and of October."""
    last = datetime(year + (month == 12), month % 12 + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return int((last - timedelta(days=(last.weekday() + 1) % 7)).timestamp())


# [start, end) of BST for each year a scenario can span (the default period lies in 2026; a longer one runs on)
_BST = np.array([_last_sunday_1am_utc(y, m) for y in range(2020, 2041) for m in (3, 10)], dtype=np.int64)
BST_START, BST_END = int(_BST[12]), int(_BST[13])  # 2026: 29 March and 25 October

# relative activity by local hour: quiet nights, busy afternoons and evenings
BACKGROUND_HOURS = np.array(
    [0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.5, 1.2, 2.0, 2.5, 2.7, 2.8,
     3.0, 2.8, 2.7, 2.8, 3.2, 3.6, 3.8, 3.9, 3.7, 3.2, 2.2, 1.0]
)
# drug orders: late morning to the small hours
ORDER_HOURS = np.array(
    [1.5, 1.0, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.0, 1.5, 2.2, 2.6,
     2.8, 2.8, 2.8, 3.0, 3.2, 3.5, 3.8, 4.0, 4.0, 3.6, 3.0, 2.2]
)
# office hours: GP reminders, school and clinic business
OFFICE_HOURS = np.array([0] * 8 + [1.0] * 9 + [0.2] + [0] * 6, dtype=float)
# evenings: takeaways and taxis
EVENING_HOURS = np.array(
    [1.2, 1.0, 0.6, 0.2, 0.1, 0.1, 0.2, 0.4, 0.5, 0.5, 0.5, 0.8,
     1.2, 1.0, 0.8, 0.8, 1.0, 1.8, 2.6, 3.0, 3.0, 2.6, 2.2, 1.8]
)


def offset(ts: np.ndarray | int) -> np.ndarray:
    """UK civil time minus UTC, in seconds, at each ``ts``."""
    ts = np.asarray(ts)
    return np.where(np.searchsorted(_BST, ts, side="right") % 2 == 1, 3600, 0)


def local_to_utc(day_ts: np.ndarray | int, local_s: np.ndarray | int) -> np.ndarray:
    """Unix seconds of ``local_s`` seconds after local midnight of the day at ``day_ts``."""
    naive = np.asarray(day_ts) + np.asarray(local_s)
    return (naive - offset(naive)).astype(np.int64)


def draw_local_seconds(rng: np.random.Generator, hours: np.ndarray, n: int) -> np.ndarray:
    """``n`` times of day (seconds after local midnight) following an hourly profile."""
    p = hours / hours.sum()
    h = rng.choice(24, size=n, p=p)
    return h * 3600 + rng.integers(0, 3600, n)


def weekday(day_ts: int) -> int:
    """Monday is 0."""
    return datetime.fromtimestamp(day_ts, tz=UTC).weekday()


# police incidents and missing episodes: afternoons, evenings and nights
INCIDENT_HOURS = np.array(
    [2.0, 1.6, 1.2, 0.8, 0.5, 0.3, 0.3, 0.5, 0.8, 1.0, 1.2, 1.4,
     1.6, 1.8, 2.0, 2.4, 2.8, 3.0, 3.2, 3.4, 3.4, 3.2, 2.8, 2.4]
)


def random_times(rng: np.random.Generator, start_ts: int, day0: np.ndarray | int, day1: np.ndarray | int,
                 hours: np.ndarray, n: int) -> np.ndarray:
    """``n`` Unix times on a uniform day in ``[day0, day1)`` of the period, at a local time drawn from ``hours``."""
    d0 = np.broadcast_to(np.asarray(day0), (n,))
    d1 = np.maximum(np.broadcast_to(np.asarray(day1), (n,)), d0 + 1)
    day = d0 + (rng.random(n) * (d1 - d0)).astype(np.int64)
    return local_to_utc(start_ts + day * DAY, draw_local_seconds(rng, hours, n))
