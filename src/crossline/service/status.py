"""A summary of the workspace: bundles, rows per kind and source, quarantine, lake, audit head, and the picture's age.

The picture's age matters to anyone reading it: a bundle imported after the
last build is in the records but not yet in the picture, so ``imports_since``
says how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.store.models import AuditHead, Bundle, LakeFile, PictureVersion, Quarantine
from crossline.workspace import Workspace

KIND_TABLES = ("persons", "events", "event_people", "links", "cell_sites")


@dataclass
class Status:
    workspace: str
    database: str
    bundles: list[tuple[str, str, str]] = field(default_factory=list)  # (bundle_id, name, imported_at)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, source) -> rows
    quarantine: dict[str, int] = field(default_factory=dict)  # severity -> rows
    comms_events: int = 0
    comms_days: int = 0
    audit_entries: int = 0
    audit_head: str = ""
    picture_version: int | None = None  # the current (newest published) build; None: never built
    built_at: str = ""  # when it was published (UTC, ISO)
    imports_since: int = 0  # bundles imported after that build (all of them when never built)


def status(ws: Workspace, actor: Actor) -> Status:
    """Counts only, never personal data, so any role may see it."""
    require(actor, "status")
    st = Status(workspace=str(ws.path), database=ws.database_label)
    with ws.engine.connect() as conn:
        st.bundles = [(str(r[0]), str(r[1]), str(r[2])) for r in conn.execute(
            select(Bundle.bundle_id, Bundle.name, Bundle.imported_at).order_by(Bundle.imported_at)
        )]
        for kind in KIND_TABLES:
            for source, n in conn.execute(text(f"SELECT source, COUNT(*) FROM {kind} GROUP BY source ORDER BY source")):
                st.rows[(kind, source)] = int(n)
        for sev, n in conn.execute(select(Quarantine.severity, func.count()).group_by(Quarantine.severity)):
            st.quarantine[sev] = int(n)
        events, days = conn.execute(
            select(func.coalesce(func.sum(LakeFile.rows), 0), func.count()).where(LakeFile.dataset == "comms")
        ).one()
        st.comms_events, st.comms_days = int(events), int(days)
        built = conn.execute(
            select(PictureVersion.version, PictureVersion.built_at).order_by(PictureVersion.version.desc()).limit(1)
        ).first()
        if built is not None:
            st.picture_version, st.built_at = int(built[0]), str(built[1])
        st.imports_since = sum(1 for b in st.bundles if not st.built_at or b[2] > st.built_at)
        head = conn.execute(select(AuditHead.seq, AuditHead.hash)).first()
        if head:
            st.audit_entries, st.audit_head = int(head[0]), head[1]
    return st
