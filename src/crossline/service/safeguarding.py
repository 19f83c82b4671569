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
  record of, is responsible for, or has a referral or alert for).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, bindparam, select, text

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.casework import alerts as casework_alerts
from crossline.casework import nrm as nrm_rules
from crossline.casework import referrals as referral_rules
from crossline.casework.models import AlertRecipient, Referral
from crossline.errors import InvalidInput, NotAllowed, NotFound
from crossline.stages.risk.bands import BANDS
from crossline.store import picture as picture_store
from crossline.store.models import Alert
from crossline.workspace import Workspace

UNRESTRICTED = ("admin", "analyst")
PARTNER_RISK_FIELDS = ("nominal_id", "band", "partner_reasons", "as_of", "dual_status")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(ws: Workspace, name: str, required: bool = True) -> pl.DataFrame | None:
    return picture_store.read_table(ws.engine, ws.path, name, required)


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


def _knows(ws: Workspace, conn: Connection, actor: Actor, nominal_id: str, risk: dict[str, Any] | None) -> None:
    """Need to know: partners see only young people their agency works with."""
    if actor.role in UNRESTRICTED:
        return
    agencies = set(((risk or {}).get("responsible_agencies") or "").split(";")) - {""}
    agencies |= set(_records(ws, nominal_id)["source"].to_list())
    refs = conn.execute(select(Referral.to_agency, Referral.made_by_agency).where(Referral.nominal_id == nominal_id)).all()
    agencies |= {a for r in refs for a in r}
    alerted = conn.execute(
        select(AlertRecipient.agency).join(Alert, Alert.id == AlertRecipient.alert_id)
        .where(Alert.subject_type == "nominal", Alert.subject_id == nominal_id)
    ).scalars().all()
    agencies |= set(alerted)
    if actor.agency not in agencies:
        raise NotAllowed(
            f"{actor} has no record of young person {nominal_id} and no referral or alert for them; "
            "ask the safeguarding lead who holds their case"
        )


# --- analysts ----------------------------------------------------------------------------------


