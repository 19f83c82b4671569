"""Test data for the risk tests: a hand-made bundle where each child carries one indicator, and the helpers that build it.

The fixtures themselves (``hand_ws``, ``sim_ws``) are in conftest.py beside this file.

Nominals come from a fixture, not the resolve stage: in the hand bundle a
person's record id is the same in every source (``C05`` at the police and at
the school are one child, nominal ``N-C05``); in the simulation, nominals are
the truth's person ids. This isolates the risk stage from resolution errors
(the accuracy benchmark also runs through the real resolve stage when it is
installed).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from crossline.access.actor import LOCAL_ADMIN
from crossline.evaluate.truth import build_risk_with
from crossline.store import picture as picture_store
from crossline.workspace import Workspace
from helpers import import_as_hub

POLICE, MERSEY, COUNCIL, SCHOOL, HEALTH, CSP = "gwent-police", "merseyside-police", "gv-council", "v-school", "g-health", "csp"
AGENCIES = {
    POLICE: ("police", "gwent"), MERSEY: ("police", "merseyside"), COUNCIL: ("local_authority", "gwent"),
    SCHOOL: ("education", "gwent"), HEALTH: ("health", "gwent"), CSP: ("telecoms", "gwent"),
}
DOB_15 = "2011-03-01"  # 15 on 31 October 2026, when the hand bundle's data end
LINE, RUNNER = "+447710000900", "+447710000901"
EVENT_COLS = ("record_id", "event_type", "occurred_at", "ended_at", "postcode", "force_area", "summary", "phone", "address",
              "source_eval", "intel_assessment", "handling_code", "handling_conditions", "programme")
PERSON_COLS = ("record_id", "given_name", "family_name", "date_of_birth", "sex", "address", "town", "postcode", "phone")
INTEL_TEXT = "Subject seen collecting a package from the Orchid line holder at the bus stop"


@dataclass
class Child:
    """One young person of the hand bundle and the records that give them one indicator."""

    cid: str
    indicator: str | None  # the indicator these records should raise (None: the baseline)
    words: str = ""  # a phrase the reasons must contain
    dob: str = DOB_15
    sex: str = "M"
    phone: str = ""
    address: str = "1 Baseline Road"
    postcode: str = "NP44 1AA"


def _csv(rows: list[dict[str, str]], cols: tuple[str, ...]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(cols), extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return out.getvalue()


CHILDREN: tuple[Child, ...] = (
    Child("C00", None),
    Child("C01", "missing_episode", "reported missing once"),
    Child("C02", "missing_long", "missing for a day or more"),
    Child("C03", "missing_repeat", "3 or more times in 90 days"),
    Child("C04", "out_of_area_hub_market", "county lines hub"),
    Child("C05", "stop_search_finds", "cash, drugs or several phones"),
    Child("C06", "stop_search", "nothing found"),
    Child("C07", "arrest_supply_weapons", "drug supply or a weapon"),
    Child("C08", "arrest_other", "another offence"),
    Child("C09", "seizure", "seizure"),
    Child("C10", "cuckooing_suspect", "cuckooing report"),
    Child("C12", "cuckooed_address", "reported as cuckooed"),
    Child("C13", "exclusion_permanent", "permanently excluded"),
    Child("C14", "exclusion", "excluded from school"),
    Child("C15", "absence", "persistently absent"),
    Child("C16", "absence_illness", "absent from school through illness"),
    Child("C17", "ae_injury", "stab wound, assault or unexplained injury"),
    Child("C19", "concern_exploitation", "exploitation concerns"),
    Child("C20", "nrm_referral", "National Referral Mechanism"),
    Child("C21", "intelligence", "police intelligence"),
    Child("C22", "group_association", "member(s) of a criminal group"),
    Child("C24", "line_contact", "deal line number", phone="+447710000024"),
    Child("C25", "runner_contact", "runner number", phone="+447710000025"),
    Child("C26", "runner_number", "acting as a runner", phone=RUNNER),
    Child("C27", "ace_domestic_abuse", "domestic abuse"),
    Child("C28", "ace_domestic_abuse", "domestic abuse", address="28 Home Lane", postcode="NP44 2BB"),
    Child("C29", "ace_parent_custody", "remanded or in custody"),
    Child("C30", "ace_parental_substance", "parental substance misuse"),
    Child("C31", "ace_neglect", "neglect"),
    Child("C32", "ace_care", "in or leaving care"),
    Child("C33", "age_young", "aged 12", dob="2014-01-10"),
    Child("C34", None, dob="2004-01-10"),  # 22: no age points, nothing else
    Child("C35", "stop_search_finds", "cash, drugs or several phones", sex="F"),  # C05's twin but female
    Child("C36", "missing_episode", "reported missing once"),  # like C01, six months earlier
    Child("C40", "missing_episode", "reported missing"),  # many indicators: high risk
)


def hand_bundle(root: Path, extra_events: list[dict[str, str]] | None = None, extra_people: list[dict[str, str]] | None = None) -> Path:
    """Write the hand bundle (feeds per source) and return its folder."""
    from helpers import write_bundle

    persons: dict[str, list[dict[str, str]]] = {a: [] for a in AGENCIES}
    events: dict[str, list[dict[str, str]]] = {a: [] for a in AGENCIES}
    people: dict[str, list[dict[str, str]]] = {a: [] for a in AGENCIES}
    links: dict[str, list[dict[str, str]]] = {a: [] for a in AGENCIES}
    n = 0

    def person(src: str, rid: str, dob: str = DOB_15, sex: str = "M", phone: str = "", address: str = "1 Baseline Road",
               postcode: str = "NP44 1AA") -> None:
        if not any(p["record_id"] == rid for p in persons[src]):
            persons[src].append({"record_id": rid, "given_name": f"Given{rid}", "family_name": f"Family{rid}", "date_of_birth": dob,
                                 "sex": sex, "address": address, "town": "Cwmbran", "postcode": postcode, "phone": phone})

    def event(src: str, etype: str, when: str, who: list[tuple[str, str]], **extra: str) -> str:
        nonlocal n
        n += 1
        rid = f"E{n:03d}"
        events[src].append({"record_id": rid, "event_type": etype, "occurred_at": when, **extra})
        for pid, role in who:
            person(src, pid)
            people[src].append({"event_id": rid, "person_id": pid, "role": role})
        return rid

    for c in CHILDREN:
        person(SCHOOL, c.cid, c.dob, c.sex, c.phone, c.address, c.postcode)
        person(POLICE, c.cid, c.dob, c.sex, c.phone, c.address, c.postcode)
    miss = {"summary": "Did not return home.", "postcode": "NP44 1AA", "force_area": "gwent"}
    event(POLICE, "missing_episode", "2026-10-20T20:00:00Z", [("C01", "missing_person")], ended_at="2026-10-21T02:00:00Z", **miss)
    event(POLICE, "missing_episode", "2026-10-10T20:00:00Z", [("C02", "missing_person")], ended_at="2026-10-12T20:00:00Z", **miss)
    for day in ("2026-09-01", "2026-09-20", "2026-10-05"):
        event(POLICE, "missing_episode", f"{day}T20:00:00Z", [("C03", "missing_person")], ended_at=f"{day}T23:00:00Z", **miss)
    event(MERSEY, "found_out_of_area", "2026-10-15T12:00:00Z", [("C04", "subject")], postcode="L1 8JQ", force_area="merseyside",
          summary="Found at a flat with older males.")
    event(POLICE, "stop_search", "2026-10-18T16:00:00Z", [("C05", "subject")], summary="Searched; two phones and £300 cash.")
    event(POLICE, "stop_search", "2026-10-18T16:00:00Z", [("C35", "subject")], summary="Searched; two phones and £300 cash.")
    event(POLICE, "stop_search", "2026-10-18T16:00:00Z", [("C06", "subject")], summary="Searched; nothing found.")
    event(POLICE, "arrest", "2026-10-18T16:00:00Z", [("C07", "subject")], summary="Arrested: possession with intent to supply class A drugs.")
    event(POLICE, "arrest", "2026-10-18T16:00:00Z", [("C08", "subject")], summary="Arrested: shoplifting.")
    event(POLICE, "drug_seizure", "2026-10-18T16:00:00Z", [("C09", "suspect")], summary="Wraps seized.")
    person(POLICE, "A11", dob="1986-05-05", address="12 High Street", postcode="NP20 1AB")
    event(POLICE, "cuckooing_report", "2026-10-10T10:00:00Z", [("C10", "suspect"), ("A11", "victim")],
          address="12 High Street", postcode="NP20 1AB", summary="Flat taken over by dealers.")
    links[POLICE].append({"left": "person:C12", "relation": "frequents", "right": "address:NP20 1AB|12 High St", "observed_at": "2026-10-11"})
    for cid, etype, text in (("C13", "school_exclusion", "Permanent exclusion: carrying a knife."),
                             ("C14", "school_exclusion", "Fixed-term exclusion: disruption."),
                             ("C15", "persistent_absence", "Attendance 60%; unauthorised absences."),
                             ("C16", "persistent_absence", "Attendance 85%: long-term illness.")):
        event(SCHOOL, etype, "2026-10-14", [(cid, "pupil")], summary=text)
    person(HEALTH, "C17")
    event(HEALTH, "ae_attendance", "2026-10-16T03:00:00+01:00", [("C17", "patient")], summary="Stab wound to the thigh.")
    person(HEALTH, "C00")
    event(HEALTH, "ae_attendance", "2026-10-16T03:00:00+01:00", [("C00", "patient")], summary="Asthma attack.")  # not an indicator
    person(COUNCIL, "C19")
    event(COUNCIL, "safeguarding_referral", "2026-10-01", [("C19", "subject")], summary="Concerns of child criminal exploitation.",
          handling_code="C", handling_conditions="Children's services consent needed.")
    event(POLICE, "nrm_referral", "2026-10-02T10:00:00Z", [("C20", "subject")], summary="NRM referral made.")
    event(POLICE, "intelligence", "2026-10-03T10:00:00Z", [("C21", "subject")], summary=INTEL_TEXT,
          source_eval="2", intel_assessment="B", handling_code="P")
    person(POLICE, "X22", dob="1990-01-01")
    person(POLICE, "X23", dob="1985-01-01")
    links[POLICE] += [
        {"left": "person:C22", "relation": "associate_of", "right": "person:X22", "observed_at": "2026-10-01"},
        {"left": "person:X23", "relation": "controls", "right": "person:X22", "observed_at": "2026-10-01"},
    ]
    person(POLICE, "P27", dob="1980-01-01")
    links[POLICE].append({"left": "person:C27", "relation": "family_of", "right": "person:P27", "observed_at": "2026-06-01"})
    event(POLICE, "domestic_abuse", "2026-10-04T22:00:00Z", [("P27", "victim")], summary="Domestic incident.", postcode="NP44 9ZZ",
          address="27 Other Road")
    event(POLICE, "domestic_abuse", "2026-10-04T22:00:00Z", [], summary="Domestic incident.", postcode="NP44 2BB", address="28 Home Lane")
    person(POLICE, "P29", dob="1980-01-01")
    links[POLICE].append({"left": "person:P29", "relation": "family_of", "right": "person:C29", "observed_at": "2026-06-01"})
    event(POLICE, "arrest", "2026-10-04T22:00:00Z", [("P29", "subject")], summary="Arrested for burglary; remanded in custody.")
    for cid, etype, text in (("C30", "safeguarding_referral", "Concerns about parental substance misuse."),
                             ("C31", "safeguarding_referral", "Neglect concerns raised by school."),
                             ("C32", "care_placement", "Placed with foster carers.")):
        person(COUNCIL, cid)
        event(COUNCIL, etype, "2026-10-05", [(cid, "subject")], summary=text, handling_code="C", handling_conditions="Consent needed.")
    event(POLICE, "missing_episode", "2026-05-04T20:00:00Z", [("C36", "missing_person")], ended_at="2026-05-05T02:00:00Z", **miss)
    for day in ("2026-09-10", "2026-09-25", "2026-10-12"):
        event(POLICE, "missing_episode", f"{day}T20:00:00Z", [("C40", "missing_person")], ended_at=f"{day[:8]}{int(day[8:]) + 2:02d}T20:00:00Z", **miss)
    event(POLICE, "stop_search", "2026-10-19T16:00:00Z", [("C40", "subject")], summary="Searched; three phones and £500 cash found.")
    event(POLICE, "arrest", "2026-10-22T16:00:00Z", [("C40", "subject")], summary="Arrested: possession with intent to supply class A drugs.")
    event(SCHOOL, "school_exclusion", "2026-10-14", [("C40", "pupil")], summary="Permanent exclusion: carrying a knife.")
    person(HEALTH, "C40")
    event(HEALTH, "ae_attendance", "2026-10-16T03:00:00+01:00", [("C40", "patient")], summary="Assault: facial injuries; would not say how.")
    event(POLICE, "asb_report", "2026-10-31T12:00:00Z", [], summary="Noise.")  # the latest event: the data end here
    for e in extra_events or []:
        src = e.pop("source")
        who = e.pop("who")
        event(src, e.pop("event_type"), e.pop("occurred_at"), who, **e)
    comms = [
        {"a_number": LINE, "b_number": "+447710000024", "kind": "sms", "started_at": "2026-10-20T17:00:01Z"},
        {"a_number": "+447710000024", "b_number": LINE, "kind": "sms", "started_at": "2026-10-21T17:05:00Z"},
        {"a_number": "+447710000025", "b_number": RUNNER, "kind": "voice", "started_at": "2026-10-20T18:00:00Z", "duration_s": "40"},
        {"a_number": LINE, "b_number": RUNNER, "kind": "sms", "started_at": "2026-10-20T18:01:00Z"},
    ]
    feeds: dict[str, tuple[str, str, str]] = {}
    for src in AGENCIES:
        if persons[src]:
            feeds[f"{src}/persons.csv"] = ("persons", src, _csv(persons[src], PERSON_COLS))
        if events[src]:
            feeds[f"{src}/events.csv"] = ("events", src, _csv(events[src], EVENT_COLS))
        if people[src]:
            feeds[f"{src}/event_people.csv"] = ("event_people", src, _csv(people[src], ("event_id", "person_id", "role")))
        if links[src]:
            feeds[f"{src}/links.csv"] = ("links", src, _csv(links[src], ("left", "relation", "right", "observed_at")))
    feeds[f"{CSP}/comms.csv"] = ("comms", CSP, _csv(comms, ("a_number", "b_number", "kind", "started_at", "duration_s")))
    root = write_bundle(root, feeds, agencies={a: t for a, (t, _) in AGENCIES.items()})
    manifest = (root / "manifest.toml").read_text(encoding="utf-8")
    for a, (_, force) in AGENCIES.items():  # give every agency its force area (the council's area decides responsibility)
        manifest = manifest.replace(f'id = "{a}"\nname = "{a}"\n', f'id = "{a}"\nname = "{a}"\nforce_area = "{force}"\n')
    (root / "manifest.toml").write_text(manifest, encoding="utf-8")
    return root


def hand_nominals(ws: Workspace) -> pl.DataFrame:
    """One nominal per record id across sources (the hand bundle uses the same id for one person everywhere)."""
    from sqlalchemy import text

    with ws.engine.connect() as conn:
        rows = conn.execute(text("SELECT source, record_id FROM persons")).all()
    frame = pl.DataFrame(rows, schema=["source", "record_id"], orient="row")
    return frame.select((pl.lit("N-") + pl.col("record_id")).alias("nominal_id"), "source", "record_id", pl.lit(1.0).alias("match_probability"))


def hand_lines() -> dict[str, pl.DataFrame]:
    """What the lines stage would have found in the hand bundle: one line (a Merseyside hub selling into Gwent) and a runner."""
    return {
        "lines": pl.DataFrame({
            "line_id": ["L1"], "first_seen": ["2026-10-01T00:00:00Z"], "last_seen": ["2026-10-31T00:00:00Z"], "status": ["active"],
            "confidence": [0.9], "controller_area": ["merseyside"], "market_areas": ["gwent"], "customers": [1], "daily_messages": [1.0],
            "ocg_id": [None],
        }),
        "line_numbers": pl.DataFrame({"line_id": ["L1"], "number": [LINE], "active_from": ["2026-10-01T00:00:00Z"], "active_to": [None]}),
        "runners": pl.DataFrame({"line_id": ["L1"], "number": [RUNNER]}),
    }


def build_hand(ws: Workspace, bundle: Path, with_lines: bool = True) -> None:
    import_as_hub(ws, bundle)
    tables = {"nominals": hand_nominals(ws), **(hand_lines() if with_lines else {})}
    build_risk_with(ws, LOCAL_ADMIN, tables)


def current(ws: Workspace, table: str) -> pl.DataFrame:
    path = picture_store.current_table(ws.engine, ws.path, table)
    assert path is not None, f"no {table} in the picture"
    return pl.read_parquet(path)


@dataclass
class SimWorkspace:
    """The ``sim_ws`` fixture: the shared scenario imported into a workspace of its own, and the scenario's truth folder."""

    ws: Workspace
    truth: Path
