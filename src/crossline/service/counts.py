"""Counts and totals under need-to-know: how many records, young people and risk bands the viewer may know of.

A count is a leak when it includes what the viewer may not see ("the police
hold 14 intelligence reports from your area" tells a school something), so
each count is grouped by what the policy decides on (owning agency, kind,
event type, handling code, whether conditions are given), every group is put
to ``can_see_record``, and only visible groups are added up. Young people and
bands: police standing counts all of them on the full band; a partner counts
those its agency holds a record of, on the partner band (without others'
C-coded records); a reporter or an auditor counts none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import text

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.need_to_know import RecordRef, can_see_record
from crossline.access.policy import require, viewer
from crossline.store import picture as picture_store
from crossline.workspace import Workspace

# kind -> SQL grouping by what the policy reads; positional GROUP BY works the same on SQLite and PostgreSQL
# (PostgreSQL refuses an output alias inside an expression of GROUP BY, and a repeated CASE must match exactly)
_GROUPED = {
    "person": "SELECT source, NULL, NULL, 0, COUNT(*) FROM persons GROUP BY 1",
    "event": ("SELECT source, event_type, handling_code, "
              "CASE WHEN TRIM(COALESCE(handling_conditions, '')) <> '' THEN 1 ELSE 0 END, COUNT(*) "
              "FROM events GROUP BY 1, 2, 3, 4"),
    "link": "SELECT source, NULL, NULL, 0, COUNT(*) FROM links GROUP BY 1",
}


@dataclass
class Counts:
    records: dict[str, int] = field(default_factory=dict)  # kind -> rows the viewer may open
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)  # agency -> kind -> rows (visible agencies only)
    young_people: int = 0  # nominals the viewer may know
    bands: dict[str, int] = field(default_factory=dict)  # risk band -> young people the viewer may know


def counts(ws: Workspace, actor: Actor) -> Counts:
    who = viewer(ws.engine, actor)
    require(who, "status")
    out = Counts()
    with ws.engine.connect() as conn:
        for kind, sql in _GROUPED.items():
            out.records[kind] = 0
            for source, event_type, code, conditioned, n in conn.execute(text(sql)):
                ref = RecordRef(str(source), kind, event_type, code, "given" if conditioned else None)
                if can_see_record(who, ref):
                    out.records[kind] += int(n)
                    per = out.by_source.setdefault(str(source), {})
                    per[kind] = per.get(kind, 0) + int(n)
    rule = who.rule
    nominals_path = picture_store.current_table(ws.engine, ws.path, "nominals")
    risk_path = picture_store.current_table(ws.engine, ws.path, "risk")
    known: pl.LazyFrame | None = None
    if nominals_path is not None and (rule.every_child or rule.held_children):
        nominals = pl.scan_parquet(nominals_path).select(pl.col("nominal_id").cast(pl.String), "source")
        if not rule.every_child:
            nominals = nominals.filter(pl.col("source") == actor.agency)
        known = nominals.select("nominal_id").unique()
        out.young_people = int(known.select(pl.len()).collect().item())
    if risk_path is not None and known is not None:
        band = "band" if rule.every_child else "partner_band"
        risk = pl.scan_parquet(risk_path).select(pl.col("nominal_id").cast(pl.String), pl.col(band).alias("b"))
        if not rule.every_child:
            risk = risk.join(known, on="nominal_id", how="semi")
        out.bands = {str(b): int(n) for b, n in risk.group_by("b").len().collect().iter_rows() if b is not None}
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_counts", "counts", {"records": out.records, "young_people": out.young_people})
    return out