def risk_list(ws: Workspace, actor: Actor, band: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The highest scores first (optionally one band and above); audited as a read of personal data."""
    require(actor, "read_risk")
    risk = _table(ws, "risk")
    assert risk is not None
    if band is not None:
        if band not in BANDS:
            raise InvalidInput(f"unknown band {band!r}; the bands are {', '.join(BANDS)}")
        risk = risk.filter(pl.col("band").is_in(list(BANDS[BANDS.index(band):])))
    rows = risk.sort(["score", "nominal_id"], descending=[True, False]).head(limit).to_dicts()
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_risk_list", "risk", {"band": band, "rows": len(rows)})
    return rows


def risk_detail(ws: Workspace, actor: Actor, nominal_id: str) -> dict[str, Any]:
    """A young person's score, reasons, the records behind each reason, and their casework."""
    require(actor, "read_risk")
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
    return {"risk": row, "evidence": ev, "records": names, "flags": flags, "nrm": nrms, **casework}


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
    require(actor, "read_risk")
    groups = _table(ws, "peer_groups")
    assert groups is not None
    rows = groups.filter(pl.col("rank") <= limit).to_dicts()
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_peer_groups", "peer_groups", {"rows": len(rows)})
    return rows


def places(ws: Workspace, actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """Places ranked by concentrated risk. Partners planning outreach see counts and reasons, not who."""
    require(actor, "safeguarding_view")
    table = _table(ws, "places")
    assert table is not None
    rows = table.filter(pl.col("rank") <= limit).to_dicts()
    if actor.role not in UNRESTRICTED:
        rows = [{k: v for k, v in r.items() if k != "at_risk_members"} for r in rows]
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_places", "places", {"rows": len(rows)})
    return rows


# --- partners' safeguarding view -----------------------------------------------------------------


def partner_view(ws: Workspace, actor: Actor, nominal_id: str) -> dict[str, Any]:
    """That the child is at risk and why in plain words, and the referrals: never the intelligence or records behind it."""
    require(actor, "safeguarding_view")
    row = _risk_row(ws, nominal_id)
    records = _records(ws, nominal_id)
    with ws.engine.begin() as conn:
        _knows(ws, conn, actor, nominal_id, row)
        own = records.filter(pl.col("source") == actor.agency) if actor.role not in UNRESTRICTED else records
        names = [{"given_name": n["given_name"], "family_name": n["family_name"], "date_of_birth": n["date_of_birth"]}
                 for n in _names(conn, own)]
        casework = referral_rules.for_nominal(conn, nominal_id)
        nrms = nrm_rules.for_nominal(conn, nominal_id)
        flags = nrm_rules.flags(conn, nominal_id)
        alerts = casework_alerts.listed(conn, kinds=("safeguarding_risk",), subject_id=nominal_id,
                                        agency=None if actor.role in UNRESTRICTED else actor.agency)
        audit.record(conn, actor, "read_safeguarding_view", nominal_id, {"scored": row is not None})
    risk = {k: row[k] for k in PARTNER_RISK_FIELDS} if row else None
    if risk is not None:
        risk["at_risk"] = risk["band"] in ("medium", "high", "very_high")
        risk["reasons"] = [r for r in (risk.pop("partner_reasons") or "").split("; ") if r]
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


def record_context(ws: Workspace, actor: Actor, source: str, record_id: str) -> dict[str, Any]:
    """A person record as an officer opens it, with the safeguarding context of the young person it belongs to."""
    from crossline.service.persons import get_person

    record = get_person(ws, actor, source, record_id)  # policy (read_person) and audit there
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
                    "band": row["band"] if row else None,
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
    require(actor, "refer")
    if _risk_row(ws, nominal_id) is None and _records(ws, nominal_id).height == 0:
        raise NotFound(f"no young person {nominal_id!r} in the picture", next_step="list_risk")
    with ws.engine.begin() as conn:
        _agency_exists(conn, to_agency)
        referral_id = referral_rules.make(conn, nominal_id=nominal_id, to_agency=to_agency, service=service, programme=programme,
                                          reason=reason, user=actor.user, agency=actor.agency, now=_now())
        audit.record(conn, actor, "make_referral", referral_id, {"nominal_id": nominal_id, "to": to_agency, "service": service, "programme": programme})
        return referral_rules.get(conn, referral_id)


def _receiving(conn: Connection, actor: Actor, referral_id: str) -> dict[str, Any]:
    ref = referral_rules.get(conn, referral_id)
    if actor.role != "admin" and actor.agency != ref["to_agency"]:
        raise NotAllowed(f"referral {referral_id} was made to {ref['to_agency']}; only that agency decides it")
    return ref


def decide_referral(ws: Workspace, actor: Actor, referral_id: str, accept: bool, reason: str) -> dict[str, Any]:
    """The receiving agency accepts or declines, with a reason."""
    require(actor, "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        status = "accepted" if accept else "declined"
        out = referral_rules.transition(conn, referral_id, status, reason, actor.user, actor.agency, _now())
        audit.record(conn, actor, f"referral_{status}", referral_id, {"reason": reason})
        return out


def close_referral(ws: Workspace, actor: Actor, referral_id: str, reason: str) -> dict[str, Any]:
    require(actor, "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        out = referral_rules.transition(conn, referral_id, "closed", reason, actor.user, actor.agency, _now())
        audit.record(conn, actor, "referral_closed", referral_id, {"reason": reason})
        return out


def referral(ws: Workspace, actor: Actor, referral_id: str) -> dict[str, Any]:
    """One referral with its history (analysts, or the agencies on either end of it)."""
    require(actor, "safeguarding_view")
    with ws.engine.begin() as conn:
        ref = referral_rules.get(conn, referral_id)
        if actor.role not in UNRESTRICTED and actor.agency not in (ref["to_agency"], ref["made_by_agency"]):
            raise NotAllowed(f"referral {referral_id} is between {ref['made_by_agency']} and {ref['to_agency']}")
        ref["history"] = referral_rules.history(conn, referral_id)
        audit.record(conn, actor, "read_referral", referral_id, {"nominal_id": ref["nominal_id"]})
    return ref


def list_referrals(ws: Workspace, actor: Actor, nominal_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    require(actor, "safeguarding_view")
    q = select(Referral)
    if nominal_id:
        q = q.where(Referral.nominal_id == nominal_id)
    if status:
        q = q.where(Referral.status == status)
    if actor.role not in UNRESTRICTED:
        q = q.where((Referral.to_agency == actor.agency) | (Referral.made_by_agency == actor.agency))
    with ws.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q.order_by(Referral.made_at, Referral.referral_id))]
        audit.record(conn, actor, "read_referrals", nominal_id or "referrals", {"rows": len(rows)})
    return rows


def start_intervention(ws: Workspace, actor: Actor, referral_id: str, started_at: str, programme: str | None = None) -> dict[str, Any]:
    require(actor, "partner_casework")
    with ws.engine.begin() as conn:
        _receiving(conn, actor, referral_id)
        iid = referral_rules.start_intervention(conn, referral_id=referral_id, started_at=started_at, user=actor.user, now=_now(), programme=programme)
        audit.record(conn, actor, "start_intervention", iid, {"referral_id": referral_id, "started_at": started_at})
        return referral_rules.get_intervention(conn, iid)


def end_intervention(ws: Workspace, actor: Actor, intervention_id: str, ended_at: str, reason: str) -> dict[str, Any]:
    require(actor, "partner_casework")
    with ws.engine.begin() as conn:
        iv = referral_rules.get_intervention(conn, intervention_id)
        if actor.role != "admin" and actor.agency != iv["provider_agency"]:
            raise NotAllowed(f"intervention {intervention_id} is provided by {iv['provider_agency']}; only they end it")
        out = referral_rules.end_intervention(conn, intervention_id, ended_at, reason, actor.user, _now())
        audit.record(conn, actor, "end_intervention", intervention_id, {"ended_at": ended_at, "reason": reason})
        return out


def record_outcome(ws: Workspace, actor: Actor, nominal_id: str, measure: str, observed_at: str, value: float | None = None,
                   note: str = "", intervention_id: str | None = None) -> int:
    require(actor, "partner_casework")
    with ws.engine.begin() as conn:
        _knows(ws, conn, actor, nominal_id, _risk_row(ws, nominal_id))
        oid = referral_rules.record_outcome(conn, nominal_id=nominal_id, measure=measure, value=value, note=note, observed_at=observed_at,
                                            user=actor.user, agency=actor.agency, now=_now(), intervention_id=intervention_id)
        audit.record(conn, actor, "record_outcome", nominal_id, {"measure": measure, "value": value, "intervention_id": intervention_id})
    return oid


# --- NRM --------------------------------------------------------------------------------------------


def suspect_in(ws: Workspace, nominal_id: str) -> list[tuple[str, str]]:
    """(event type, date) of events where the young person's records are a suspect or subject of police action."""
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


def record_nrm(ws: Workspace, actor: Actor, nominal_id: str, summary: str, referred_at: str,
               exploitation: str = "criminal") -> dict[str, Any]:
    """A first responder's NRM referral; a child also a suspect in an event gets the dual-status flag."""
    require(actor, "nrm")
    suspect = suspect_in(ws, nominal_id)
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
    out["dual_status_flagged"] = bool(suspect)
    out["flag_new"] = flagged
    return out


def record_nrm_decision(ws: Workspace, actor: Actor, nrm_id: str, stage: str, decision: str, decided_at: str, note: str = "",
                        reconsider: bool = False) -> dict[str, Any]:
    require(actor, "nrm")
    with ws.engine.begin() as conn:
        out = nrm_rules.record_decision(conn, nrm_id=nrm_id, stage=stage, decision=decision, decided_at=decided_at, note=note,
                                        user=actor.user, now=_now(), reconsider=reconsider)
        audit.record(conn, actor, "nrm_decision", nrm_id, {"stage": stage, "decision": decision, "reconsider": reconsider})
    return out


def nrm_for(ws: Workspace, actor: Actor, nominal_id: str) -> list[dict[str, Any]]:
    require(actor, "nrm")
    with ws.engine.begin() as conn:
        rows = nrm_rules.for_nominal(conn, nominal_id)
        for r in rows:
            r["decisions"] = nrm_rules.decisions(conn, r["nrm_id"])
        audit.record(conn, actor, "read_nrm", nominal_id, {"rows": len(rows)})
    return rows


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
    require(actor, "read_risk")
    from crossline.evaluate.truth import person_scores

    nominals = _table(ws, "nominals")
    risk = _table(ws, "risk")
    assert nominals is not None and risk is not None
    frame = person_scores(Path(truth_dir), nominals, risk)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_risk_against_truth", str(truth_dir), {"young_people": frame.height})
    return frame
