"""Safeguarding: risk lists for analysts, the partner's view, referrals, NRM, alerts, what works.

Every function takes an Actor, checks policy first, audits every read of
personal data and every change (in the same transaction as the change).

Two views of a young person at risk:

- analysts (``read_risk``) see the score, the reasons with their points and
  the records behind each reason (source and record id, to open them);
- partners and safeguarding leads (``safeguarding_view``) see that the child
  is at risk and why *in plain words* (``partner_reasons``), the referrals and
  the alerts for their agency (alerts themselves: crossline.service.alerts): never the records, the intelligence, its
  grading or its text. They see only children their agency works with (holds a
  record of, is responsible for, or has a referral or alert addressed to it):
  crossline.access.need_to_know decides, and a child they may not know is
  "not found", never "not allowed". Their reasons and band leave out records
  under handling code C (``partner_reasons``, ``partner_band``); the agency
  that owns such a record sees it, with its conditions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, bindparam, select, text

from crossline.access import audit
from crossline.access import need_to_know as ntk
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.casework import alerts as casework_alerts
from crossline.casework import nrm as nrm_rules
from crossline.casework import referrals as referral_rules
from crossline.casework.models import AlertRecipient, Referral
from crossline.errors import InvalidInput, NotAllowed, NotFound
from crossline.service import people
from crossline.service.ids import resolve as resolve_id
from crossline.stages.risk.bands import BANDS
from crossline.store import picture as picture_store
from crossline.store.models import Alert
from crossline.workspace import Workspace

PARTNER_RISK_FIELDS = ("nominal_id", "partner_band", "partner_reasons", "as_of", "dual_status")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(ws: Workspace, name: str, required: bool = True) -> pl.DataFrame | None:
    return picture_store.read_table(ws.engine, ws.path, name, required)


def _nominal(ws: Workspace, who: ntk.Viewer, given: str) -> str:
    """The nominal id ``given`` names: itself or a unique start of one (crossline.service.ids).

    Only for viewers who may know any young person: the candidates an ambiguous start lists would tell a
    partner of children their agency does not work with, so a partner gives the whole id.
    """
    if not who.rule.every_child:
        return given
    nominals = _table(ws, "nominals", required=False)
    risk = _table(ws, "risk", required=False)
    pool: set[str] = set()
    for frame in (nominals, risk):
        if frame is not None:
            pool |= set(frame["nominal_id"].cast(pl.String).unique().to_list())
    if given in pool or not pool:
        return given
    try:
        return resolve_id("nominal", given, pool, "list_risk")
    except NotFound:  # the same words as for a whole id the picture does not hold
        raise NotFound(f"no young person {given!r} in the picture", next_step="list_risk") from None


def _risk_row(ws: Workspace, nominal_id: str) -> dict[str, Any] | None:
    risk = _table(ws, "risk")
    assert risk is not None
    rows = risk.filter(pl.col("nominal_id") == nominal_id).to_dicts()
    return rows[0] if rows else None


def _records(ws: Workspace, nominal_id: str) -> pl.DataFrame:
    nominals = _table(ws, "nominals", required=False)
    if nominals is None:
        return pl.DataFrame(schema={"source": pl.String, "record_id": pl.String})
    return nominals.filter(pl.col("nominal_id").cast(pl.String) == nominal_id).select("source", "record_id")


def _holders(ws: Workspace, nominal_id: str, risk: dict[str, Any] | None) -> set[str]:
    """Agencies holding a record of the young person, or responsible for them (the council of their home area)."""
    agencies = set(((risk or {}).get("responsible_agencies") or "").split(";")) - {""}
    return agencies | set(_records(ws, nominal_id)["source"].to_list())


def _addressed(conn: Connection, nominal_id: str) -> set[str]:
    """Agencies a referral or an alert about the young person was sent to (not those that made a referral)."""
    sent = set(conn.execute(select(Referral.to_agency).where(Referral.nominal_id == nominal_id)).scalars().all())
    alerted = conn.execute(
        select(AlertRecipient.agency).join(Alert, Alert.id == AlertRecipient.alert_id)
        .where(Alert.subject_type == "nominal", Alert.subject_id == nominal_id)
    ).scalars().all()
    return sent | set(alerted)


def _knows(ws: Workspace, conn: Connection, who: ntk.Viewer, nominal_id: str, risk: dict[str, Any] | None) -> None:
    """Need to know: a child the viewer may not know is "not found", as if they did not exist."""
    if not ntk.knows_child(who, _holders(ws, nominal_id, risk), _addressed(conn, nominal_id)):
        raise NotFound(f"no young person {nominal_id!r} that {who.actor.agency} works with", next_step="list_referrals")


def _may_know(ws: Workspace, conn: Connection, who: ntk.Viewer, nominal_id: str, row: dict[str, Any] | None) -> None:
    """The young person exists and the viewer may know them; NotFound otherwise (the same for both)."""
    if who.rule.every_child:
        if row is None and _records(ws, nominal_id).height == 0:
            raise NotFound(f"no young person {nominal_id!r} in the picture", next_step="list_risk")
        return
    _knows(ws, conn, who, nominal_id, row)


# --- analysts ----------------------------------------------------------------------------------


def risk_list(ws: Workspace, actor: Actor, band: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The highest scores first (optionally one band and above), each with who it is (name, date of birth, area:
    crossline.service.people); audited as a read of personal data."""
    who = viewer(ws.engine, actor)
    require(who, "read_risk")
    risk = _table(ws, "risk")
    assert risk is not None
    if band is not None:
        if band not in BANDS:
            raise InvalidInput(f"unknown band {band!r}; the bands are {', '.join(BANDS)}")
        risk = risk.filter(pl.col("band").is_in(list(BANDS[BANDS.index(band):])))
    rows = risk.sort(["score", "nominal_id"], descending=[True, False]).head(limit).to_dicts()
    named = people.who(ws, who, [r["nominal_id"] for r in rows])
    for r in rows:
        w = named[r["nominal_id"]]
        r.update(name=w.name, date_of_birth=w.date_of_birth, area=w.area)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_risk_list", "risk", {"band": band, "rows": len(rows), "names": sum(bool(r["name"]) for r in rows)})
    return rows


