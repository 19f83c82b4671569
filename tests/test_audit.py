"""The audit log: every import, export and read of personal data is recorded; tampering is detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import CrosslineError, NotAllowed
from crossline.service import audit as audit_service
from crossline.service.exports import export
from crossline.service.imports import import_bundle
from crossline.service.persons import get_person
from crossline.workspace import Workspace
from helpers import import_as_hub

PARTNER = Actor(user="teacher1", agency="valleys-schools-trust", role="partner")


def _log(ws: Workspace) -> list[tuple[str, str]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT action, subject FROM audit_log ORDER BY seq"))]


def _drop_triggers(ws: Workspace) -> None:
    """What someone editing the database by hand would do first."""
    with ws.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_log_append_only ON audit_log")


@pytest.fixture
def used(workspace: Workspace, examples: Path, tmp_path: Path) -> Workspace:
    import_as_hub(workspace, examples / "good")
    get_person(workspace, LOCAL_ADMIN, "gwent-police", "P1")
    export(workspace, LOCAL_ADMIN, tmp_path / "out")
    return workspace


def test_imports_exports_and_reads_are_recorded(used: Workspace) -> None:
    assert _log(used) == [
        ("allow_sender", "test-hub"), ("import", "example-good"), ("read_person", "gwent-police:P1"), ("export", str(used.path.parent / "out")),
    ]
    assert audit_service.verify(used, LOCAL_ADMIN).ok


def test_a_failed_read_is_recorded_too(used: Workspace) -> None:
    with pytest.raises(CrosslineError):
        get_person(used, LOCAL_ADMIN, "gwent-police", "NOPE")
    assert _log(used)[-1] == ("read_person", "gwent-police:NOPE")


def test_the_database_refuses_edits_to_the_log(used: Workspace) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with used.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET subject = 'x' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="append-only"):
        with used.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE seq = 1"))


def test_an_edited_entry_is_detected(used: Workspace) -> None:
    _drop_triggers(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET subject = 'someone-else:P9' WHERE seq = 2"))
    result = audit_service.verify(used, LOCAL_ADMIN)
    assert not result.ok and any("entry 2 was edited" in p for p in result.problems)


@pytest.mark.parametrize("seq, expect", [(2, "entry 2 deleted"), (4, "newest entries were deleted")])  # 4: allow_sender, import, read, export
def test_a_deleted_entry_is_detected(used: Workspace, seq: int, expect: str) -> None:
    _drop_triggers(used)
    with used.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_log WHERE seq = {seq}"))
    result = audit_service.verify(used, LOCAL_ADMIN)
    assert not result.ok and any(expect in p for p in result.problems), result.problems


def test_roles_are_checked_before_anything_is_read(used: Workspace) -> None:
    before = _log(used)
    with pytest.raises(NotAllowed, match="may not read person"):
        get_person(used, PARTNER, "gwent-police", "P1")
    with pytest.raises(NotAllowed):
        import_bundle(used, PARTNER, Path("anything"))
    with pytest.raises(NotAllowed):
        export(used, PARTNER)
    assert _log(used) == before
