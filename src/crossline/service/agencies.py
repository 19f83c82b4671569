"""Agencies and who may send records for whom: changed only by an administrator, and audited.

A bundle's manifest cannot change a known agency or grant itself the right to
write another agency's records (crossline.ingest.senders); these functions are
the only way to, and each change is an audit entry naming who made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.contract.enums import AGENCY_TYPE_NAMES, AGENCY_TYPES
from crossline.errors import Conflict, InvalidInput, NotFound
from crossline.ingest.bundle import read_manifest
from crossline.store.models import Agency, AgencySender
from crossline.workspace import Workspace


@dataclass
class AgencyInfo:
    agency_id: str
    name: str
    type: str
    force_area: str | None
    sends_for: list[str] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        """The type in words (``housing`` -> housing provider); the code itself is the contract's and never changes."""
        return AGENCY_TYPE_NAMES.get(self.type, self.type)


def _check_id(agency_id: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", agency_id or ""):
        raise InvalidInput(f"{agency_id!r} is not an agency id (lower-case letters, digits and hyphens)", next_step="list_agencies")
    return agency_id


def list_agencies(ws: Workspace, actor: Actor) -> list[AgencyInfo]:
    """Every agency the workspace knows, and the agencies each may send records for (granted ones too, before their first bundle)."""
    require(actor, "manage_agencies")
    with ws.engine.connect() as conn:
        agencies = {a.agency_id: AgencyInfo(a.agency_id, a.name, a.type, a.force_area) for a in conn.execute(select(Agency)).all()}
        for sender, for_agency in conn.execute(select(AgencySender.sender, AgencySender.for_agency).order_by(AgencySender.for_agency)).all():
            info = agencies.setdefault(sender, AgencyInfo(sender, "(no bundle yet)", "-", None))
            info.sends_for.append(for_agency)
    return sorted(agencies.values(), key=lambda a: a.agency_id)


def _check_type(agency_type: str) -> str:
    if agency_type not in AGENCY_TYPES:
        kinds = ", ".join(f"{code} ({AGENCY_TYPE_NAMES[code]})" for code in sorted(AGENCY_TYPES))
        raise InvalidInput(f"unknown agency type {agency_type!r}; expected one of {kinds}")
    return agency_type


def add_agency(ws: Workspace, actor: Actor, agency_id: str, name: str, agency_type: str, force_area: str | None = None) -> AgencyInfo:
    """Add an agency (a tenant of the service) before its first bundle or user, with the type that decides its standing.

    The type is what need-to-know reads (a business only reports concerns;
    transport police hold police standing), so it is set here by an
    administrator, audited, and never by a bundle.
    """
    require(actor, "manage_agencies")
    _check_id(agency_id)
    _check_type(agency_type)
    name = (name or "").strip() or agency_id
    with ws.engine.begin() as conn:
        if conn.execute(select(Agency.agency_id).where(Agency.agency_id == agency_id)).first() is not None:
            raise Conflict(f"agency {agency_id!r} already exists; change its type with set-type", next_step="list_agencies")
        conn.execute(insert(Agency).values(agency_id=agency_id, name=name, type=agency_type, force_area=force_area or None))
        audit.record(conn, actor, "add_agency", agency_id, {"name": name, "type": agency_type, "force_area": force_area})
    return AgencyInfo(agency_id, name, agency_type, force_area or None)


def allow_sender(ws: Workspace, actor: Actor, sender: str, for_agencies: list[str]) -> list[str]:
    """Let ``sender``'s bundles write records of each of ``for_agencies``; returns the grants that are new."""
    require(actor, "manage_agencies")
    _check_id(sender)
    wanted = sorted({_check_id(a) for a in for_agencies} - {sender})
    if not wanted:
        raise InvalidInput("name at least one other agency the sender may send for", next_step="list_agencies")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with ws.engine.begin() as conn:
        held = set(conn.execute(select(AgencySender.for_agency).where(AgencySender.sender == sender)).scalars().all())
        new = [a for a in wanted if a not in held]
        for agency in new:
            conn.execute(insert(AgencySender).values(sender=sender, for_agency=agency, granted_by=str(actor), granted_at=now))
        audit.record(conn, actor, "allow_sender", sender, {"for": new})
    return new


def allow_sender_for_bundle(ws: Workspace, actor: Actor, sender: str, bundle: Path) -> list[str]:
    """Let ``sender`` send for every agency a bundle's manifest declares: an administrator's explicit trust in a hub's bundle.

    The manifest is read under the import's guards (nothing unpacked); the
    grants, not the manifest, are what a later import checks.
    """
    require(actor, "manage_agencies")
    declared = [a.id for a in read_manifest(Path(bundle), ws.settings.imports).agency if a.id != sender]
    return allow_sender(ws, actor, sender, declared) if declared else []


def revoke_sender(ws: Workspace, actor: Actor, sender: str, for_agency: str) -> None:
    """Stop ``sender``'s bundles writing records of ``for_agency``; records already written stay, with their provenance."""
    require(actor, "manage_agencies")
    with ws.engine.begin() as conn:
        gone = conn.execute(
            delete(AgencySender).where(AgencySender.sender == sender, AgencySender.for_agency == for_agency)
        ).rowcount
        if not gone:
            raise NotFound(f"{sender} is not allowed to send for {for_agency}", next_step="list_agencies")
        audit.record(conn, actor, "revoke_sender", sender, {"for": for_agency})


def set_type(ws: Workspace, actor: Actor, agency_id: str, agency_type: str, name: str | None = None) -> AgencyInfo:
    """Change an agency's type (and, if given, its name): the one way either changes once the agency is known."""
    require(actor, "manage_agencies")
    _check_type(agency_type)
    with ws.engine.begin() as conn:
        row = conn.execute(select(Agency).where(Agency.agency_id == agency_id)).first()
        if row is None:
            raise NotFound(f"no agency {agency_id!r}", next_step="list_agencies")
        before = {"type": row.type, "name": row.name}
        after = {"type": agency_type, "name": name if name else row.name}
        conn.execute(update(Agency).where(Agency.agency_id == agency_id).values(**after))
        audit.record(conn, actor, "set_agency_type", agency_id, {"before": before, "after": after})
    return AgencyInfo(agency_id, after["name"], after["type"], row.force_area)
