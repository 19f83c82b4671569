"""DDTRO casework through the service layer: transitions, policy, audit, the successor alert, analysts' reviews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import CrosslineError, NotAllowed
from crossline.service import alerts
from crossline.service import lines as svc
from crossline.service.build import build
from crossline.workspace import Workspace
from helpers import import_as_hub
from lines_comms import Comms, deal_line, num, to_bundle

OLD, NEW = num("7711", 1), num("7711", 2)
CUSTOMERS = [num("7712", i) for i in range(40)]
RUNNERS = [num("7713", 1), num("7713", 2)]
PARTNER = Actor("school-dsl", "valleys-schools-trust", "partner")


def _import(ws: Workspace, c: Comms, root: Path) -> None:
    import_as_hub(ws, to_bundle(c.frame(), root))
    build(ws, LOCAL_ADMIN, only=["lines"])


def _old_line(ws: Workspace, tmp_path: Path) -> str:
    c = Comms()
    deal_line(c, OLD, CUSTOMERS, range(0, 12), "350000000000011", RUNNERS)
    _import(ws, c, tmp_path / "b1")
    lines = svc.list_lines(ws, LOCAL_ADMIN)
    assert lines.height == 1
    return str(lines["line_id"][0])


def _actions(ws: Workspace) -> list[str]:
    with ws.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]


def test_an_application_moves_through_its_statuses_with_history(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    app = svc.draft_application(workspace, LOCAL_ADMIN, line_id, "superintendent's request")
    assert app["numbers"] == [OLD] and app["imeis"] == ["350000000000011"]
    aid = app["application_id"]
    with pytest.raises(CrosslineError, match="can move to applied, not granted"):
        svc.set_application_status(workspace, LOCAL_ADMIN, aid, "granted")
    for status in ("applied", "granted", "disconnected"):
        svc.set_application_status(workspace, LOCAL_ADMIN, aid, status, f"now {status}")
    with pytest.raises(CrosslineError, match="closed"):
        svc.set_application_status(workspace, LOCAL_ADMIN, aid, "applied")
    [got] = svc.list_applications(workspace, LOCAL_ADMIN, line_id)
    assert got["status"] == "disconnected"
    assert [h["status"] for h in got["history"]] == ["drafted", "applied", "granted", "disconnected"]
    actions = _actions(workspace)
    assert actions.count("ddtro_status") == 3 and "ddtro_draft" in actions


def test_a_refused_application_is_closed(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    aid = svc.draft_application(workspace, LOCAL_ADMIN, line_id)["application_id"]
    svc.set_application_status(workspace, LOCAL_ADMIN, aid, "applied")
    svc.set_application_status(workspace, LOCAL_ADMIN, aid, "refused", "insufficient evidence of use")
    with pytest.raises(CrosslineError):
        svc.set_application_status(workspace, LOCAL_ADMIN, aid, "disconnected")


def test_policy_is_checked_before_anything_is_read(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    before = _actions(workspace)
    for call in (
        lambda: svc.list_lines(workspace, PARTNER),
        lambda: svc.line_detail(workspace, PARTNER, line_id),
        lambda: svc.draft_application(workspace, PARTNER, line_id),
        lambda: svc.write_evidence_pack(workspace, PARTNER, line_id, tmp_path / "pack"),
        lambda: svc.review_line(workspace, PARTNER, line_id, "confirmed", "seen it"),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert _actions(workspace) == before
    svc.line_detail(workspace, LOCAL_ADMIN, line_id)
    assert _actions(workspace)[-1] == "read_line"


def _successors(ws: Workspace) -> list[dict[str, Any]]:
    return alerts.list_alerts(ws, LOCAL_ADMIN, kind="ddtro_successor")


def test_a_successor_after_a_granted_order_raises_one_alert(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    aid = svc.draft_application(workspace, LOCAL_ADMIN, line_id)["application_id"]
    svc.set_application_status(workspace, LOCAL_ADMIN, aid, "applied")
    svc.set_application_status(workspace, LOCAL_ADMIN, aid, "granted")
    assert _successors(workspace) == []
    c = Comms()  # the next return: the line back on a new number in the same handset
    deal_line(c, NEW, CUSTOMERS[:34], range(12, 20), "350000000000011", RUNNERS)
    _import(workspace, c, tmp_path / "b2")
    [alert] = _successors(workspace)
    d = alert["details"]
    assert (d["line_id"], d["new_number"], d["application_id"]) == (line_id, NEW, aid)
    assert d["handset_named_in_order"] is True and NEW in alert["message"]
    numbers = svc.line_detail(workspace, LOCAL_ADMIN, line_id).numbers
    assert sorted(numbers["number"]) == sorted([OLD, NEW])  # the line kept its id across the new number
    build(workspace, LOCAL_ADMIN, only=["lines"])
    assert len(_successors(workspace)) == 1  # not raised twice
    alerts.acknowledge(workspace, LOCAL_ADMIN, alert["alert_id"], "ddtro_successor")
    assert _successors(workspace) == []
    build(workspace, LOCAL_ADMIN, only=["lines"])
    assert _successors(workspace) == []  # an acknowledged alert stays acknowledged when nothing changed
    assert "alert_raise" in _actions(workspace) and "alert_ack" in _actions(workspace)


def test_no_alert_without_a_granted_order(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    svc.draft_application(workspace, LOCAL_ADMIN, line_id)
    c = Comms()
    deal_line(c, NEW, CUSTOMERS[:34], range(12, 20), "350000000000022", RUNNERS)
    _import(workspace, c, tmp_path / "b2")
    assert _successors(workspace) == []


def test_an_analysts_rejection_holds_at_the_next_build(workspace: Workspace, tmp_path: Path) -> None:
    line_id = _old_line(workspace, tmp_path)
    with pytest.raises(CrosslineError, match="say why"):
        svc.review_line(workspace, LOCAL_ADMIN, line_id, "rejected", " ")
    assert svc.review_line(workspace, LOCAL_ADMIN, line_id, "rejected", "a lawful bulk sender we know") == 1
    build(workspace, LOCAL_ADMIN, only=["lines"])
    assert svc.list_lines(workspace, LOCAL_ADMIN).is_empty()
    from crossline.store import picture

    evidence = pl.read_parquet(picture.current_table(workspace.engine, workspace.path, "line_evidence"))
    assert set(evidence.filter(pl.col("number") == OLD)["reviewed"]) == {"rejected"}
