"""Entity resolution for people: the review queue, decisions on pairs, and "is this child known?".

The CLI calls these now and the web service will call the same functions.
Each takes an Actor, checks policy first (``review_matches`` or
``match_record``), and audits: listing the queue and matching a record read
personal data; a decision changes casework, and is written with the audit
entry in one transaction.

"Is this child known?" answers by standing (crossline.access.need_to_know):
police, national and administrators get the candidates with their record ids
and field-by-field reasons; anyone else (a school, a council, a charity) gets
a ``KnownSummary``: known or not, the kinds of agency holding records, and
what to do next, never another agency's record ids or intelligence. Those of
them who may see any young person's safeguarding view (police and national
analysts, officers and leads, administrators) also get each candidate's risk
band and the open alerts about them, from the same picture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy import and_, insert, or_, select, tuple_, update

from crossline.access import audit
from crossline.access import need_to_know as ntk
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import InvalidInput, NotAllowed, NotFound
from crossline.stages.resolve import known as known_records
from crossline.stages.resolve.explain import lines
from crossline.store import picture as picture_store
from crossline.store.models import Agency, MatchDecision, Person
from crossline.workspace import Workspace

Decision = Literal["same", "different"]


@dataclass
class ReviewItem:
    rank: int
    source_a: str
    record_a: str
    nominal_a: str
    source_b: str
    record_b: str
    nominal_b: str
    match_probability: float
    linked: bool  # in one nominal now
    impact: float  # expected record pairs a decision would change
    explanation: list[str]  # plain words, strongest field first
    also: int = 0  # other record pairs in the queue between the same two nominals (listed once, under this one)

    @property
    def would(self) -> str:
        return "split them" if self.linked else "merge two nominals"


def _picture_table(ws: Workspace, table: str) -> pl.DataFrame:
    path = picture_store.current_table(ws.engine, ws.path, table)
    if path is None:
        raise NotFound("no resolved picture yet: build the picture first", next_step="build")
    return pl.read_parquet(path)


def _decided_keys(ws: Workspace) -> set[tuple[str, str, str, str]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(MatchDecision.source_a, MatchDecision.record_a, MatchDecision.source_b, MatchDecision.record_b)
            .where(MatchDecision.superseded.is_(False))
        ).all()
    out: set[tuple[str, str, str, str]] = set()
    for sa, ra, sb, rb in rows:
        out.add((sa, ra, sb, rb))
        out.add((sb, rb, sa, ra))
    return out


def review_queue(ws: Workspace, actor: Actor, limit: int = 20, offset: int = 0) -> list[ReviewItem]:
    """Borderline pairs from the current picture, once per pair of nominals, highest impact first, minus pairs decided since.

    Two nominals can meet through several record pairs; the reviewer sees the
    strongest once (``also`` counts the others), since one decision settles
    whether the two nominals are one person. Values are shown as the
    partners sent them, not as prepared for comparison.
    """
    require(viewer(ws.engine, actor), "review_matches")
    queue = _picture_table(ws, "review_queue")
    decided = _decided_keys(ws)
    items: list[ReviewItem] = []
    raw: list[str] = []  # each item's explanation as the build stored it (JSON)
    by_nominals: dict[tuple[str, str], ReviewItem | None] = {}  # None: a pair skipped by ``offset``
    for row in queue.sort("rank").iter_rows(named=True):  # the queue is bounded by [resolve] review_limit
        if (row["source_a"], row["record_a"], row["source_b"], row["record_b"]) in decided:
            continue
        key = (min(row["nominal_a"], row["nominal_b"]), max(row["nominal_a"], row["nominal_b"]))
        if key in by_nominals:
            seen = by_nominals[key]
            if seen is not None:
                seen.also += 1
            continue
        if len(by_nominals) < offset or len(items) >= limit:
            by_nominals[key] = None
            continue
        item = ReviewItem(
            rank=int(row["rank"]), source_a=row["source_a"], record_a=row["record_a"], nominal_a=row["nominal_a"],
            source_b=row["source_b"], record_b=row["record_b"], nominal_b=row["nominal_b"],
            match_probability=float(row["match_probability"]), linked=bool(row["linked"]),
            impact=float(row["impact"]), explanation=[],
        )
        by_nominals[key] = item
        items.append(item)
        raw.append(row["explanation"] or "")
    sent = _as_sent(ws, {(i.source_a, i.record_a) for i in items} | {(i.source_b, i.record_b) for i in items})
    for i, explanation in zip(items, raw, strict=True):
        shown = (sent.get((i.source_a, i.record_a), {}), sent.get((i.source_b, i.record_b), {}))
        i.explanation = lines(explanation, i.match_probability, shown) if explanation else []
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_review_queue", "review_queue",
                     {"pairs": [f"{i.source_a}:{i.record_a}|{i.source_b}:{i.record_b}" for i in items]})
    return items


def _as_sent(ws: Workspace, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    """Each record's compared fields as stored from its partner's bundle, by comparison name (explain.DISPLAY)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    if not keys:
        return out
    with ws.engine.connect() as conn:
        rows = conn.execute(select(*Person.__table__.columns).where(tuple_(Person.source, Person.record_id).in_(sorted(keys))))
        for p in rows:
            def joined(*values: str | None, sep: str = ", ") -> str:
                return sep.join(v for v in values if v)

            def listed(text: str | None) -> str:
                try:
                    return " ".join(str(v) for v in json.loads(text)) if text else ""
                except ValueError:
                    return text or ""

            phones = listed(p.phone)
            out[(p.source, p.record_id)] = {
                "given_name": p.given_name or "", "family_name": p.family_name or "", "date_of_birth": p.date_of_birth or "",
                "sex": p.sex or "", "location": joined(p.address, p.postcode, p.town), "phone": phones,
                "pnc": p.pnc_id or "", "nhs": p.nhs_number or "", "upn": p.upn or "", "other_ids": listed(p.other_ids),
                "aliases": listed(p.aliases), "twin_guard": joined(p.given_name, p.date_of_birth),
                "practitioner": joined(p.given_name, p.family_name, p.date_of_birth, phones),
                "middle_name": joined(p.other_names, p.date_of_birth),
                "namesake_guard": joined(p.given_name, p.date_of_birth, p.postcode),
            }
    return out


