"""SQL as named steps, written once in DuckDB's dialect, and the tables each step reads.

A step is a SELECT over earlier steps' names and a few given tables. Which
tables it reads is worked out from the SQL itself with SQLGlot (never a
regular expression or a hand-kept list), so :func:`check_order` can prove
that every step reads only what exists before it, and an engine can tell
which steps are read more than once and are worth materialising.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import polars as pl

from crossline.errors import CrosslineError


@dataclass(frozen=True)
class Step:
    """One named SELECT; ``keep`` materialises it (it is read more than once or is fetched)."""

    name: str
    sql: str
    keep: bool = True


class StepError(CrosslineError):
    """A step failed on its engine; the message names the step and carries its SQL."""


class SqlEngine(Protocol):
    """What a stage needs of an engine: load the comms lake as ``ev``, register frames, run steps, fetch results."""

    name: str
    # whether an aggregate over the whole lake is quicker taken one day's files at a time (DuckDB: each day's
    # groups fit its hash tables; Spark: no, and every step is a job)
    folds_days: bool

    def load_comms(self, paths: Sequence[str], name: str = "ev") -> None: ...
    def register(self, name: str, frame: pl.DataFrame) -> None: ...
    def run(self, steps: Sequence[Step]) -> None: ...
    def fetch(self, name: str) -> pl.DataFrame: ...
    def close(self) -> None: ...


@lru_cache(maxsize=512)
def reads(sql: str) -> frozenset[str]:
    """The tables and views a SELECT reads (its own CTEs excluded), parsed in DuckDB's dialect."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)


def check_order(steps: Sequence[Step], given: Iterable[str]) -> None:
    """Raise StepError unless every step reads only ``given`` tables and steps before it (and none twice named)."""
    known = set(given)
    for st in steps:
        if st.name in known:
            raise StepError(f"step {st.name!r} is named twice (or shadows a given table)")
        missing = sorted(reads(st.sql) - known)
        if missing:
            raise StepError(f"step {st.name!r} reads {', '.join(missing)}, which no earlier step writes\n{st.sql}")
        known.add(st.name)


def read_by_several(steps: Sequence[Step]) -> set[str]:
    """Names of steps that two or more later steps read."""
    counts: dict[str, int] = {}
    for st in steps:
        for name in reads(st.sql):
            counts[name] = counts.get(name, 0) + 1
    return {st.name for st in steps if counts.get(st.name, 0) >= 2}
