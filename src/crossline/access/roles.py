"""The service's roles, and which agency types may hold each.

A named user has one service role at one agency. The role decides which
operations are open (the permission table in policy.py, through the actor
role it maps to); the agency's type decides which records the user may know
(need-to-know). A role held at an agency of the wrong type is refused when the
user is created, so a school cannot be given a police analyst.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossline.access.actor import Role
from crossline.errors import InvalidInput

POLICE_TYPES = frozenset({"police", "transport_police"})
NATIONAL_TYPES = frozenset({"nca"})
PARTNER_TYPES = frozenset({"education", "health", "youth_service", "charity", "housing", "telecoms", "other"})
BUSINESS_TYPES = frozenset({"business"})


@dataclass(frozen=True)
class ServiceRole:
    name: str
    actor_role: Role
    agency_types: frozenset[str]  # empty: any agency type
    what: str


SERVICE_ROLES: dict[str, ServiceRole] = {r.name: r for r in (
    ServiceRole("police_analyst", "analyst", POLICE_TYPES, "force or regional intelligence analyst: lines, networks, risk with its intelligence"),
    ServiceRole("police_officer", "officer", POLICE_TYPES, "officer: person profiles, alerts and casework for their force, no bulk exports"),
    ServiceRole("national_analyst", "analyst", NATIONAL_TYPES, "NCA / NCLCC analyst: the national picture across forces"),
    ServiceRole("safeguarding_lead", "safeguarding", frozenset({"local_authority"}), "council safeguarding lead: risk in plain words, referrals, NRM"),
    ServiceRole("practitioner", "partner", PARTNER_TYPES | frozenset({"local_authority"}),
                "partner practitioner (school, health, youth service, charity, housing): their safeguarding inbox"),
    ServiceRole("reporter", "partner", BUSINESS_TYPES,
                "a business (hotel chain, taxi firm, rail operator): reports concerns and sees what it reported, nothing else"),
    ServiceRole("coordinator", "coordinator", POLICE_TYPES | NATIONAL_TYPES, "operations coordinator: intensification weeks, national returns, counts"),
    ServiceRole("auditor", "auditor", frozenset(), "auditor: reads and verifies the audit log, nothing else"),
    ServiceRole("admin", "admin", frozenset(), "administrator: users, agencies, imports and builds"),
)}


def service_role(name: str) -> ServiceRole:
    try:
        return SERVICE_ROLES[name]
    except KeyError:
        raise InvalidInput(f"unknown role {name!r}; roles are: {', '.join(SERVICE_ROLES)}") from None


def check_role_for_agency(role: str, agency_type: str) -> ServiceRole:
    """The role, if an agency of this type may hold it; else InvalidInput naming the types that may."""
    r = service_role(role)
    if r.agency_types and agency_type not in r.agency_types:
        raise InvalidInput(f"an agency of type {agency_type!r} cannot hold the role {role!r} (only {', '.join(sorted(r.agency_types))})")
    return r
