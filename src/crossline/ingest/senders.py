"""Whose records a bundle may write, and what its manifest may say about agencies.

An import is made for one agency (the agency the bundle is from). Its manifest
declares agency ids, but a declaration proves nothing: any file can say
``gwent-police``. So a bundle writes only the records of its own agency and of
the agencies that agency has been explicitly allowed to send for (a data hub
for its partners, a CSP return for a force), and a manifest never changes an
agency the workspace already knows: its name and type change only by an
administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from crossline.contract.manifest import Manifest
from crossline.store.models import Agency, AgencySender


@dataclass(frozen=True)
class AgencyNote:
    """Something the manifest said about an agency that the import did not take."""

    agency_id: str
    field: str
    reason: str


def may_send_for(conn: Connection, from_agency: str) -> frozenset[str]:
    """The sources a bundle from ``from_agency`` may write: its own and those it is allowed to send for."""
    granted = conn.execute(select(AgencySender.for_agency).where(AgencySender.sender == from_agency)).scalars().all()
    return frozenset({from_agency, *granted})


def refusal(from_agency: str, source: str) -> str:
    """The quarantine reason for a feed whose records belong to an agency the bundle may not write for."""
    return (
        f"records of {source} in a bundle imported for {from_agency}, which is not allowed to send for {source}: "
        f"the feed was not imported (an administrator can allow {from_agency} to send for {source})"
    )


def settle_agencies(conn: Connection, manifest: Manifest, allowed: frozenset[str]) -> list[AgencyNote]:
    """Add the manifest's new agencies this bundle may write for; report every declaration not taken.

    A known agency keeps its stored name, type and force area whatever the manifest says.
    """
    known = {a.agency_id: a for a in conn.execute(select(Agency)).all()}
    notes: list[AgencyNote] = []
    for declared in manifest.agency:
        stored = known.get(declared.id)
        if stored is None:
            if declared.id in allowed:
                conn.execute(
                    insert(Agency).values(agency_id=declared.id, name=declared.name, type=declared.type, force_area=declared.force_area)
                )
            else:
                notes.append(AgencyNote(declared.id, "id", "not added: this bundle may not send for this agency"))
            continue
        for field, said, held in (("type", declared.type, stored.type), ("name", declared.name, stored.name)):
            if said != held:
                notes.append(AgencyNote(
                    declared.id, field,
                    f"the manifest gives {field} {said!r} but the workspace holds {held!r}; the workspace's value is kept "
                    f"(only an administrator changes an agency's {field})",
                ))
    return notes
