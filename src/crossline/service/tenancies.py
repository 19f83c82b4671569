"""A housing provider's view: cuckooing concerns at its own tenancies, and what it must do.

Cuckooing (a dealer taking over a vulnerable tenant's home) is reported to the
police, but the landlord is the agency that can act on it: a visit, support
for the tenant, a managed move, a closure order. A housing provider sees a
concern only at an address it holds a record of (its own tenants' homes),
only from reports it may be told of (never one coded ``C``, never the
report's words, its source or who was named in it): the date, its own
tenancy, and the steps. Police standing and the administrator see every
tenancy's concerns with the same steps. Everyone else is refused.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.errors import NotAllowed
from crossline.workspace import Workspace

HOUSING_TYPES = frozenset({"housing"})
WHAT_TO_DO = (
    "Do not confront anyone at the address; if someone is in danger now, call 999.",
    "Visit the tenant with your safeguarding or tenancy-sustainment lead and ask, privately, whether they feel safe at home.",
    "Tell the police neighbourhood team you are acting (quote the date of the concern); agree who visits and when.",
    "Offer support: adult social care, a drug or alcohol service, a managed move or a target-hardening visit (locks, door entry).",
    "Record what you did; if the takeover continues, discuss a closure order or an injunction with the police.",
)
CONCERN = "a report that this home may have been taken over for drug dealing (cuckooing)"


def _postcode(value: str | None) -> str:
    return re.sub(r"\s+", "", (value or "").upper())


def _house(address: str | None) -> str:
    """The first number of an address (the flat or house), or '' when it gives none."""
    found = re.search(r"\d+[a-z]?", (address or "").lower())
    return found.group(0) if found else ""


def cuckooing_concerns(ws: Workspace, actor: Actor) -> list[dict[str, Any]]:
    """Cuckooing concerns at the actor's agency's tenancies (every housing provider's, for police standing), newest first."""
    who = viewer(ws.engine, actor)
    require(who, "tenancy_concerns")
    if who.standing == "partner" and who.agency_type not in HOUSING_TYPES:
        raise NotAllowed(f"{actor} may not see tenancy concerns: they are for housing providers (their own tenancies) and the police")
    everyone = who.standing in ("admin", "police")
    with ws.engine.begin() as conn:
        tenancies = conn.execute(text(
            "SELECT p.source, p.address, p.postcode FROM persons p JOIN agencies a ON a.agency_id = p.source "
            "WHERE a.type = 'housing' AND p.postcode IS NOT NULL" + ("" if everyone else " AND p.source = :agency")),
            {"agency": actor.agency}).all()
        homes: dict[str, list[tuple[str, str, str]]] = {}
        for source, address, postcode in tenancies:
            homes.setdefault(_postcode(postcode), []).append((source, address or "", postcode))
        reports = conn.execute(text(
            "SELECT record_id, source, occurred_at, address, postcode, handling_code FROM events "
            "WHERE event_type = 'cuckooing_report' AND postcode IS NOT NULL ORDER BY occurred_at DESC")).all()
        out: list[dict[str, Any]] = []
        for rep in reports:
            if (rep.handling_code or "").upper() == "C" and not everyone:
                continue  # shared only under conditions a housing provider cannot be shown
            for source, address, postcode in homes.get(_postcode(rep.postcode), []):
                if _house(rep.address) and _house(address) and _house(rep.address) != _house(address):
                    continue  # another home in the same postcode
                row: dict[str, Any] = {"tenancy": f"{address}, {postcode}".strip(", "), "housing_provider": source,
                                       "reported_on": str(rep.occurred_at)[:10], "concern": CONCERN, "what_to_do": list(WHAT_TO_DO)}
                if everyone:
                    row["report"] = f"{rep.source}:{rep.record_id}"
                out.append(row)
        audit.record(conn, actor, "read_tenancy_concerns", actor.agency, {"rows": len(out)})
    return out
