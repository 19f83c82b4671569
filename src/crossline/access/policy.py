"""Which roles may do what. One table, checked by the service layer before it acts."""

from __future__ import annotations

from crossline.access.actor import Actor
from crossline.errors import NotAllowed

PERMISSIONS: dict[str, frozenset[str]] = {
    "import": frozenset({"admin"}),
    "build": frozenset({"admin", "analyst"}),
    "export": frozenset({"admin", "analyst"}),
    "status": frozenset({"admin", "analyst", "auditor", "safeguarding", "partner", "officer", "coordinator"}),
    "read_person": frozenset({"admin", "analyst", "officer"}),
    "read_quarantine": frozenset({"admin", "analyst"}),
    "review_matches": frozenset({"admin", "analyst"}),  # see and decide borderline record pairs
    "match_record": frozenset({"admin", "analyst", "safeguarding", "officer"}),  # "is this child known?"
    "read_lines": frozenset({"admin", "analyst"}),  # deal lines, successions, comms evidence
    "ddtro": frozenset({"admin", "analyst"}),  # evidence packs and DDTRO casework
    "read_risk": frozenset({"admin", "analyst"}),  # risk list and detail with the records behind each reason
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
}


def require(actor: Actor, permission: str) -> None:
    """Raise NotAllowed, naming the roles that may, unless the actor's role allows ``permission``."""
    allowed = PERMISSIONS[permission]
    if actor.role not in allowed:
        raise NotAllowed(
            f"{actor} may not {permission.replace('_', ' ')}; ask someone with the role "
            f"{' or '.join(sorted(allowed))}"
        )
