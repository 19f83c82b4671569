"""PostgreSQL: the application role `crossline audit app-role` grants can use the workspace but cannot cut or unguard the audit log."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossline.access.actor import LOCAL_ADMIN
from crossline.errors import InvalidInput
from crossline.service import audit as audit_service
from crossline.service.persons import get_person
from crossline.store.db import app_role_sql, apply_app_role, is_superuser
from crossline.workspace import Workspace, init_workspace, open_workspace
from helpers import import_as_hub

pytestmark = pytest.mark.postgres


@pytest.fixture
def owner_ws(pg_url: str, tmp_path: Path, examples: Path) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path / "ws", pg_url)
    import_as_hub(ws, examples / "good")
    yield ws
    ws.close()


@pytest.fixture
def role(owner_ws: Workspace) -> Iterator[str]:
    """A random-named role (roles are cluster-wide), dropped with its grants after the test."""
    name = f"crossline_app_{secrets.token_hex(4)}"
    yield name
    with owner_ws.engine.begin() as conn:
        conn.exec_driver_sql(f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
                             f"EXECUTE 'DROP OWNED BY {name}'; END IF; END $$")
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")


def _as(pg_url: str, role: str) -> str:
    scheme, rest = pg_url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


def _refused(url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(sql)
        except psycopg.Error as exc:
            return str(exc)
    return ""


def test_the_app_role_cannot_cut_or_unguard_the_audit_log(owner_ws: Workspace, pg_url: str, role: str) -> None:
    apply_app_role(owner_ws.engine, role)
    url = _as(pg_url, role)
    for sql, why in [
        ("TRUNCATE audit_log", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("UPDATE audit_log SET subject = 'x'", "permission denied"),
        ("DELETE FROM audit_head", "permission denied"),
        ("TRUNCATE audit_head", "permission denied"),
        ("TRUNCATE workspace_meta", "permission denied"),
        ("ALTER TABLE audit_log DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TRIGGER audit_log_append_only ON audit_log", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE shadow (x int)", "permission denied"),
        ("UPDATE workspace_meta SET value = 'x' WHERE key = 'audit_history'", "append-only"),
    ]:
        message = _refused(url, sql)
        assert why in message, (sql, message)
    assert audit_service.verify(owner_ws, LOCAL_ADMIN).ok


def test_the_workspace_works_when_connected_as_the_app_role(owner_ws: Workspace, pg_url: str, role: str) -> None:
    apply_app_role(owner_ws.engine, role)
    path = owner_ws.path
    config = path / "crossline.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(pg_url, _as(pg_url, role)), encoding="utf-8")
    ws = open_workspace(path)
    try:
        assert not is_superuser(ws.engine) and is_superuser(owner_ws.engine)
        get_person(ws, LOCAL_ADMIN, "gwent-police", "P1")
        import_as_hub(ws, Path(__file__).parent / "contract-examples" / "good")
        result = audit_service.verify(ws, LOCAL_ADMIN)
        assert result.ok and result.entries == 5, result.problems
    finally:
        ws.close()


def test_the_cli_prints_the_grants(owner_ws: Workspace) -> None:
    done = subprocess.run([sys.executable, "-m", "crossline.cli", "audit", "app-role", "crossline_app", "--workspace", str(owner_ws.path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "GRANT SELECT, INSERT ON TABLE audit_log TO crossline_app;" in lines
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE persons TO crossline_app;" in lines
    assert not any("TRUNCATE" in line or "TRIGGER" in line for line in lines)


def test_a_role_name_that_is_not_plain_is_refused() -> None:
    with pytest.raises(InvalidInput):
        app_role_sql("x; DROP TABLE audit_log", ["audit_log"])
