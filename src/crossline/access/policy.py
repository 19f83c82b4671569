"""Which roles may do what, and which of those need police or national standing. Checked by the service layer before it acts.

Roles decide the verbs (``PERMISSIONS``); the actor's agency type decides the
standing (crossline.access.need_to_know): the permissions in ``POLICE_ONLY``
hand out police intelligence, comms or other agencies' record ids, so an
analyst of a school or a council is refused them whatever their role says.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from crossline.access.actor import Actor
from crossline.access.need_to_know import Standing, Viewer
from crossline.errors import NotAllowed

PERMISSIONS: dict[str, frozenset[str]] = {
    "import": frozenset({"admin"}),
    "build": frozenset({"admin", "analyst"}),
    "export": frozenset({"admin", "analyst"}),
    "status": frozenset({"admin", "analyst", "auditor", "safeguarding", "partner", "officer", "coordinator"}),
    "read_person": frozenset({"admin", "analyst", "officer"}),  # one record; need_to_know.can_see_record decides which
    "read_quarantine": frozenset({"admin", "analyst"}),
    "review_matches": frozenset({"admin", "analyst"}),  # see and decide borderline record pairs
    "match_record": frozenset({"admin", "analyst", "safeguarding", "officer"}),  # "is this child known?" (detail by standing)
    "read_lines": frozenset({"admin", "analyst"}),  # deal lines, successions, comms evidence
    "ddtro": frozenset({"admin", "analyst"}),  # evidence packs and DDTRO casework
    "read_risk": frozenset({"admin", "analyst"}),  # risk list and detail with the records behind each reason
    "read_suspect_status": frozenset({"admin", "analyst", "safeguarding", "officer"}),  # police events a child is a suspect in
    "safeguarding_view": frozenset({"admin", "analyst", "safeguarding", "partner", "officer"}),  # at risk and why, in plain words (need to know)
    "refer": frozenset({"admin", "analyst", "safeguarding", "officer"}),  # refer a young person to a partner
    "partner_casework": frozenset({"admin", "safeguarding", "partner"}),  # accept/decline referrals, interventions, outcomes
    "nrm": frozenset({"admin", "analyst", "safeguarding", "officer"}),  # first responders: NRM referrals and decisions
    "read_alerts": frozenset({"admin", "analyst", "safeguarding", "partner", "officer", "coordinator"}),
    "what_works": frozenset({"admin", "analyst"}),  # evaluation of programmes (aggregates)
    "verify_audit": frozenset({"admin", "auditor"}),
    "read_audit": frozenset({"admin", "auditor"}),
    "manage_users": frozenset({"admin"}),  # users, API tokens
    "search": frozenset({"admin", "analyst", "officer", "safeguarding", "partner"}),  # find people by name, number or id (under need-to-know)
    "triage_reports": frozenset({"admin", "analyst", "officer"}),  # the police triage queue of anonymous reports
    "jobs": frozenset({"admin", "analyst"}),  # see import and build jobs
    "manage_agencies": frozenset({"admin"}),  # agency types and names, who may send for whom
    "report_concern": frozenset({"admin", "partner"}),  # a named agency (a business) reports a concern for police triage
    "my_reports": frozenset({"admin", "partner"}),  # the concerns one's own agency reported, and where they stand
    "tenancy_concerns": frozenset({"admin", "analyst", "officer", "partner"}),  # cuckooing at a housing provider's tenancies
}

POLICE_ONLY: dict[str, frozenset[Standing]] = {
    "build": frozenset({"admin", "police"}),  # a build reads every agency's records
    "export": frozenset({"admin", "police"}),  # the exports carry every agency's records and police lines
    "triage_reports": frozenset({"admin", "police"}),  # anonymous reports are untested police intelligence
    "jobs": frozenset({"admin", "police"}),  # jobs name bundles and builds of every agency
    "read_quarantine": frozenset({"admin", "police"}),  # raw rejected values of every agency
    "review_matches": frozenset({"admin", "police"}),  # pairs of records of every agency, with their fields
    "read_lines": frozenset({"admin", "police"}),
    "ddtro": frozenset({"admin", "police"}),
    "read_risk": frozenset({"admin", "police"}),  # the records and intelligence behind each reason
    "read_suspect_status": frozenset({"admin", "police"}),
}

REPORTER_MAY = frozenset({"status", "report_concern", "my_reports"})
"""All a ``reporter`` (a business) may do, whatever its role: report concerns and see what it reported."""


def viewer(db: Engine | Connection, actor: Actor) -> Viewer:
    """The actor with their agency's type, as the workspace records it (None for an agency it does not know)."""
    sql = text("SELECT type FROM agencies WHERE agency_id = :a")
    if isinstance(db, Engine):
        with db.connect() as conn:
            agency_type = conn.execute(sql, {"a": actor.agency}).scalar()
    else:
        agency_type = db.execute(sql, {"a": actor.agency}).scalar()
    return Viewer(actor, agency_type)


def require(who: Actor | Viewer, permission: str) -> None:
    """Raise NotAllowed unless the actor's role allows ``permission`` and, for ``POLICE_ONLY`` ones, their standing does.

    A bare Actor has no agency type, so it passes a police-only check only as an administrator: fail closed.
    """
    actor = who.actor if isinstance(who, Viewer) else who
    allowed = PERMISSIONS[permission]
    if actor.role not in allowed:
        raise NotAllowed(
            f"{actor} may not {permission.replace('_', ' ')}; ask someone with the role "
            f"{' or '.join(sorted(allowed))}"
        )
    have = who.standing if isinstance(who, Viewer) else ("admin" if actor.role == "admin" else None)
    if have == "reporter" and permission not in REPORTER_MAY:
        raise NotAllowed(f"{actor} may not {permission.replace('_', ' ')}: a business reports concerns and sees what it reported, nothing more")
    standings = POLICE_ONLY.get(permission)
    if standings is None:
        return
    if have not in standings:
        raise NotAllowed(
            f"{actor} may not {permission.replace('_', ' ')}: it shows police information, for police and national "
            "agencies only; ask the police safeguarding lead"
        )


def permissions_markdown() -> str:
    """The permission table as docs/need-to-know.md shows it (a test keeps the page and this table the same)."""
    lines = ["| permission | roles | standing needed |", "| --- | --- | --- |"]
    for name, roles in PERMISSIONS.items():
        standings = POLICE_ONLY.get(name)
        anyone = "any" if name in REPORTER_MAY else "any but reporter"
        lines.append(f"| `{name}` | {', '.join(sorted(roles))} | {', '.join(sorted(standings)) if standings else anyone} |")
    return "\n".join(lines)
