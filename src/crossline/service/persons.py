"""Reading person records: every read of personal data is audited.

Who may open which record is crossline.access.need_to_know's answer: the
role allows reading records at all, the standing (the agency's type) which
agencies' records. A record the actor may not open is "not found", exactly
as a record that does not exist, and audited as such.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from crossline.access import audit
from crossline.access import need_to_know as ntk
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import NotFound
from crossline.store.models import Person
from crossline.workspace import Workspace

_JSON = ("aliases", "phone", "other_ids", "attributes", "invalid")


def get_person(ws: Workspace, actor: Actor, source: str, record_id: str) -> dict[str, Any]:
    """One source record as stored, with its provenance; audited whether or not it is found."""
    with ws.engine.begin() as conn:  # one connection for the standing, the row and the audit entry
        who = viewer(conn, actor)
        require(who, "read_person")
        row = conn.execute(select(Person).where(Person.source == source, Person.record_id == record_id)).first()
        if row is not None and not ntk.can_see_record(who, ntk.RecordRef(owner=source, kind="person")):
            audit.record(conn, actor, "read_person", f"{source}:{record_id}", {"found": False, "refused": "need to know"})
            row = None
        else:
            audit.record(conn, actor, "read_person", f"{source}:{record_id}", {"found": row is not None})
    if row is None:
        raise NotFound(f"no person record {record_id!r} from source {source!r}", next_step="list_sources")
    record = dict(row._mapping)
    for key in _JSON:
        if record.get(key):
            record[key] = json.loads(record[key])
    return record
