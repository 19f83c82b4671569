"""The search index over person records: names by trigram (fuzzy), phones, identifiers and postcodes exactly.

Kept up to date lazily: before a search, the person records of every bundle
imported since the last search are (re)indexed, in import order, replacing
what the index held for the same records. Searches answer from the index
(SQLite FTS5 trigram, PostgreSQL pg_trgm GIN), never by scanning persons.

A record's name terms are its full name and, for a given name with known
short or formal forms (Bill, Will -> William), the full name with each form,
so that a search for "Will Jones" finds "Bill Jones" through "william jones".
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Connection, bindparam, delete, insert, select, text

from crossline.contract.phones import normalise_phone
from crossline.store.models import Bundle, Person, SearchIndexed, SearchKey, SearchNameRecord

CANDIDATES = 200
_SPACES = re.compile(r"\s+")


def _clean(name: str | None) -> str:
    return _SPACES.sub(" ", re.sub(r"[^a-z' -]", " ", (name or "").lower())).strip()


@lru_cache(maxsize=1)
def _forms() -> dict[str, list[str]]:
    """Name -> its formal forms, made once per process: it was rebuilt from the table (thousands of rows) on every search."""
    from crossline.stages.resolve.nicknames import forms_table

    return {r["name"]: list(r["forms"]) for r in forms_table().iter_rows(named=True)}


def name_terms(given: str | None, family: str | None, forms: dict[str, list[str]]) -> set[str]:
    g, f = _clean(given), _clean(family)
    if not (g or f):
        return set()
    first = g.split(" ")[0] if g else ""
    givens = {g} | {form for form in forms.get(first, []) if form != first}
    return {f"{x} {f}".strip() for x in givens}


def _bundles_to_index(conn: Connection) -> list[str]:
    done = select(SearchIndexed.bundle_id)
    rows = conn.execute(select(Bundle.bundle_id).where(Bundle.bundle_id.not_in(done)).order_by(Bundle.imported_at, Bundle.bundle_id))
    return [r.bundle_id for r in rows]


def refresh(conn: Connection) -> int:
    """Index the person records of bundles imported since the last refresh; returns how many records were indexed."""
    bundles = _bundles_to_index(conn)
    if not bundles:
        return 0
    forms = _forms()
    n = 0
    replacing = conn.execute(select(SearchIndexed.bundle_id).limit(1)).first() is not None  # a first index has nothing to replace
    for bundle in bundles:
        rows = conn.execute(select(Person.source, Person.record_id, Person.given_name, Person.family_name, Person.aliases, Person.phone,
                                   Person.pnc_id, Person.nhs_number, Person.upn, Person.postcode).where(Person.bundle_id == bundle)).all()
        if replacing and rows:
            keys = [{"s": r.source, "r": r.record_id} for r in rows]
            conn.execute(delete(SearchKey).where(SearchKey.source == bindparam("s"), SearchKey.record_id == bindparam("r")), keys)
            conn.execute(delete(SearchNameRecord).where(SearchNameRecord.source == bindparam("s"), SearchNameRecord.record_id == bindparam("r")),
                         keys)
            # a name no record carries any more would take a candidate's place in every fuzzy search for it
            conn.execute(text("DELETE FROM search_names_terms WHERE term NOT IN (SELECT term FROM search_names_records)"))
        known = {t for (t,) in conn.execute(select(SearchNameRecord.term).distinct())} if replacing else set()
        replacing = True
        names, exact = [], []
        for r in rows:
            terms = name_terms(r.given_name, r.family_name, forms)
            for alias in json.loads(r.aliases) if r.aliases else []:
                parts = _clean(alias).split(" ")
                terms |= name_terms(" ".join(parts[:-1]), parts[-1], forms) if len(parts) > 1 else set()
            names += [{"term": t, "source": r.source, "record_id": r.record_id} for t in terms]
            found = {("record_id", r.record_id.lower())}
            found |= {("phone", p) for p in (json.loads(r.phone) if r.phone else [])}
            found |= {(kind, str(v).replace(" ", "").lower()) for kind, v in (("pnc", r.pnc_id), ("nhs", r.nhs_number), ("upn", r.upn)) if v}
            if r.postcode:
                found.add(("postcode", r.postcode.replace(" ", "").upper()))
            exact += [{"kind": k, "key": v[:256], "source": r.source, "record_id": r.record_id} for k, v in found]
        new_terms = sorted({row["term"] for row in names} - known)
        if new_terms:
            conn.execute(text("INSERT INTO search_names_terms (term) VALUES (:term)"), [{"term": t} for t in new_terms])
        if names:
            conn.execute(insert(SearchNameRecord), names)
        if exact:
            conn.execute(insert(SearchKey), exact)
        conn.execute(insert(SearchIndexed).values(bundle_id=bundle, indexed_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
        n += len(rows)
    return n


@dataclass(frozen=True)
class Hit:
    source: str
    record_id: str
    matched: str  # what matched, in words
    score: float  # 1.0 exact; a name's similarity otherwise


def _pieces(term: str) -> list[str]:
    """The term cut into three pieces (two for a short term) of at least three characters each.

    One typing error (a letter changed, dropped or added) falls in at most one
    piece, so a name one error away from the term still contains every other
    piece word for word: the pairs of pieces are what the index is asked for.
    """
    n = 3 if len(term) >= 9 else 2
    if len(term) < 3 * n:
        return []
    size = len(term) // n
    cuts = [i * size for i in range(n)] + [len(term)]
    return [term[cuts[i]:cuts[i + 1]] for i in range(n)]


def _fuzzy_groups(term: str) -> list[list[str]]:
    """Groups of substrings a near spelling of ``term`` holds all of: the whole term, then each pair of its pieces."""
    pieces = _pieces(term)
    if len(pieces) == 3:
        return [[term], [pieces[0], pieces[1]], [pieces[0], pieces[2]], [pieces[1], pieces[2]]]
    return [[term], *([[p] for p in pieces])]


def _phrase(text_: str) -> str:
    return '"' + text_.replace('"', '""') + '"'


def _candidates(conn: Connection, group: list[str], n: int) -> list[str]:
    """Distinct names holding every substring of ``group``, straight from the index, at most ``n`` (no ranking: the caller scores them).

    SQLite: FTS5 trigram phrases joined by AND; PostgreSQL: LIKE on the pg_trgm
    GIN index. Neither ranks every match, so a common piece costs no more than
    ``n`` rows; each row is a different name, however many people share it.
    """
    if conn.dialect.name == "sqlite":
        sql = "SELECT term FROM search_names_terms WHERE search_names_terms MATCH :q LIMIT :n"
        params: dict[str, object] = {"q": " AND ".join(_phrase(g) for g in group), "n": n}
    else:
        sql = "SELECT term FROM search_names_terms WHERE " + " AND ".join(f"term LIKE :g{i}" for i in range(len(group))) + " LIMIT :n"
        params = {f"g{i}": f"%{g}%" for i, g in enumerate(group)} | {"n": n}
    return [r.term for r in conn.execute(text(sql), params)]


def by_name(conn: Connection, query: str, limit: int = 20, min_score: float = 0.6) -> list[Hit]:
    """Records whose name (or a nickname form of it) is like ``query``, best first.

    The index answers with the distinct names holding the whole query and
    the names holding all but one piece of it (a misspelling), at most
    ``CANDIDATES`` names per question; only those are scored here. The records
    of the best names are then read by key, name by name in score order, until
    ``limit`` records are certain to be the best ``limit``.
    """
    forms = _forms()
    parts = _clean(query).split(" ")
    wanted = name_terms(" ".join(parts[:-1]), parts[-1], forms) if len(parts) > 1 else {parts[0]} if parts[0] else set()
    scored: dict[str, float] = {}  # each distinct name: its best score against any wanted term
    for term in sorted(wanted):
        if len(term) < 3:
            continue
        for group in _fuzzy_groups(term):
            for found in _candidates(conn, group, CANDIDATES):
                score = _similarity(term, found, min_score)
                if score >= min_score and score > scored.get(found, -1.0):
                    scored[found] = score
    best: dict[tuple[str, str], Hit] = {}
    records = (select(SearchNameRecord.source, SearchNameRecord.record_id).where(SearchNameRecord.term == bindparam("t"))
               .order_by(SearchNameRecord.source, SearchNameRecord.record_id).limit(limit))
    cutoff: float | None = None
    for found, score in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0])):
        if cutoff is not None and round(score, 3) < cutoff:
            break  # every record still unread scores below the ``limit`` already held
        for r in conn.execute(records, {"t": found}):
            key = (r.source, r.record_id)
            if key not in best or best[key].score < round(score, 3):
                best[key] = Hit(r.source, r.record_id, f"name like {found!r}", round(score, 3))
        if cutoff is None and len(best) >= limit:
            cutoff = round(score, 3)
    return sorted(best.values(), key=lambda h: (-h.score, h.source, h.record_id))[:limit]


def _similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """Whole-name similarity; a query with only a family name is compared with the record's family name.

    Below ``at_least`` the answer is only an upper bound (difflib's quick
    ratios), which is all a caller dropping such names needs.
    """
    if " " not in a and " " in b:
        b = b.rsplit(" ", 1)[-1]
    matcher = difflib.SequenceMatcher(None, a, b)
    for bound in (matcher.real_quick_ratio, matcher.quick_ratio):
        if (upper := bound()) < at_least:
            return upper
    return matcher.ratio()


def by_key(conn: Connection, query: str, limit: int = 20) -> list[Hit]:
    """Records holding ``query`` as a phone number, an identifier, a record id or a postcode."""
    q = query.strip()
    candidates: list[tuple[str, str]] = [("record_id", q.lower()), ("pnc", q.replace(" ", "").lower()), ("nhs", q.replace(" ", "").lower()),
                                         ("upn", q.replace(" ", "").lower()), ("postcode", q.replace(" ", "").upper())]
    phone = normalise_phone(q)
    if phone:
        candidates.append(("phone", phone))
    # one question, not one per kind: both IN lists are on the primary key's leading columns; cross pairs are dropped here
    wanted = dict.fromkeys(candidates)
    stmt = select(SearchKey.kind, SearchKey.key, SearchKey.source, SearchKey.record_id).where(
        SearchKey.kind.in_(sorted({k for k, _ in wanted})), SearchKey.key.in_(sorted({v for _, v in wanted})))
    found = [r for r in conn.execute(stmt) if (r.kind, r.key) in wanted]
    order = {pair: i for i, pair in enumerate(wanted)}
    hits = [Hit(r.source, r.record_id, f"{r.kind.replace('_', ' ')} {r.key}", 1.0)
            for r in sorted(found, key=lambda r: (order[(r.kind, r.key)], r.source, r.record_id))]
    unique = {(h.source, h.record_id): h for h in reversed(hits)}
    return sorted(unique.values(), key=lambda h: (h.source, h.record_id))[:limit]
