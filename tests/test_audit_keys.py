"""The audit key: made owner-only on first open, kept out of the database, required on every later open; anchors kept elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from crossline.access import audit, keys
from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.errors import ConfigurationError, IntegrityError, InvalidInput, NotAllowed
from crossline.service import audit as audit_service
from crossline.service.persons import get_person
from crossline.workspace import Workspace, init_workspace, open_workspace
from helpers import import_as_hub
from test_audit_attacks import drop_guards


@pytest.fixture
def used(tmp_path: Path, examples: Path) -> Workspace:
    ws = init_workspace(tmp_path / "ws")
    import_as_hub(ws, examples / "good")
    get_person(ws, LOCAL_ADMIN, "gwent-police", "P1")
    get_person(ws, LOCAL_ADMIN, "gwent-police", "P2")
    return ws


def _count(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


def test_the_key_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ws = init_workspace(tmp_path / "ws")
    finally:
        os.umask(old)
    ws.close()
    assert (tmp_path / "ws" / "audit.key").stat().st_mode & 0o777 == 0o600


def test_a_missing_key_is_refused_not_replaced(used: Workspace) -> None:
    used.close()
    (used.path / "audit.key").rename(used.path.parent / "saved.key")
    with pytest.raises(ConfigurationError, match="audit key is missing") as caught:
        open_workspace(used.path)
    assert caught.value.next_step == "restore_audit_key"
    assert not (used.path / "audit.key").exists()  # no new key was made to start a fresh chain
    os.environ[keys.KEY_ENV] = str(used.path.parent / "saved.key")  # the operator points at where it is kept
    try:
        again = open_workspace(used.path)
        assert audit_service.verify(again, LOCAL_ADMIN).ok
        again.close()
    finally:
        del os.environ[keys.KEY_ENV]


def test_another_workspaces_key_is_refused(used: Workspace, tmp_path: Path) -> None:
    other = init_workspace(tmp_path / "other")
    other.close()
    used.close()
    (used.path / "audit.key").unlink()
    (tmp_path / "other" / "audit.key").rename(used.path / "audit.key")
    with pytest.raises(ConfigurationError, match="not the key this workspace"):
        open_workspace(used.path)


def test_a_key_others_can_read_is_refused(used: Workspace) -> None:
    used.close()
    (used.path / "audit.key").chmod(0o644)
    with pytest.raises(ConfigurationError, match="can be read by other accounts"):
        open_workspace(used.path)


def test_the_key_can_live_outside_the_workspace(tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "keys" / "crossline-audit.key"
    monkeypatch.setenv(keys.KEY_ENV, str(elsewhere))
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, examples / "good")
        assert elsewhere.exists() and not (ws.path / "audit.key").exists()
        assert audit_service.verify(ws, LOCAL_ADMIN).ok
    finally:
        ws.close()


def test_verify_writes_nothing(used: Workspace) -> None:
    """So that a read-only workspace, or a copy handed to an auditor, can be verified."""
    before = _count(used)
    assert audit_service.verify(used, LOCAL_ADMIN).ok
    assert _count(used) == before


def test_verify_from_the_cli_records_nothing(used: Workspace) -> None:
    before = _count(used)
    done = subprocess.run([sys.executable, "-m", "crossline.cli", "audit", "verify", "--workspace", str(used.path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "intact" in done.stdout, done.stderr
    assert _count(used) == before


def test_a_workspace_with_entries_from_before_the_key_is_sealed_and_still_protected(used: Workspace) -> None:
    """Entries written before migration 0005 carry no code: sealed when the key is made, they cannot be rewritten afterwards."""
    drop_guards(used)
    with used.engine.begin() as conn:  # make it look like a workspace from before the key existed
        conn.execute(text("UPDATE audit_log SET mac = NULL"))
        conn.execute(text("UPDATE audit_head SET mac = NULL"))
        conn.execute(text("DELETE FROM workspace_meta WHERE key LIKE 'audit%'"))
    used.close()
    (used.path / "audit.key").unlink()
    ws = open_workspace(used.path)  # a new key, and the old entries sealed with it
    try:
        get_person(ws, LOCAL_ADMIN, "gwent-police", "P1")
        assert audit_service.verify(ws, LOCAL_ADMIN).ok
        drop_guards(ws)
        with ws.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET subject = 'gwent-police:P9' WHERE seq = 2"))
            from test_audit_attacks import rechain

            rechain(conn, 2)
        problems = audit_service.verify(ws, LOCAL_ADMIN).problems
        assert any("entry 5" in p and "fails authentication" in p for p in problems), problems
    finally:
        ws.close()


def test_a_key_id_deleted_does_not_let_a_stripped_log_be_sealed_again(used: Workspace) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET mac = NULL"))
        conn.execute(text("DELETE FROM workspace_meta WHERE key LIKE 'audit%'"))
    used.close()
    ws = open_workspace(used.path)  # the key file is still there: the id is recorded again, nothing is sealed
    try:
        assert any("carries no authentication code" in p for p in audit_service.verify(ws, LOCAL_ADMIN).problems)
    finally:
        ws.close()


# --- anchors -----------------------------------------------------------------------------------------------------------


def test_anchor_and_verify_against_it(used: Workspace, tmp_path: Path) -> None:
    book = tmp_path / "logbook.txt"
    book.write_text("# anchors for the test workspace\n", encoding="utf-8")
    first = audit_service.anchor(used, LOCAL_ADMIN, book)
    get_person(used, LOCAL_ADMIN, "gwent-police", "P1")
    second = audit_service.anchor(used, LOCAL_ADMIN, book)
    assert second.seq == first.seq + 1
    result = audit_service.verify(used, LOCAL_ADMIN, book)
    assert result.ok, result.problems
    assert "2 anchor(s)" in result.notes[0]


def test_an_anchor_must_be_kept_outside_the_workspace(used: Workspace) -> None:
    with pytest.raises(InvalidInput, match="inside the workspace"):
        audit_service.anchor(used, LOCAL_ADMIN, used.path / "anchors.txt")


def test_an_auditor_may_anchor_and_a_partner_may_not(used: Workspace, tmp_path: Path) -> None:
    audit_service.anchor(used, Actor("auditor1", "local", "auditor"), tmp_path / "a.txt")
    with pytest.raises(NotAllowed):
        audit_service.anchor(used, Actor("teacher1", "valleys-schools-trust", "partner"), tmp_path / "b.txt")


def test_a_broken_log_is_not_anchored(used: Workspace, tmp_path: Path) -> None:
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET subject = 'x' WHERE seq = 2"))
    with pytest.raises(IntegrityError, match="cannot be anchored"):
        audit_service.anchor(used, LOCAL_ADMIN, tmp_path / "a.txt")


def _attacker_with_the_key_cuts_to(ws: Workspace, seq: int) -> None:
    """Holding both the database and the key file: cut the log and sign a head to match. Only an anchor catches this."""
    key = (ws.path / "audit.key").read_bytes()
    drop_guards(ws)
    with ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": seq})
        digest = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": seq}).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h, mac = :m"), {"s": seq, "h": digest, "m": audit.head_mac(key, seq, digest)})


def test_a_cut_behind_an_anchor_is_found_even_by_someone_holding_the_key(used: Workspace, tmp_path: Path) -> None:
    book = tmp_path / "logbook.txt"
    taken = audit_service.anchor(used, LOCAL_ADMIN, book)
    get_person(used, LOCAL_ADMIN, "gwent-police", "P2")
    _attacker_with_the_key_cuts_to(used, taken.seq - 1)
    assert audit_service.verify(used, LOCAL_ADMIN).ok  # without the anchor, nothing shows: docs/audit.md says so
    problems = audit_service.verify(used, LOCAL_ADMIN, book).problems
    assert any(f"no longer reaches entry {taken.seq}" in p for p in problems), problems


def test_a_rewrite_before_an_anchor_is_found_even_by_someone_holding_the_key(used: Workspace, tmp_path: Path) -> None:
    book = tmp_path / "logbook.txt"
    taken = audit_service.anchor(used, LOCAL_ADMIN, book)
    key = (used.path / "audit.key").read_bytes()
    drop_guards(used)
    with used.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET subject = 'gwent-police:P9' WHERE seq = 2"))
        from test_audit_attacks import rechain

        rechain(conn, 2)
        for seq, digest in conn.execute(text("SELECT seq, hash FROM audit_log")).all():
            conn.execute(text("UPDATE audit_log SET mac = :m WHERE seq = :s"), {"m": audit.entry_mac(key, seq, digest), "s": seq})
        seq, digest = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
        conn.execute(text("UPDATE audit_head SET mac = :m"), {"m": audit.head_mac(key, seq, digest)})
    assert audit_service.verify(used, LOCAL_ADMIN).ok
    problems = audit_service.verify(used, LOCAL_ADMIN, book).problems
    assert any(f"entry {taken.seq} is not the anchored one" in p for p in problems), problems


def test_an_altered_anchor_is_reported(used: Workspace, tmp_path: Path) -> None:
    book = tmp_path / "logbook.txt"
    taken = audit_service.anchor(used, LOCAL_ADMIN, book)
    data = json.loads(book.read_text(encoding="utf-8"))
    data["seq"] = taken.seq - 1
    book.write_text(json.dumps(data) + "\n", encoding="utf-8")
    assert any("not signed by this workspace's key" in p for p in audit_service.verify(used, LOCAL_ADMIN, book).problems)
    book.write_text("not an anchor\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 1 is not an audit anchor"):
        audit_service.verify(used, LOCAL_ADMIN, book)


def test_the_cli_anchors_and_verifies_against_the_file(used: Workspace, tmp_path: Path) -> None:
    used.close()
    book = tmp_path / "logbook.jsonl"
    cli = [sys.executable, "-m", "crossline.cli", "audit"]
    made = subprocess.run([*cli, "anchor", "--out", str(book), "--workspace", str(used.path)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["seq"] == json.loads(book.read_text(encoding="utf-8"))["seq"] == 4
    ok = subprocess.run([*cli, "verify", "--anchor", str(book), "--workspace", str(used.path)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stderr
    ws = open_workspace(used.path)
    try:
        _attacker_with_the_key_cuts_to(ws, 2)
    finally:
        ws.close()
    cut = subprocess.run([*cli, "verify", "--anchor", str(book), "--workspace", str(used.path)], capture_output=True, text=True, timeout=120)
    assert cut.returncode == IntegrityError.exit_code and "no longer reaches entry 4" in " ".join(cut.stderr.split()), cut.stderr
