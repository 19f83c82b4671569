"""Search by name (with nicknames and misspellings), phone number, record id, identifier or nominal id, under need-to-know.

Answers come from the search index (store/search_index.py); a record the
actor may not know is dropped before anything is counted or returned, so
neither the results nor their number reveal it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select, tuple_

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


def _nominals(ws: Workspace, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    path = picture_store.current_table(ws.engine, ws.path, "nominals")
    if path is None or not keys:
        return {}
    wanted = pl.DataFrame({"source": [k[0] for k in keys], "record_id": [k[1] for k in keys]})
    found = pl.scan_parquet(path).select("nominal_id", "source", "record_id").join(wanted.lazy(), on=["source", "record_id"]).collect()
    return {(r["source"], r["record_id"]): str(r["nominal_id"]) for r in found.iter_rows(named=True)}


def _by_nominal(ws: Workspace, nominal_id: str) -> list[tuple[str, str]]:
    path = picture_store.current_table(ws.engine, ws.path, "nominals")
    if path is None:
        return []
    rows = pl.scan_parquet(path).filter(pl.col("nominal_id").cast(pl.String) == nominal_id).select("source", "record_id").collect()
    return [(r["source"], r["record_id"]) for r in rows.iter_rows(named=True)]


def search(ws: Workspace, actor: Actor, query: str, limit: int = 20) -> list[Result]:
    who = viewer(ws.engine, actor)
    require(who, "search")
    q = (query or "").strip()
    if "\x00" in q:
        raise InvalidInput("a search cannot contain a NUL character")
    if len(q) < 2:
        raise InvalidInput("search for at least two characters: a name, a phone number or an id")
    limit = max(1, min(limit, 100))
    with ws.engine.begin() as conn:
        search_index.refresh(conn)
        hits = search_index.by_key(conn, q, limit * 5)
        if any(c.isalpha() for c in q) and not any(c.isdigit() for c in q):
            hits += search_index.by_name(conn, q, limit * 5)
        hits += [search_index.Hit(s, r, f"nominal {q}", 1.0) for s, r in _by_nominal(ws, q)]
        visible: dict[tuple[str, str], search_index.Hit] = {}
        for h in hits:
            if _may_see(who, h.source) and (h.source, h.record_id) not in visible:
                visible[(h.source, h.record_id)] = h
        ranked = sorted(visible.values(), key=lambda h: (-h.score, h.source, h.record_id))[:limit]
        keys = [(h.source, h.record_id) for h in ranked]
        people = {(r.source, r.record_id): r for r in conn.execute(
            select(Person.source, Person.record_id, Person.given_name, Person.family_name, Person.date_of_birth)
            .where(tuple_(Person.source, Person.record_id).in_(keys)))} if keys else {}
        audit.record(conn, actor, "search", "persons", {"query": q[:200], "returned": [f"{s}:{r}" for s, r in keys]})
    nominals = _nominals(ws, keys)
    return [Result(h.source, h.record_id, nominals.get((h.source, h.record_id)), people[(h.source, h.record_id)].given_name,
                   people[(h.source, h.record_id)].family_name, people[(h.source, h.record_id)].date_of_birth, h.matched, h.score)
            for h in ranked if (h.source, h.record_id) in people]