def risk_detail(ws: Workspace, actor: Actor, nominal_id: str) -> dict[str, Any]:
    """Who the young person is, their score, reasons, the records behind each reason (with any handling conditions), and their casework."""
    who = viewer(ws.engine, actor)
    require(who, "read_risk")
    nominal_id = _nominal(ws, who, nominal_id)
    row = _risk_row(ws, nominal_id)
    if row is None:
        raise NotFound(f"no risk score for {nominal_id!r}", next_step="list_risk")
    evidence = _table(ws, "risk_evidence")
    assert evidence is not None
    ev = evidence.filter(pl.col("nominal_id") == nominal_id).sort("points", descending=True).to_dicts()
    records = _records(ws, nominal_id)
    with ws.engine.begin() as conn:
        names = _names(conn, records)
        casework = referral_rules.for_nominal(conn, nominal_id)
        nrms = nrm_rules.for_nominal(conn, nominal_id)
        flags = nrm_rules.flags(conn, nominal_id)
        audit.record(conn, actor, "read_risk", nominal_id, {"evidence": len(ev)})
    person = people.who(ws, who, [nominal_id])[nominal_id]
    return {"nominal_id": nominal_id, "who": {"name": person.name, "date_of_birth": person.date_of_birth, "age": row.get("age"),
                                              "area": person.area, "sources": person.sources},
            "risk": row, "evidence": ev, "records": names, "flags": flags, "nrm": nrms, **casework}


