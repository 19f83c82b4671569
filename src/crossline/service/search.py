"""Search by name (with nicknames and misspellings), phone number, record id, identifier or nominal id, under need-to-know.

Answers come from the search index (store/search_index.py); a record the
actor may not know is dropped before anything is counted or returned, so
neither the results nor their number reveal it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.need_to_know import RecordRef, Viewer, can_see_record
from crossline.access.policy import require, viewer
from crossline.errors import InvalidInput
from crossline.store import picture as picture_store
from crossline.store import search_index
from crossline.store.models import Person
from crossline.workspace import Workspace


@dataclass(frozen=True)
class Result:
    source: str
    record_id: str
    nominal_id: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: str | None
    matched: str
    score: float


def _may_see(who: Viewer, source: str) -> bool:
    return can_see_record(who, RecordRef(owner=source, kind="person"))


_SEP = "\x1f"
_lookup_lock = threading.Lock()
_lookup: dict[Path, tuple[pl.Series, pl.Series]] = {}


def _record_index(path: Path) -> tuple[pl.Series, pl.Series]:
    """(source + record id, sorted; their nominal ids) of one picture's nominals, read once per process and picture version.

    A search returns at most a hundred records; finding their nominal ids by
    binary search here costs microseconds, where joining the nominals file
    read it whole (a million rows) on every search.
    """
    with _lookup_lock:
        held = _lookup.get(path)
        if held is None:
            frame = pl.read_parquet(path, columns=["nominal_id", "source", "record_id"]).select(
                (pl.col("source") + _SEP + pl.col("record_id")).alias("key"), pl.col("nominal_id").cast(pl.String)).sort("key")
            held = (frame["key"], frame["nominal_id"])
            _lookup.clear()  # only the current picture is kept
            _lookup[path] = held
    return held


def _nominals(path: Path | None, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    if path is None or not keys:
        return {}
    sorted_keys, nominal_ids = _record_index(path)
    wanted = [f"{s}{_SEP}{r}" for s, r in keys]
    places = sorted_keys.search_sorted(pl.Series(wanted, dtype=pl.String), side="left").to_list()
    return {key: str(nominal_ids[i]) for key, want, i in zip(keys, wanted, places, strict=True)
            if i < len(sorted_keys) and sorted_keys[i] == want}


_ID_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9:_-]*[0-9][A-Za-z0-9:_-]*")


def _id_like(q: str) -> bool:
    """A nominal id has letters and digits and no spaces; a name has no digits and a phone number starts with one."""
    return bool(_ID_LIKE.fullmatch(q))


def _by_nominal(path: Path | None, nominal_id: str) -> list[tuple[str, str]]:
    if path is None or not _id_like(nominal_id):
        return []
    rows = pl.scan_parquet(path).filter(pl.col("nominal_id").cast(pl.String) == nominal_id).select("source", "record_id").collect()
    return [(r["source"], r["record_id"]) for r in rows.iter_rows(named=True)]


def search(ws: Workspace, actor: Actor, query: str, limit: int = 20) -> list[Result]:
    """Everything is read in one connection (the actor's standing, the picture's version, the index, the rows, the audit entry)."""
    with ws.engine.begin() as conn:
        who = viewer(conn, actor)
        require(who, "search")
        q = (query or "").strip()
        if "\x00" in q:
            raise InvalidInput("a search cannot contain a NUL character")
        if len(q) < 2:
            raise InvalidInput("search for at least two characters: a name, a phone number or an id")
        limit = max(1, min(limit, 100))
        nominals_file = picture_store.current_table(conn, ws.path, "nominals")
        search_index.refresh(conn)
        hits = search_index.by_key(conn, q, limit * 5)
        if any(c.isalpha() for c in q) and not any(c.isdigit() for c in q):
            hits += search_index.by_name(conn, q, limit * 5)
        hits += [search_index.Hit(s, r, f"nominal {q}", 1.0) for s, r in _by_nominal(nominals_file, q)]
        visible: dict[tuple[str, str], search_index.Hit] = {}
        for h in hits:
            if _may_see(who, h.source) and (h.source, h.record_id) not in visible:
                visible[(h.source, h.record_id)] = h
        ranked = sorted(visible.values(), key=lambda h: (-h.score, h.source, h.record_id))[:limit]
        keys = [(h.source, h.record_id) for h in ranked]
        people: dict[tuple[str, str], Any] = {}
        for source in sorted({s for s, _ in keys}):  # per source, so the primary key answers (a row-value IN scans on SQLite)
            people |= {(r.source, r.record_id): r for r in conn.execute(
                select(Person.source, Person.record_id, Person.given_name, Person.family_name, Person.date_of_birth)
                .where(Person.source == source, Person.record_id.in_([r for s, r in keys if s == source])))}
        audit.record(conn, actor, "search", "persons", {"query": q[:200], "returned": [f"{s}:{r}" for s, r in keys]})
    nominals = _nominals(nominals_file, keys)
    return [Result(h.source, h.record_id, nominals.get((h.source, h.record_id)), people[(h.source, h.record_id)].given_name,
                   people[(h.source, h.record_id)].family_name, people[(h.source, h.record_id)].date_of_birth, h.matched, h.score)
            for h in ranked if (h.source, h.record_id) in people]


