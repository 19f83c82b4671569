"""Deal lines and DDTRO casework: the one API the CLI (and later the web pages) call.

Every function takes an Actor, checks policy first (``read_lines`` to see lines
and review them, ``ddtro`` for evidence packs and applications) and writes an
audit entry for each read of line data (numbers are personal data) and each
change, in the same transaction as the change.

The DDTRO application's state machine lives in crossline.casework.ddtro; a
build raises a successor alert when a line under a granted order shows a new
number (crossline.stages.lines.alerts), listed and acknowledged through
crossline.service.alerts like every other alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert, text

from crossline.access import audit
from crossline.access.actor import Actor
from crossline.access.policy import require, viewer
from crossline.casework import ddtro
from crossline.errors import InvalidInput
from crossline.report.ddtro import LineCase
from crossline.service import ids
from crossline.store import picture as picture_store
from crossline.store.models import LineReview
from crossline.workspace import Workspace

DECISIONS = ("confirmed", "rejected")
LINE_STATUSES = ("active", "dormant", "disrupted")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(ws: Workspace, name: str, required: bool = True) -> pl.DataFrame | None:
    return picture_store.read_table(ws.engine, ws.path, name, required, stage="lines")


def _line(ws: Workspace, line_id: str) -> dict[str, Any]:
    """The line ``line_id`` names: its id, a unique prefix of it, or one of its phone numbers (crossline.service.ids)."""
    lines = _table(ws, "lines")
    assert lines is not None
    numbers = _table(ws, "line_numbers", required=False)
    aliases = dict(zip(numbers["number"], numbers["line_id"], strict=True)) if numbers is not None else {}
    line_id = ids.resolve("line", line_id, lines["line_id"].to_list(), "list_lines", aliases)
    return lines.filter(pl.col("line_id") == line_id).row(0, named=True)


def resolve_line(ws: Workspace, actor: Actor, line_id: str) -> str:
    """The full id of the line ``line_id`` names (a prefix or a phone number will do)."""
    require(viewer(ws.engine, actor), "read_lines")
    return str(_line(ws, line_id)["line_id"])


# --- reading lines -------------------------------------------------------------------------------


def list_lines(ws: Workspace, actor: Actor, status: str | None = None) -> pl.DataFrame:
    """The current picture's lines, strongest first; audited (they carry phone numbers)."""
    require(viewer(ws.engine, actor), "read_lines")
    if status is not None and status not in LINE_STATUSES:
        raise InvalidInput(f"a line's status is {', '.join(LINE_STATUSES)}, not {status!r}")
    lines = _table(ws, "lines")
    assert lines is not None
    if status:
        lines = lines.filter(pl.col("status") == status)
    lines = lines.sort(["confidence", "line_id"], descending=[True, False])
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_lines", "lines", {"status": status, "rows": lines.height})
    return lines


LineDetail = LineCase  # what the picture holds on one line: the DDTRO pack's content


def _for_line(ws: Workspace, name: str, line_id: str) -> pl.DataFrame:
    df = _table(ws, name)
    assert df is not None
    return df.filter(pl.col("line_id") == line_id)


def line_detail(ws: Workspace, actor: Actor, line_id: str) -> LineDetail:
    """Everything the picture holds on one line, with its casework and linked nominals; audited."""
    require(viewer(ws.engine, actor), "read_lines")
    line = _line(ws, line_id)
    line_id = line["line_id"]
    numbers = _for_line(ws, "line_numbers", line_id)
    imeis = sorted({i for s in numbers["imeis"].to_list() for i in (s or "").split(";") if i})
    nominals, note = _linked_nominals(ws, numbers["number"].to_list(), imeis)
    notes_table = _table(ws, "line_notes", required=False)
    detail = LineDetail(
        line=line,
        numbers=numbers,
        successions=_for_line(ws, "successions", line_id),
        runners=_for_line(ws, "runners", line_id),
        evidence=_for_line(ws, "line_evidence", line_id),
        daily=_for_line(ws, "line_daily", line_id),
        cells=_for_line(ws, "line_cells", line_id),
        applications=_applications(ws, line_id),
        nominals=nominals,
        nominals_note=note,
        notes=notes_table["note"].to_list() if notes_table is not None else [],
    )
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_line", line_id, {"numbers": numbers.height, "nominals": 0 if nominals is None else nominals.height})
    return detail


def linked_nominals(ws: Workspace, actor: Actor, numbers: list[str], imeis: list[str]) -> tuple[pl.DataFrame | None, str]:
    """Person records that hold one of these numbers or handsets, with their nominal: police information, checked and audited."""
    require(viewer(ws.engine, actor), "read_lines")
    found, note = _linked_nominals(ws, numbers, imeis)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_linked_nominals", ";".join(sorted(numbers)) or "none", {
            "numbers": sorted(numbers), "imeis": sorted(imeis), "records": 0 if found is None else found.height,
        })
    return found, note