def _names(conn: Connection, records: pl.DataFrame) -> list[dict[str, Any]]:
    if records.height == 0:
        return []
    out = []
    for source, ids in records.group_by("source").agg(pl.col("record_id")).iter_rows():  # one query per source
        rows = conn.execute(
            text("SELECT source, record_id, given_name, family_name, date_of_birth, postcode FROM persons "
                 "WHERE source = :s AND record_id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"s": source, "ids": list(ids)},
        )
        out += [dict(r._mapping) for r in rows]
    return sorted(out, key=lambda r: (r["source"], r["record_id"]))


def peer_groups(ws: Workspace, actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """Peer groups ranked by concentrated risk, with members and reasons (analysts: members are personal data)."""
    require(viewer(ws.engine, actor), "read_risk")
    groups = _table(ws, "peer_groups")
    assert groups is not None
    rows = groups.filter(pl.col("rank") <= limit).to_dicts()
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_peer_groups", "peer_groups", {"rows": len(rows)})
    return rows


def places(ws: Workspace, actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """Places ranked by concentrated risk. Partners planning outreach see counts and reasons, not who."""
    who = viewer(ws.engine, actor)
    require(who, "safeguarding_view")
    table = _table(ws, "places")
    assert table is not None
    rows = table.filter(pl.col("rank") <= limit).to_dicts()
    if not who.rule.every_child:
        rows = [{k: v for k, v in r.items() if k != "at_risk_members"} for r in rows]
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_places", "places", {"rows": len(rows)})
    return rows


# --- partners' safeguarding view -----------------------------------------------------------------


def partner_view(ws: Workspace, actor: Actor, nominal_id: str) -> dict[str, Any]:
    """That the child is at risk and why in plain words, and the referrals: never the intelligence or records behind it."""
    who = viewer(ws.engine, actor)
    require(who, "safeguarding_view")
    nominal_id = _nominal(ws, who, nominal_id)
    row = _risk_row(ws, nominal_id)
    records = _records(ws, nominal_id)
    with ws.engine.begin() as conn:
        _may_know(ws, conn, who, nominal_id, row)
        own = records.filter(pl.col("source").is_in(list(ntk.visible_agencies(who, records["source"].unique().to_list()))))
        names = [{"given_name": n["given_name"], "family_name": n["family_name"], "date_of_birth": n["date_of_birth"]}
                 for n in _names(conn, own)]
        casework = referral_rules.for_nominal(conn, nominal_id)
        nrms = nrm_rules.for_nominal(conn, nominal_id)
        flags = nrm_rules.flags(conn, nominal_id)
        alerts = casework_alerts.listed(conn, kinds=("safeguarding_risk",), subject_id=nominal_id,
                                        agency=None if who.rule.every_child else actor.agency)
        audit.record(conn, actor, "read_safeguarding_view", nominal_id, {"scored": row is not None})
    risk = {k: row[k] for k in PARTNER_RISK_FIELDS} if row else None
    if risk is not None:
        risk["band"] = risk.pop("partner_band")
        risk["at_risk"] = risk["band"] in ("medium", "high", "very_high")
        risk["reasons"] = [r for r in (risk.pop("partner_reasons") or "").split("; ") if r]
        risk["conditional"] = _conditional_reasons(ws, who, nominal_id)
    return {
        "nominal_id": nominal_id,
        "known_as": names,
        "risk": risk,
        "referrals": [{k: r[k] for k in ("referral_id", "to_agency", "service", "programme", "status", "reason", "decision_reason", "made_at")}
                      for r in casework["referrals"]],
        "interventions": [{k: i[k] for k in ("intervention_id", "programme", "provider_agency", "started_at", "ended_at", "end_reason")}
                          for i in casework["interventions"]],
        "nrm": [{k: n[k] for k in ("nrm_id", "referred_at", "exploitation", "reasonable_grounds", "conclusive_grounds")} for n in nrms],
        "flags": [{"kind": f["kind"], "reason": f["reason"]} for f in flags],
        "alerts": alerts,
    }


def _conditional_reasons(ws: Workspace, who: ntk.Viewer, nominal_id: str) -> list[dict[str, Any]]:
    """Reasons resting on handling code C records the viewer may see (their own agency's, or as police), each with its conditions.

    They are left out of ``partner_reasons`` and ``partner_band``: shared only with those the conditions allow.
    """
    evidence = _table(ws, "risk_evidence", required=False)
    if evidence is None or "handling_code" not in evidence.columns:
        return []
    rows = evidence.filter((pl.col("nominal_id") == nominal_id) & (pl.col("handling_code") == "C")).to_dicts()
    out = []
    for r in rows:
        ref = ntk.RecordRef(owner=r["source"], kind=r["record_kind"], handling_code="C", handling_conditions=r["handling_conditions"])
        if ntk.can_see_record(who, ref):
            words = _partner_words(r["indicator"])
            out.append({"reason": words, "agency": r["source"], "conditions": r["handling_conditions"] or "(none given: owner only)"})
    return out


def _partner_words(indicator: str) -> str:
    from crossline.stages.risk.score import BY_CODE

    return BY_CODE[indicator].partner_words.replace(" {times}", "") if indicator in BY_CODE else indicator


def record_context(ws: Workspace, actor: Actor, source: str, record_id: str) -> dict[str, Any]:
    """A person record as an officer opens it, with the safeguarding context of the young person it belongs to."""
    from crossline.service.persons import get_person

    record = get_person(ws, actor, source, record_id)  # policy (read_person, can_see_record) and audit there
    partner = not viewer(ws.engine, actor).rule.every_child  # an analyst of a partner agency opening their own record
    nominals = _table(ws, "nominals", required=False)
    context: dict[str, Any] = {"nominal_id": None, "flags": [], "band": None, "nrm": []}
    if nominals is not None:
        hit = nominals.filter((pl.col("source") == source) & (pl.col("record_id") == record_id))
        if hit.height:
            nominal_id = str(hit["nominal_id"][0])
            row = _risk_row(ws, nominal_id) if _table(ws, "risk", required=False) is not None else None
            with ws.engine.begin() as conn:
                context = {
                    "nominal_id": nominal_id,
                    "flags": [{"kind": f["kind"], "reason": f["reason"]} for f in nrm_rules.flags(conn, nominal_id)],
                    "band": (row["partner_band"] if partner else row["band"]) if row else None,
                    "reasons": [r for r in ((row or {}).get("partner_reasons") or "").split("; ") if r],
                    "nrm": [{k: n[k] for k in ("nrm_id", "referred_at", "reasonable_grounds", "conclusive_grounds")}
                            for n in nrm_rules.for_nominal(conn, nominal_id)],
                }
                audit.record(conn, actor, "read_safeguarding_context", nominal_id, {"flags": len(context["flags"])})
    return {"record": record, "safeguarding": context}


# --- referrals, interventions, outcomes ----------------------------------------------------------------


def _agency_exists(conn: Connection, agency: str) -> None:
    known = [a for (a,) in conn.execute(text("SELECT agency_id FROM agencies ORDER BY agency_id"))]
    if agency not in known:
        raise NotFound(f"unknown agency {agency!r}; the agencies are: {', '.join(known) or '(none imported yet)'}")


def make_referral(ws: Workspace, actor: Actor, nominal_id: str, to_agency: str, service: str, reason: str,
                  programme: str | None = None) -> dict[str, Any]:
    """Refer a young person the actor's agency already knows (a referral must not be the way to learn of a child)."""
    who = viewer(ws.engine, actor)
    require(who, "refer")
    nominal_id = _nominal(ws, who, nominal_id)
    row = _risk_row(ws, nominal_id)
    with ws.engine.begin() as conn:
        _may_know(ws, conn, who, nominal_id, row)
        _agency_exists(conn, to_agency)
        referral_id = referral_rules.make(conn, nominal_id=nominal_id, to_agency=to_agency, service=service, programme=programme,
                                          reason=reason, user=actor.user, agency=actor.agency, now=_now())
        audit.record(conn, actor, "make_referral", referral_id, {"nominal_id": nominal_id, "to": to_agency, "service": service, "programme": programme})
        return referral_rules.get(conn, referral_id)


def _receiving(conn: Connection, actor: Actor, referral_id: str) -> dict[str, Any]:
    ref = referral_rules.get(conn, referral_id)
    if actor.role != "admin" and actor.agency not in (ref["to_agency"], ref["made_by_agency"]):
        raise NotFound(f"no referral {referral_id!r}", next_step="list_referrals")  # not between the actor's agency and another
    if actor.role != "admin" and actor.agency != ref["to_agency"]:
        raise NotAllowed(f"referral {referral_id} was made to {ref['to_agency']}; only that agency decides it")
    return ref


def decide_referral(ws: Workspace, actor: Actor, referral_id: str, accept: bool, reason: str) -> dict[str, Any]:
    """The receiving agency accepts or declines, with a reason."""
    require(viewer(ws.engine, actor), "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        status = "accepted" if accept else "declined"
        out = referral_rules.transition(conn, referral_id, status, reason, actor.user, actor.agency, _now())
        audit.record(conn, actor, f"referral_{status}", referral_id, {"reason": reason})
        return out


def close_referral(ws: Workspace, actor: Actor, referral_id: str, reason: str) -> dict[str, Any]:
    require(viewer(ws.engine, actor), "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        out = referral_rules.transition(conn, referral_id, "closed", reason, actor.user, actor.agency, _now())
        audit.record(conn, actor, "referral_closed", referral_id, {"reason": reason})
        return out


def referral(ws: Workspace, actor: Actor, referral_id: str) -> dict[str, Any]:
    """One referral with its history (analysts, or the agencies on either end of it)."""
    who = viewer(ws.engine, actor)
    require(who, "safeguarding_view")
    with ws.engine.begin() as conn:
        ref = referral_rules.get(conn, referral_id)
        if not who.rule.every_child and actor.agency not in (ref["to_agency"], ref["made_by_agency"]):
            raise NotFound(f"no referral {referral_id!r}", next_step="list_referrals")
        ref["history"] = referral_rules.history(conn, referral_id)
        audit.record(conn, actor, "read_referral", referral_id, {"nominal_id": ref["nominal_id"]})
    ref["who"] = people.who(ws, who, [ref["nominal_id"]])[ref["nominal_id"]].line()
    return ref


def list_referrals(ws: Workspace, actor: Actor, nominal_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    who = viewer(ws.engine, actor)
    require(who, "safeguarding_view")
    if nominal_id:
        nominal_id = _nominal(ws, who, nominal_id)
    if status is not None and status not in referral_rules.STATUSES:
        raise InvalidInput(f"a referral's status is {', '.join(referral_rules.STATUSES)}, not {status!r}")
    q = select(Referral)
    if nominal_id:
        q = q.where(Referral.nominal_id == nominal_id)
    if status:
        q = q.where(Referral.status == status)
    if not who.rule.every_child:
        q = q.where((Referral.to_agency == actor.agency) | (Referral.made_by_agency == actor.agency))
    with ws.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q.order_by(Referral.made_at, Referral.referral_id))]
        audit.record(conn, actor, "read_referrals", nominal_id or "referrals", {"rows": len(rows)})
    named = people.who(ws, who, [r["nominal_id"] for r in rows])  # from the records the viewer may open
    for r in rows:
        r["who"] = named[r["nominal_id"]].line()
    return rows


def start_intervention(ws: Workspace, actor: Actor, referral_id: str, started_at: str, programme: str | None = None) -> dict[str, Any]:
    require(viewer(ws.engine, actor), "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        iid = referral_rules.start_intervention(conn, referral_id=referral_id, started_at=started_at, user=actor.user, now=_now(), programme=programme)
        audit.record(conn, actor, "start_intervention", iid, {"referral_id": referral_id, "started_at": started_at})
        return referral_rules.get_intervention(conn, iid)


def end_intervention(ws: Workspace, actor: Actor, intervention_id: str, ended_at: str, reason: str) -> dict[str, Any]:
    require(viewer(ws.engine, actor), "partner_casework")
    with ws.engine.begin() as conn:
        iv = referral_rules.get_intervention(conn, intervention_id)
        if actor.role != "admin" and actor.agency != iv["provider_agency"]:
            raise NotAllowed(f"intervention {intervention_id} is provided by {iv['provider_agency']}; only they end it")
        out = referral_rules.end_intervention(conn, intervention_id, ended_at, reason, actor.user, _now())
        audit.record(conn, actor, "end_intervention", intervention_id, {"ended_at": ended_at, "reason": reason})
        return out


def record_outcome(ws: Workspace, actor: Actor, nominal_id: str, measure: str, observed_at: str, value: float | None = None,
                   note: str = "", intervention_id: str | None = None) -> int:
    who = viewer(ws.engine, actor)
    require(who, "partner_casework")
    nominal_id = _nominal(ws, who, nominal_id)
    with ws.engine.begin() as conn:
        _may_know(ws, conn, who, nominal_id, _risk_row(ws, nominal_id))
        oid = referral_rules.record_outcome(conn, nominal_id=nominal_id, measure=measure, value=value, note=note, observed_at=observed_at,
                                            user=actor.user, agency=actor.agency, now=_now(), intervention_id=intervention_id)
        audit.record(conn, actor, "record_outcome", nominal_id, {"measure": measure, "value": value, "intervention_id": intervention_id})
    return oid


# --- NRM --------------------------------------------------------------------------------------------


def _suspect_in(ws: Workspace, nominal_id: str) -> list[tuple[str, str]]:
    records = _records(ws, nominal_id)
    out: list[tuple[str, str]] = []
    if records.height == 0:
        return out
    sql = text(
        "SELECT e.event_type, e.occurred_at FROM event_people ep JOIN events e ON e.source = ep.source AND e.record_id = ep.event_id "
        "WHERE ep.source = :s AND ep.person_id IN :ids AND ep.role IN ('suspect', 'subject') AND e.event_type IN :types"
    ).bindparams(bindparam("ids", expanding=True), bindparam("types", expanding=True))
    with ws.engine.connect() as conn:
        for source, ids in records.group_by("source").agg(pl.col("record_id")).iter_rows():
            out += [(t, d) for t, d in conn.execute(sql, {"s": source, "ids": list(ids), "types": list(nrm_rules.SUSPECT_EVENTS)})]
    return sorted(out, key=lambda x: x[1])


def suspect_in(ws: Workspace, actor: Actor, nominal_id: str) -> list[tuple[str, str]]:
    """(event type, date) of events where the young person's records are a suspect or subject of police action.

    Police information: police and national standing only, and audited.
    """
    who = viewer(ws.engine, actor)
    require(who, "read_suspect_status")
    out = _suspect_in(ws, nominal_id)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_suspect_status", nominal_id, {"events": len(out)})
    return out


def _nrm_visible(ws: Workspace, conn: Connection, who: ntk.Viewer, nrm_id: str) -> dict[str, Any]:
    """An NRM referral the viewer may act on: police standing, or the agency that made it (and still knows the child)."""
    ref = nrm_rules.get(conn, nrm_id)
    if not who.rule.every_child and who.actor.agency != ref["agency"]:
        raise NotFound(f"no NRM referral {nrm_id!r}", next_step="list_nrm")
    return ref


def record_nrm(ws: Workspace, actor: Actor, nominal_id: str, summary: str, referred_at: str,
               exploitation: str = "criminal") -> dict[str, Any]:
    """A first responder's NRM referral of a child their agency knows; a child also a suspect in an event gets the dual-status flag.

    Whether the child is a suspect (and so whether the flag was raised now) is
    police information: only police and national standing are told.
    """
    who = viewer(ws.engine, actor)
    require(who, "nrm")
    nominal_id = _nominal(ws, who, nominal_id)
    row = _risk_row(ws, nominal_id) if _table(ws, "risk", required=False) is not None else None
    with ws.engine.begin() as conn:
        _may_know(ws, conn, who, nominal_id, row)
    suspect = _suspect_in(ws, nominal_id)
    with ws.engine.begin() as conn:
        nrm_id = nrm_rules.record_referral(conn, nominal_id=nominal_id, exploitation=exploitation, summary=summary,
                                           referred_at=referred_at, user=actor.user, agency=actor.agency, now=_now())
        audit.record(conn, actor, "nrm_referral", nrm_id, {"nominal_id": nominal_id, "exploitation": exploitation})
        flagged = False
        if suspect:
            flagged = nrm_rules.flag(conn, nominal_id=nominal_id, reason=nrm_rules.dual_status_reason(suspect), origin=f"nrm:{nrm_id}",
                                     user=str(actor), now=_now())
            audit.record(conn, actor, "raise_flag", nominal_id, {"kind": nrm_rules.DUAL_STATUS, "origin": nrm_id})
        out = nrm_rules.get(conn, nrm_id)
    if ntk.may_see_suspect_status(who):
        out["dual_status_flagged"] = bool(suspect)
        out["flag_new"] = flagged
    return out


def record_nrm_decision(ws: Workspace, actor: Actor, nrm_id: str, stage: str, decision: str, decided_at: str, note: str = "",
                        reconsider: bool = False) -> dict[str, Any]:
    """Record a grounds decision on an NRM referral the actor's agency made (or, with police standing, any)."""
    who = viewer(ws.engine, actor)
    require(who, "nrm")
    with ws.engine.begin() as conn:
        _nrm_visible(ws, conn, who, nrm_id)
        out = nrm_rules.record_decision(conn, nrm_id=nrm_id, stage=stage, decision=decision, decided_at=decided_at, note=note,
                                        user=actor.user, now=_now(), reconsider=reconsider)
        audit.record(conn, actor, "nrm_decision", nrm_id, {"stage": stage, "decision": decision, "reconsider": reconsider})
    return out


NRM_STATUS_FIELDS = ("nrm_id", "nominal_id", "agency", "referred_at", "exploitation", "reasonable_grounds", "reasonable_grounds_at",
                     "conclusive_grounds", "conclusive_grounds_at")


def nrm_for(ws: Workspace, actor: Actor, nominal_id: str) -> list[dict[str, Any]]:
    """A young person's NRM referrals: in full those the actor's agency made (all, with police standing), the status of others."""
    who = viewer(ws.engine, actor)
    require(who, "nrm")
    nominal_id = _nominal(ws, who, nominal_id)
    row = _risk_row(ws, nominal_id) if _table(ws, "risk", required=False) is not None else None
    with ws.engine.begin() as conn:
        _may_know(ws, conn, who, nominal_id, row)
        rows = nrm_rules.for_nominal(conn, nominal_id)
        for r in rows:
            r["decisions"] = nrm_rules.decisions(conn, r["nrm_id"])
        audit.record(conn, actor, "read_nrm", nominal_id, {"rows": len(rows)})
    if who.rule.every_child:
        return rows
    return [r if r["agency"] == actor.agency else {k: r[k] for k in NRM_STATUS_FIELDS} for r in rows]


# --- what works ---------------------------------------------------------------------------------------


def what_works(ws: Workspace, actor: Actor, out: Path) -> Path:
    """Evaluate each programme against matched young people who did not take part; write the HTML report."""
    require(actor, "what_works")
    from crossline.evaluate.effects import evaluate_workspace
    from crossline.evaluate.report import write_report

    results = evaluate_workspace(ws)
    path = write_report(results, Path(out))
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "what_works", str(path), {
            "programmes": {r.programme: r.status for r in results.programmes},
        })
    return path


def scores_against_truth(ws: Workspace, actor: Actor, truth_dir: Path) -> pl.DataFrame:
    """Simulated young people with their score and band, for the fairness report and benchmarks (truth folder given)."""
    require(viewer(ws.engine, actor), "read_risk")
    from crossline.evaluate.truth import person_scores

    nominals = _table(ws, "nominals")
    risk = _table(ws, "risk")
    assert nominals is not None and risk is not None
    frame = person_scores(Path(truth_dir), nominals, risk)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_risk_against_truth", str(truth_dir), {"young_people": frame.height})
    return frame
