"""Need to know: who may know which young person and see which record, from the actor's role, agency and agency type.

Pure and table-driven, so the service layer, the CLI and the multi-agency web
service all ask the same questions and get the same answers:

- ``standing(actor, agency_type)``: the actor's place in the tables below
  (``admin``, ``police``, ``partner`` or ``auditor``);
- ``can_see_record(viewer, record)``: may this viewer open this one record
  (a person, an event, a link, comms), given its owning agency, kind and
  handling code;
- ``visible_agencies(viewer, agencies)``: whose records the viewer may open
  at record level (handling codes still apply per record);
- ``knows_child(viewer, holders, addressed)``: may this viewer know that a
  young person exists at all (the safeguarding view, referrals, NRM);
- ``disclosure(viewer)``: how much of "is this child known?" they are told.

Nothing here reads the database: the caller says what the agency type is and
who holds what (crossline.access.policy.viewer looks the type up). A record or
child that is not visible must be reported as not found, never as not
allowed, so a refusal does not reveal that it exists (``NotFound``).

docs/need-to-know.md renders these tables; a test keeps the page and the code the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from crossline.access.actor import Actor

Standing = Literal["admin", "police", "partner", "reporter", "auditor"]
STANDINGS: tuple[Standing, ...] = ("admin", "police", "partner", "reporter", "auditor")

POLICE_TYPES = frozenset({"police", "nca", "transport_police"})
"""Agency types whose analysts and safeguarding leads hold police and national standing."""

REPORTER_TYPES = frozenset({"business"})
"""Agency types that only report concerns (a hotel chain, a taxi firm, a rail operator) and see what they reported."""

POLICE_ROLES = frozenset({"analyst", "safeguarding", "officer"})
"""Roles that, in a police or national agency, carry police standing (a police ``partner`` account has partner standing)."""

RECORD_KINDS = ("person", "event", "link", "comms")
INTELLIGENCE_EVENTS = frozenset({"intelligence"})
"""Event types that are police intelligence: never opened by anyone without police standing but their owner."""


@dataclass(frozen=True)
class Rule:
    """What one standing may do."""

    own_records: bool  # open its own agency's records
    foreign_kinds: frozenset[str]  # kinds of other agencies' records it may open
    intelligence: bool  # open other agencies' police intelligence and comms
    every_child: bool  # know any young person (else, with ``held_children``, those its agency holds or was sent)
    held_children: bool  # know the young people its agency holds a record of or was sent something about
    conditional: bool  # open other agencies' C-coded records (shown with their conditions)
    known_detail: bool  # "is this child known?" with nominal ids, record ids and field-by-field reasons
    suspect_status: bool  # see whether a child is a suspect in police events
    why: str


RULES: dict[Standing, Rule] = {
    "admin": Rule(True, frozenset(RECORD_KINDS), True, True, True, True, True, True,
                  "The workspace's administrator holds the database itself; every read is still audited."),
    "police": Rule(True, frozenset(RECORD_KINDS), True, True, True, True, True, True,
                   "Police and national (NCA) analysts and safeguarding leads: the intelligence is theirs to assess."),
    "partner": Rule(True, frozenset(), False, False, True, False, False, False,
                    "Councils, schools, health, housing, charities, telecoms (any role): their own records, and the "
                    "safeguarding view of children their agency works with, in plain words."),
    "reporter": Rule(True, frozenset(), False, False, False, False, False, False,
                     "Businesses (a hotel chain, a taxi firm, a rail operator): they report concerns and see what they "
                     "reported, nothing else: no young person, no alert, no search."),
    "auditor": Rule(False, frozenset(), False, False, False, False, False, False,
                    "Auditors read and verify the audit log, not the records it is about."),
}


@dataclass(frozen=True)
class Viewer:
    """An actor with the type of their agency (None: an agency Crossline has no record of, or the local administrator)."""

    actor: Actor
    agency_type: str | None

    @property
    def standing(self) -> Standing:
        return standing(self.actor, self.agency_type)

    @property
    def rule(self) -> Rule:
        return RULES[self.standing]


@dataclass(frozen=True)
class RecordRef:
    """What the policy needs to know about one record: who owns it, what it is, and its handling code."""

    owner: str  # the source agency
    kind: str  # person | event | link | comms
    event_type: str | None = None
    handling_code: str | None = None  # P, C or None (treated as P)
    handling_conditions: str | None = None


def standing(actor: Actor, agency_type: str | None) -> Standing:
    """The actor's standing: by role first (administrator, auditor), then by the type of their agency."""
    if actor.role == "admin":
        return "admin"
    if actor.role == "auditor":
        return "auditor"
    if agency_type in REPORTER_TYPES:
        return "reporter"
    if actor.role in POLICE_ROLES and agency_type in POLICE_TYPES:
        return "police"
    return "partner"


