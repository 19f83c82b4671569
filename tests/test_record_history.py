"""An update keeps the version it replaced: a partner's wrong correction leaves the old values retrievable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import NotAllowed, NotFound
from crossline.service.history import record_history
from crossline.service.imports import import_bundle
from crossline.workspace import Workspace
from helpers import write_bundle

POLICE = "gwent-police"
HEADER = "record_id,given_name,family_name,date_of_birth,postcode\n"
EVENTS = "record_id,event_type,occurred_at,summary\n"


def _bundle(root: Path, persons: str, events: str = "E1,arrest,2026-10-01,first account\n") -> Path:
    return write_bundle(root, {"p.csv": ("persons", POLICE, HEADER + persons), "e.csv": ("events", POLICE, EVENTS + events)},
                        {POLICE: "police"})


def test_a_wrong_correction_leaves_the_old_version_retrievable(workspace: Workspace, tmp_path: Path) -> None:
    first = import_bundle(workspace, LOCAL_ADMIN, _bundle(tmp_path / "a", "P1,Ann,Lee,2010-04-02,NP20 1AB\nP2,Bob,Hill,2009-01-01,\n"),
                          as_agency=POLICE)
    wrong = import_bundle(workspace, LOCAL_ADMIN, _bundle(tmp_path / "b", "P1,Ann,Leigh,2001-04-02,NP20 1AB\nP2,Bob,Hill,2009-01-01,\n",
                                                          "E1,arrest,2026-10-01,rewritten\n"), as_agency=POLICE)
    assert wrong.feed("p.csv").updated == 1 and wrong.feed("p.csv").unchanged == 1
    versions = record_history(workspace, LOCAL_ADMIN, POLICE, "P1")
    assert [v.data["family_name"] for v in versions] == ["Leigh", "Lee"]
    old = versions[1]
    assert old.bundle_id == first.bundle_id and old.replaced_by == wrong.bundle_id and old.replaced_at
    assert old.from_agency == POLICE and old.data["date_of_birth"] == "2010-04-02" and old.data["postcode"] == "NP20 1AB"
    assert old.data["file"] == "p.csv" and old.data["line"] == 2
    assert [v.data["family_name"] for v in record_history(workspace, LOCAL_ADMIN, POLICE, "P2")] == ["Hill"]  # unchanged: no version
    events = record_history(workspace, LOCAL_ADMIN, POLICE, "E1", kind="events")
    assert [v.data["summary"] for v in events] == ["rewritten", "first account"]
    with workspace.engine.connect() as conn:
        kept = conn.execute(text("SELECT kind, record_key, data FROM record_versions ORDER BY kind")).all()
        assert [(k, key) for k, key, _ in kept] == [("events", "E1"), ("persons", "P1")]
        assert json.loads(kept[1][2])["given_name"] == "Ann"
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars().all()
    assert actions[-1] == "read_record_history"


def test_reimporting_the_same_bundle_keeps_no_version(workspace: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(tmp_path / "a", "P1,Ann,Lee,2010-04-02,\n")
    import_bundle(workspace, LOCAL_ADMIN, bundle, as_agency=POLICE)
    import_bundle(workspace, LOCAL_ADMIN, bundle, as_agency=POLICE)
    with workspace.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM record_versions")).scalar() == 0


def test_history_is_a_checked_read(workspace: Workspace, tmp_path: Path) -> None:
    import_bundle(workspace, LOCAL_ADMIN, _bundle(tmp_path / "a", "P1,Ann,Lee,2010-04-02,\n"), as_agency=POLICE)
    with pytest.raises(NotAllowed):
        record_history(workspace, Actor(user="p", agency="valleys-schools-trust", role="partner"), POLICE, "P1")
    with pytest.raises(NotFound):
        record_history(workspace, LOCAL_ADMIN, POLICE, "NOPE")
