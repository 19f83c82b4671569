"""A record's history: the version stored now and every version an import replaced.

Imports never overwrite without keeping the old version (crossline.ingest.records),
so a partner's wrong correction can be seen, and undone, from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.errors import NotFound
from crossline.store.models import Bundle, Event, Person, RecordVersion
from crossline.workspace import Workspace

_MODELS: dict[str, type[Person] | type[Event]] = {"persons": Person, "events": Event}


@dataclass
class Version:
    bundle_id: str | None  # the import that wrote this version
    bundle: str | None  # that bundle's name
    from_agency: str | None  # the agency that import was made for
    replaced_by: str | None  # the import that replaced it; None for the version stored now
    replaced_at: str | None
    data: dict[str, Any]


def record_history(ws: Workspace, actor: Actor, source: str, record_id: str, kind: str = "persons") -> list[Version]:
    """Every version of one person or event record, the stored one first, then older ones newest first; an audited read."""
    require(actor, "read_person")
    model = _MODELS.get(kind)
    if model is None:
        raise NotFound(f"no record history for kind {kind!r}; persons and events have one")
    with ws.engine.begin() as conn:
        current = conn.execute(select(model).where(model.source == source, model.record_id == record_id)).first()
        older = conn.execute(
            select(RecordVersion)
            .where(RecordVersion.kind == kind, RecordVersion.source == source, RecordVersion.record_key == record_id)
            .order_by(RecordVersion.id.desc())
        ).all()
        bundles = {
            b.bundle_id: (b.name, b.from_agency)
            for b in conn.execute(select(Bundle.bundle_id, Bundle.name, Bundle.from_agency)).all()
        }
        audit.record(conn, actor, "read_record_history", f"{kind}:{source}:{record_id}", {"versions": len(older) + (current is not None)})
    if current is None and not older:
        raise NotFound(f"no {kind} record {record_id!r} from source {source!r}", next_step="list_sources")
    versions = []
    if current is not None:
        row = dict(current._mapping)
        bid = row.get("bundle_id")
        versions.append(Version(bid, *bundles.get(bid or "", (None, None)), None, None, row))
    for v in older:
        data = json.loads(v.data)
        versions.append(Version(v.bundle_id, *bundles.get(v.bundle_id or "", (None, None)), v.superseded_by, v.superseded_at, data))
    return versions