def is_conditional(record: RecordRef) -> bool:
    """Handling code C: shared only under its conditions; C without conditions is not shareable beyond its owner."""
    return (record.handling_code or "").upper() == "C"


def can_see_record(viewer: Viewer, record: RecordRef) -> bool:
    """May ``viewer`` open ``record``? Their own agency's records always (but auditors); others' as their standing allows."""
    rule = viewer.rule
    if record.owner == viewer.actor.agency:
        return rule.own_records
    if record.kind not in rule.foreign_kinds:
        return False
    if (record.kind == "comms" or record.event_type in INTELLIGENCE_EVENTS) and not rule.intelligence:
        return False
    if is_conditional(record):
        return rule.conditional and bool((record.handling_conditions or "").strip())
    return True


def visible_agencies(viewer: Viewer, agencies: Iterable[str]) -> frozenset[str]:
    """The agencies (of ``agencies``) whose records the viewer may open at record level; handling codes still apply per record."""
    rule = viewer.rule
    own = {viewer.actor.agency} if rule.own_records else set()
    return frozenset(a for a in agencies if a in own or bool(rule.foreign_kinds))


def knows_child(viewer: Viewer, holders: Iterable[str], addressed: Iterable[str]) -> bool:
    """May the viewer know this young person? ``holders``: agencies holding a record of them (or responsible for them);
    ``addressed``: agencies a referral or an alert about them was sent to.

    A referral the viewer's agency *made* is not in either: making a referral
    must not unlock a child the agency did not already know.
    """
    rule = viewer.rule
    if rule.every_child:
        return True
    if not rule.held_children:
        return False
    return viewer.actor.agency in set(holders) | set(addressed)


Disclosure = Literal["detail", "summary"]


def disclosure(viewer: Viewer) -> Disclosure:
    """How much of "is this child known?" the viewer is told: ``detail`` (candidates, record ids, field-by-field reasons)
    or ``summary`` (known or not, which types of agency hold records, what to do next)."""
    return "detail" if viewer.rule.known_detail else "summary"


def holder_types(holders: Iterable[str], agency_types: Mapping[str, str]) -> list[str]:
    """The kinds of agency holding records (what a summary may say), never which agency or which record."""
    return sorted({agency_types.get(a, "other") for a in holders})


def may_see_suspect_status(viewer: Viewer) -> bool:
    return viewer.rule.suspect_status


def rules_markdown() -> str:
    """The standings table as docs/need-to-know.md shows it (a test keeps the page and this table the same)."""
    yes = {True: "yes", False: "no"}
    lines = [
        "| standing | own records | other agencies' records | police intelligence and comms | C-coded records of others "
        "| which children | \"is this child known?\" | suspect status | who |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in RULES.items():
        lines.append(
            f"| `{name}` | {yes[r.own_records]} | {', '.join(k for k in RECORD_KINDS if k in r.foreign_kinds) or 'none'} "
            f"| {yes[r.intelligence]} | {'with their conditions' if r.conditional else 'no'} "
            f"| {'any' if r.every_child else ('those their agency holds or was sent' if r.held_children else 'none')} "
            f"| {'detail' if r.known_detail else 'summary'} | {yes[r.suspect_status]} | {r.why} |"
        )
    return "\n".join(lines)