def _linked_nominals(ws: Workspace, numbers: list[str], imeis: list[str]) -> tuple[pl.DataFrame | None, str]:
    """Person records that hold one of the line's numbers or handsets, with their nominal where resolved.

    A record is linked when its ``phone`` list holds a line number, or a ``links``
    row ties it to one (``uses_phone``) or to one of the line's handsets
    (``uses_handset``, through the phone that uses it). Needs the ``nominals``
    picture table (the resolve stage); without it the pack says so.
    """
    nominal_table = _table(ws, "nominals", required=False)
    if nominal_table is None:
        return None, "No nominals table in the picture yet (the resolve stage has not run): records are not linked to people."
    if not numbers:
        return pl.DataFrame(), ""
    params: dict[str, Any] = {f"n{i}": f'%"{n}"%' for i, n in enumerate(numbers)}
    likes = " OR ".join(f"phone LIKE :n{i}" for i in range(len(numbers)))
    ends = [f"phone:{n}" for n in numbers] + [f"handset:{i}" for i in imeis]
    params.update({f"e{i}": e for i, e in enumerate(ends)})
    inlist = ", ".join(f":e{i}" for i in range(len(ends)))
    with ws.engine.connect() as conn:
        direct = conn.execute(text(
            f"SELECT source, record_id, given_name, family_name, date_of_birth, phone FROM persons WHERE {likes}"), params).all()
        linked = conn.execute(text(
            f'SELECT source, "left", relation, "right" FROM links WHERE relation IN (\'uses_phone\', \'uses_handset\') '
            f'AND ("left" IN ({inlist}) OR "right" IN ({inlist}))'), params).all()
    rows = []
    for source, record_id, _given, _family, _dob, phone in direct:
        for n in json.loads(phone or "[]"):
            if n in numbers:
                rows.append({"source": source, "record_id": record_id, "how": f"phone {n} on the record"})
    for source, left, relation, right in linked:
        person = next((e for e in (left, right) if e.startswith("person:")), None)
        other = right if person == left else left
        if person is not None:
            rows.append({"source": source, "record_id": person.split(":", 1)[1], "how": f"{relation} {other.split(':', 1)[1]}"})
    if not rows:
        return pl.DataFrame(schema={"nominal_id": pl.String, "source": pl.String, "record_id": pl.String, "name": pl.String,
                                    "date_of_birth": pl.String, "how": pl.String}), ""
    found = pl.DataFrame(rows).unique(maintain_order=True)
    keys = found.select("source", "record_id").unique()
    names = {
        (s, r): (" ".join(p for p in (g, f) if p), d)
        for s, r, g, f, d, _ in direct
    }
    missing = [(s, r) for s, r in keys.iter_rows() if (s, r) not in names]
    if missing:
        with ws.engine.connect() as conn:
            for s, r in missing:  # few: people linked to one line's numbers and handsets
                got = conn.execute(text("SELECT given_name, family_name, date_of_birth FROM persons WHERE source = :s AND record_id = :r"),
                                   {"s": s, "r": r}).first()
                if got is not None:
                    names[(s, r)] = (" ".join(p for p in (got[0], got[1]) if p), got[2])
    found = found.with_columns(
        pl.struct("source", "record_id").map_elements(lambda k: names.get((k["source"], k["record_id"]), ("", None))[0] or "",
                                                      return_dtype=pl.String).alias("name"),
        pl.struct("source", "record_id").map_elements(lambda k: names.get((k["source"], k["record_id"]), ("", None))[1],
                                                      return_dtype=pl.String).alias("date_of_birth"),
    )
    nom = nominal_table.select(pl.col("nominal_id").cast(pl.String), pl.col("source").cast(pl.String), pl.col("record_id").cast(pl.String))
    return found.join(nom, on=["source", "record_id"], how="left").select(
        "nominal_id", "source", "record_id", "name", "date_of_birth", "how").sort(["nominal_id", "source", "record_id"], nulls_last=True), ""


# --- evidence pack -------------------------------------------------------------------------------


@dataclass
class Pack:
    html: Path
    pdf: Path


def write_evidence_pack(ws: Workspace, actor: Actor, line_id: str, out_dir: Path | None = None) -> Pack:
    """The DDTRO evidence pack (HTML and PDF) for one line; audited as a disclosure of line data."""
    require(viewer(ws.engine, actor), "ddtro")
    from crossline.report.ddtro import render_pack  # WeasyPrint and matplotlib: loaded when a pack is written

    detail = line_detail(ws, actor, line_id)
    out = Path(out_dir) if out_dir else ws.path / "packs"
    html, pdf = render_pack(detail, out, prepared_by=str(actor))
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "ddtro_pack", detail.line["line_id"], {"html": str(html), "pdf": str(pdf)})
    return Pack(html=html, pdf=pdf)


