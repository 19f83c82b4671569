"""Attacks on the audit log by someone who can write the database (but not read the key file), on SQLite and PostgreSQL.

Each test is an attack that passed `audit verify` before the log was authenticated with a key kept
outside the database (issue 12); each must now be reported.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from crossline.access.actor import LOCAL_ADMIN
from crossline.service import audit as audit_service
from crossline.service.exports import export
from crossline.service.persons import get_person
from crossline.workspace import Workspace
from helpers import import_as_hub

SQLITE_GUARDS = ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete",
                 "workspace_meta_audit_no_update", "workspace_meta_audit_no_delete")
PG_GUARDS = (("audit_log_append_only", "audit_log"), ("audit_log_no_truncate", "audit_log"), ("audit_head_kept", "audit_head"),
             ("workspace_meta_audit_kept", "workspace_meta"), ("workspace_meta_no_truncate", "workspace_meta"))


def drop_guards(ws: Workspace) -> None:
    """What someone with DDL rights does first: drop every trigger guarding the log."""
    with ws.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in SQLITE_GUARDS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for name, table in PG_GUARDS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def rechain(conn: Connection, start: int) -> None:
    """Recompute every hash from entry ``start`` with the project's public hash function, and the head to match."""
    rows = conn.execute(text('SELECT seq, at, "user", agency, role, action, subject, details, os_user, prev_hash FROM audit_log '
                             "ORDER BY seq")).mappings().all()
    prev = "0" * 64
    for r in rows:
        if r["seq"] >= start:
            fields = {k: r[k] for k in ("seq", "at", "user", "agency", "role", "action", "subject", "details")}
            if r["os_user"] is not None:
                fields["os_user"] = r["os_user"]
            canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()
            conn.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"), {"p": prev, "h": digest, "s": r["seq"]})
            prev = digest
        else:
            prev = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": r["seq"]}).scalar_one()
    last = max(r["seq"] for r in rows)
    conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": last, "h": prev})


@pytest.fixture
def used(workspace: Workspace, examples: Path, tmp_path: Path) -> Workspace:
    import_as_hub(workspace, examples / "good")
    for record_id in ("P1", "P1", "P2"):
        get_person(workspace, LOCAL_ADMIN, "gwent-police", record_id)
    export(workspace, LOCAL_ADMIN, tmp_path / "out")
    return workspace


def _problems(ws: Workspace) -> list[str]:
    result = audit_service.verify(ws, LOCAL_ADMIN)
    assert result.ok == (not result.problems)
    return result.problems


def test_an_untouched_log_verifies(used: Workspace) -> None:
    assert _problems(used) == []


def test_cutting_the_newest_entries_and_rewriting_the_head_is_detected(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)"))
    assert any("head fails authentication" in p for p in _problems(used))


def test_recomputing_the_chain_with_the_public_hash_function_is_detected(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET subject = 'gwent-police:P9' WHERE seq = 2"))
        rechain(conn, 2)
    problems = _problems(used)
    assert any("entry 2 fails authentication" in p for p in problems), problems
    assert not any("was edited" in p for p in problems)  # the chain itself is consistent: only the key tells


def test_stripping_the_authentication_codes_and_rechaining_is_detected(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET subject = 'gwent-police:P9', mac = NULL WHERE seq = 2"))
        rechain(conn, 2)
    assert any("entry 2 carries no authentication code" in p for p in _problems(used))


def test_an_emptied_log_with_no_head_is_detected(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM audit_head"))
    problems = _problems(used)
    assert any("audit history" in p and "emptied" in p for p in problems), problems


def test_an_emptied_log_without_the_history_fact_is_still_detected_by_the_imports(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM audit_head"))
        conn.execute(text("DELETE FROM workspace_meta WHERE key = 'audit_history'"))
    assert any("bundle(s) were imported but the log has no entries" in p for p in _problems(used))


def test_a_forged_entry_appended_without_the_key_is_detected(used: Workspace) -> None:
    """An insert needs no DDL at all: the append-only triggers allow it, and the hash chain can be extended by anyone."""
    with used.engine.begin() as conn:
        head = conn.execute(text("SELECT seq, hash, mac FROM audit_head")).one()
        fields = {"seq": head.seq + 1, "at": "2026-12-05T10:00:00.000000Z", "user": "auditor2", "agency": "local", "role": "auditor",
                  "action": "audit_verify", "subject": "audit_log", "details": "{}", "os_user": "auditor2"}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256((head.hash + canonical).encode("utf-8")).hexdigest()
        conn.execute(text('INSERT INTO audit_log (seq, at, "user", agency, role, action, subject, details, os_user, prev_hash, hash, mac) '
                          "VALUES (:seq, :at, :user, :agency, :role, :action, :subject, :details, :os_user, :prev, :hash, :mac)"),
                     {**fields, "prev": head.hash, "hash": digest, "mac": "0" * 64})
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": head.seq + 1, "h": digest})
    problems = _problems(used)
    assert any(f"entry {head.seq + 1} fails authentication" in p for p in problems), problems


def test_the_database_holds_no_key(used: Workspace) -> None:
    key = (used.path / "audit.key").read_bytes()
    with used.engine.connect() as conn:
        dump = [str(v) for t in ("audit_log", "audit_head", "workspace_meta") for row in conn.execute(text(f"SELECT * FROM {t}")) for v in row]
    assert len(key) == 32 and not any(key.hex() in v for v in dump)
    assert (used.path / "audit.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.postgres
def test_truncate_by_a_superuser_in_replica_mode_is_detected(pg_url: str, tmp_path: Path, examples: Path) -> None:
    """TRUNCATE fires no row trigger; in replica mode no trigger fires at all. The workspace facts still say history exists."""
    from crossline.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", pg_url)
    try:
        import_as_hub(ws, examples / "good")
        get_person(ws, LOCAL_ADMIN, "gwent-police", "P1")
        with ws.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql("TRUNCATE audit_log, audit_head")
        problems = _problems(ws)
        assert any("audit history" in p and "emptied" in p for p in problems), problems
    finally:
        ws.close()


@pytest.mark.postgres
def test_truncate_without_replica_mode_is_refused(pg_url: str, tmp_path: Path, examples: Path) -> None:
    from sqlalchemy.exc import DBAPIError

    from crossline.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", pg_url)
    try:
        import_as_hub(ws, examples / "good")
        for table in ("audit_log", "audit_head", "workspace_meta"):
            with pytest.raises(DBAPIError, match="append-only|cannot be"):
                with ws.engine.begin() as conn:
                    conn.exec_driver_sql(f"TRUNCATE {table} CASCADE")
        assert _problems(ws) == []
    finally:
        ws.close()