def queue_item(ws: Workspace, actor: Actor, rank: int) -> ReviewItem:
    """The queue entry with this rank (as listed), for deciding by rank; audited (it names two people's records)."""
    require(viewer(ws.engine, actor), "review_matches")
    row = _picture_table(ws, "review_queue").filter(pl.col("rank") == rank)
    r = row.row(0, named=True) if row.height else None
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_review_pair", f"rank {rank}",
                     {"pair": f"{r['source_a']}:{r['record_a']}|{r['source_b']}:{r['record_b']}" if r else None})
    if r is None:
        raise NotFound(f"no pair ranked {rank} in the review queue", next_step="list_review")
    return ReviewItem(int(r["rank"]), r["source_a"], r["record_a"], r["nominal_a"], r["source_b"], r["record_b"],
                      r["nominal_b"], float(r["match_probability"]), bool(r["linked"]), float(r["impact"]), [])


def record_decision(
    ws: Workspace, actor: Actor, source_a: str, record_a: str, source_b: str, record_b: str,
    decision: Decision, reason: str,
) -> int:
    """Record that two source records are (or are not) one person; the next build honours it. Returns its id.

    A later decision on the same pair (in either order) supersedes this one.
    """
    require(viewer(ws.engine, actor), "review_matches")
    if decision not in ("same", "different"):
        raise InvalidInput(f"a decision is 'same' or 'different', not {decision!r}")
    if not reason or not reason.strip():
        raise InvalidInput("say why: a decision needs a reason")
    if (source_a, record_a) == (source_b, record_b):
        raise InvalidInput("a decision needs two different records")
    with ws.engine.begin() as conn:
        for source, record in ((source_a, record_a), (source_b, record_b)):
            found = conn.execute(select(Person.record_id).where(Person.source == source, Person.record_id == record)).first()
            if found is None:
                raise NotFound(f"no person record {record!r} from source {source!r}", next_step="list_sources")
        pair = or_(
            and_(MatchDecision.source_a == source_a, MatchDecision.record_a == record_a,
                 MatchDecision.source_b == source_b, MatchDecision.record_b == record_b),
            and_(MatchDecision.source_a == source_b, MatchDecision.record_a == record_b,
                 MatchDecision.source_b == source_a, MatchDecision.record_b == record_a),
        )
        conn.execute(update(MatchDecision).where(pair, MatchDecision.superseded.is_(False)).values(superseded=True))
        decided_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        new_id = conn.execute(
            insert(MatchDecision).values(
                source_a=source_a, record_a=record_a, source_b=source_b, record_b=record_b, decision=decision,
                reason=reason.strip(), user=actor.user, agency=actor.agency, decided_at=decided_at, superseded=False,
            ).returning(MatchDecision.id)
        ).scalar_one()
        audit.record(conn, actor, "match_decision", f"{source_a}:{record_a}|{source_b}:{record_b}",
                     {"decision": decision, "reason": reason.strip(), "id": new_id})
    return int(new_id)


def decisions(ws: Workspace, actor: Actor, include_superseded: bool = False) -> list[dict[str, Any]]:
    """Every decision recorded, newest first: who, when, what and why."""
    require(viewer(ws.engine, actor), "review_matches")
    query = select(MatchDecision).order_by(MatchDecision.id.desc())
    if not include_superseded:
        query = query.where(MatchDecision.superseded.is_(False))
    with ws.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.with_only_columns(*MatchDecision.__table__.columns))]
        audit.record(conn, actor, "read_match_decisions", "match_decisions", {"rows": len(rows)})
    return rows


@dataclass
class KnownSummary:
    """What a partner is told of "is this child known?": no nominal, no record, no reason by field."""

    known: bool  # a nominal reaches the link threshold
    uncertain: bool  # not known, but a candidate comes close: a person should look
    held_by: list[str]  # the kinds of agency holding records of the child (police, education, health, ...), when known
    what_to_do: str
    doubts: list[str] = field(default_factory=list)  # asked identifiers that look mistyped (the partner's own input)