# --- DDTRO casework ------------------------------------------------------------------------------


def _applications(ws: Workspace, line_id: str | None = None) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        return ddtro.applications(conn, line_id)


def list_applications(ws: Workspace, actor: Actor, line_id: str | None = None) -> list[dict[str, Any]]:
    require(viewer(ws.engine, actor), "ddtro")
    apps = _applications(ws, line_id)
    with ws.engine.begin() as conn:
        audit.record(conn, actor, "read_ddtro", line_id or "all", {"applications": len(apps)})
    return apps


def draft_application(ws: Workspace, actor: Actor, line_id: str, note: str = "",
                      numbers: list[str] | None = None) -> dict[str, Any]:
    """Start an application for a line, naming its numbers and every handset (IMEI) seen on them.

    Naming the handsets matters: an order on the IMEI survives a SIM swap (DOMAIN.md).
    ``numbers`` narrows the numbers named (default: all of the line's).
    """
    require(viewer(ws.engine, actor), "ddtro")
    line_id = _line(ws, line_id)["line_id"]
    line_numbers = _for_line(ws, "line_numbers", line_id)
    named = numbers or line_numbers["number"].to_list()
    unknown = [n for n in named if n not in set(line_numbers["number"].to_list())]
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a number of line {line_id}", next_step="show_line")
    imeis = sorted({i for n, s in zip(line_numbers["number"], line_numbers["imeis"], strict=True) if n in named
                    for i in (s or "").split(";") if i})
    with ws.engine.begin() as conn:
        app_id = ddtro.draft(conn, line_id=line_id, numbers=named, imeis=imeis, note=note, user=str(actor), now=_now())
        audit.record(conn, actor, "ddtro_draft", app_id, {"line_id": line_id, "numbers": sorted(named), "imeis": imeis})
    return {"application_id": app_id, "line_id": line_id, "status": "drafted", "numbers": sorted(named), "imeis": imeis}


def set_application_status(ws: Workspace, actor: Actor, application_id: str, status: str, note: str = "",
                           granted_on: str | None = None) -> dict[str, Any]:
    """Move an application on (drafted -> applied -> granted | refused; granted -> disconnected).

    ``granted_on`` (YYYY-MM-DD, with ``granted``): the day the court granted the order, when it is recorded later;
    successor numbers are looked for from that day.
    """
    require(viewer(ws.engine, actor), "ddtro")
    now = _now()
    happened = None
    if granted_on is not None:
        if status != "granted":
            raise InvalidInput("--granted-on goes with the status granted")
        try:
            day = datetime.strptime(granted_on, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise InvalidInput(f"--granted-on is a date, YYYY-MM-DD, not {granted_on!r}") from None
        if day.date() > datetime.now(UTC).date():
            raise InvalidInput(f"--granted-on {granted_on} is in the future; give the day the order was granted")
        happened = day.strftime("%Y-%m-%dT%H:%M:%SZ")
    with ws.engine.begin() as conn:
        previous = ddtro.transition(conn, application_id, status, note, str(actor), now, happened)
        audit.record(conn, actor, "ddtro_status", application_id, {"from": previous, "to": status, "note": note, "granted_on": granted_on})
    return {"application_id": application_id, "status": status, "previous": previous, "at": happened or now, "recorded_at": now}


# --- analysts' reviews ---------------------------------------------------------------------------


def review_line(ws: Workspace, actor: Actor, line_id: str, decision: str, reason: str, number: str | None = None) -> int:
    """Confirm or reject a line (or one of its numbers); the next build honours it and may learn from it.

    One ``line_reviews`` row per number reviewed, so the decision follows the
    number even if the line's id changes. Returns the rows written.
    """
    require(viewer(ws.engine, actor), "read_lines")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reason.strip():
        raise InvalidInput("say why: a review needs a reason, kept with the line's evidence")
    line_id = _line(ws, line_id)["line_id"]
    numbers = _for_line(ws, "line_numbers", line_id)["number"].to_list()
    if number is not None:
        if number not in numbers:
            raise InvalidInput(f"{number} is not a number of line {line_id}", next_step="show_line")
        numbers = [number]
    now = _now()
    with ws.engine.begin() as conn:
        for n in numbers:
            conn.execute(insert(LineReview).values(
                line_id=line_id, number=n, decision=decision, reason=reason, user=actor.user, agency=actor.agency, decided_at=now))
        audit.record(conn, actor, "line_review", line_id, {"decision": decision, "numbers": numbers, "reason": reason})
    return len(numbers)
