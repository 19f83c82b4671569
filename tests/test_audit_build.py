"""Issue 12 item 7: a build killed while publishing leaves no alert, no flag and no audit entry claiming it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN
from crossline.service import audit as audit_service
from crossline.workspace import Workspace, init_workspace, open_workspace
from helpers import import_as_hub

BUILD_ACTIONS = ("build", "alert_raise", "raise_flags")


def _risk_fixtures() -> ModuleType:
    """The risk tests' hand-made bundle (tests/risk/risk_fixtures.py), whose build raises alerts and dual-status flags."""
    if "risk_fixtures" in sys.modules:
        return sys.modules["risk_fixtures"]
    spec = importlib.util.spec_from_file_location("risk_fixtures", Path(__file__).parent / "risk" / "risk_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["risk_fixtures"] = module
    spec.loader.exec_module(module)
    return module


def _state(ws: Workspace) -> tuple[int, int, list[str]]:
    with ws.engine.connect() as conn:
        alerts = conn.execute(text("SELECT count(*) FROM alerts")).scalar_one()
        flags = conn.execute(text("SELECT count(*) FROM safeguarding_flags")).scalar_one()
        actions = [a for (a,) in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    return alerts, flags, actions


def test_a_build_killed_at_publish_leaves_no_casework_and_no_audit_entry(tmp_path: Path) -> None:
    from crossline.evaluate.truth import build_risk_with, publish_tables

    rf = _risk_fixtures()
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, rf.hand_bundle(tmp_path / "b"))
        publish_tables(ws, {"nominals": rf.hand_nominals(ws), **rf.hand_lines()})
        before = _state(ws)
        script = ("import sys; from crossline.workspace import open_workspace; from crossline.access.actor import LOCAL_ADMIN; "
                  "from crossline.stages.pipeline import run_build; run_build(open_workspace(sys.argv[1]), LOCAL_ADMIN, only=['risk'])")
        killed = subprocess.run([sys.executable, "-c", script, str(ws.path)], env={**os.environ, "CROSSLINE_FAULT": "publish_before_commit"},
                                capture_output=True, text=True, timeout=300)
        assert killed.returncode == -9, killed.stderr
        alerts, flags, actions = _state(ws)
        assert (alerts, flags) == (0, 0)
        assert actions == before[2] and not any(a in BUILD_ACTIONS for a in actions), actions
        assert audit_service.verify(ws, LOCAL_ADMIN).ok
        ws.close()
        ws = open_workspace(ws.path)
        build_risk_with(ws, LOCAL_ADMIN, {"nominals": rf.hand_nominals(ws), **rf.hand_lines()})
        alerts, flags, actions = _state(ws)
        assert alerts > 0 and flags > 0  # the same build, not killed, raises them: the check above could fail
        assert {"build", "alert_raise", "raise_flags"} <= set(actions)
        assert audit_service.verify(ws, LOCAL_ADMIN).ok
    finally:
        ws.close()