def _summary(ws: Workspace, version: int, result: known_records.KnownResult) -> KnownSummary:
    if result.known:
        nominals = pl.read_parquet(picture_store.version_dir(ws.path, version) / "nominals.parquet", columns=["nominal_id", "source"])
        holders = nominals.filter(pl.col("nominal_id").cast(pl.String) == str(result.candidates[0].nominal_id))["source"].to_list()
        with ws.engine.connect() as conn:
            types = {a: t for a, t in conn.execute(select(Agency.agency_id, Agency.type))}
        held = ntk.holder_types(holders, types)
        return KnownSummary(True, False, held, f"Known to {', '.join(held)} records. Share your concern with your safeguarding lead "
                            "or the MASH; they hold the detail.")
    if result.status == "cannot tell" and not result.candidates:  # too little to compare: never "not known"
        return KnownSummary(False, True, [], f"{result.advice[0].upper() + result.advice[1:]}: there is too little here to tell.")
    if result.candidates:
        return KnownSummary(False, True, [], "Not known for certain: a record comes close. Tell your safeguarding lead, who can ask "
                            "the police safeguarding team to look.")
    return KnownSummary(False, False, [], "Not known to any agency in Crossline. Act on your concern as you would; a referral "
                        "through your safeguarding lead adds what you know.")


def _may(who: ntk.Viewer, permission: str) -> bool:
    try:
        require(who, permission)
    except NotAllowed:
        return False
    return True


def _with_risk_and_alerts(ws: Workspace, who: ntk.Viewer, version: int, result: known_records.KnownResult) -> None:
    """Each candidate's risk band and open alerts, for a viewer who may see any young person's (issue 13 item 6).

    A practitioner asking "is this child known?" about a new referral needs to
    know at once whether the child is already scored at risk or alerted on,
    not only that records exist. The band is the one the safeguarding view
    shows (``safeguarding_view``, for every child: police and national
    standing); alerts are the kinds the alerts service shows the viewer.
    """
    if not result.candidates or not who.rule.every_child or not _may(who, "safeguarding_view"):
        return
    from crossline.casework import alerts as alert_rules
    from crossline.service.alerts import scope

    ids = [c.nominal_id for c in result.candidates]
    risk_path = picture_store.version_dir(ws.path, version) / "risk.parquet"
    bands: dict[str, str] = {}
    if risk_path.exists():  # a picture built without the risk stage scores nobody
        risk = pl.scan_parquet(risk_path).select(pl.col("nominal_id").cast(pl.String), "band")
        bands = dict(risk.filter(pl.col("nominal_id").is_in(ids)).collect().iter_rows())
    kinds, agency = scope(ws, who.actor, None) if _may(who, "read_alerts") else ((), None)
    with ws.engine.connect() as conn:
        for c in result.candidates:
            c.risk_band = bands.get(c.nominal_id)
            found = alert_rules.listed(conn, kinds=kinds, status="open", agency=agency, subject_id=c.nominal_id) if kinds else []
            c.open_alerts = [{k: a[k] for k in ("alert_id", "kind", "raised_at", "message")}
                             for a in found if a["subject_type"] == "nominal"]
    result.risk_shown = True


def match_record(ws: Workspace, actor: Actor, record: dict[str, Any], limit: int = 5, age: int | None = None,
                 on: date | None = None) -> known_records.KnownResult | KnownSummary:
    """"Is this child known?": one record (contract person fields) against the current picture, no rebuild.

    ``age``: the child's age in whole years on ``on`` (today unless given), for a referral that gives an age, not a
    date of birth; both years of birth it allows are asked.
    The detail (candidates, record ids, reasons) for police, national and administrators; a summary for everyone else.
    """
    who = viewer(ws.engine, actor)
    require(who, "match_record")
    version = picture_store.current_version(ws.engine)
    if version is None:
        raise NotFound("no resolved picture yet: build the picture first", next_step="build")
    s = ws.settings.resolve
    picture = picture_store.version_dir(ws.path, version)
    result = (known_records.match(picture, record, s.link_probability, limit) if age is None else
              known_records.match_age(picture, record, age, on or date.today(), s.link_probability, limit))
    if ntk.disclosure(who) == "detail":
        _with_risk_and_alerts(ws, who, version, result)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "match_record", "person query", {
            "fields": sorted([k for k, v in record.items() if v not in (None, "", [])] + (["age"] if age is not None else [])),
            "known": result.known,
            "candidates": [c.nominal_id for c in result.candidates],
            "picture_version": version,
            "disclosed": ntk.disclosure(who),
            "risk_shown": result.risk_shown,
        })
    if ntk.disclosure(who) == "summary":
        summary = _summary(ws, version, result)
        summary.doubts = result.doubts  # about what the partner typed, not about anyone's records
        return summary
    return result


__all__ = ["Decision", "KnownSummary", "ReviewItem", "decisions", "match_record", "queue_item", "record_decision", "review_queue"]
