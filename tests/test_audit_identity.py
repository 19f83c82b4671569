"""Who the audit log names: the account that really ran the command; and audited reads from two processes at once never fail."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN, local_admin, os_account
from crossline.service import audit as audit_service
from crossline.workspace import Workspace, init_workspace
from helpers import import_as_hub


def _last_entry(ws: Workspace) -> dict[str, object]:
    with ws.engine.connect() as conn:
        return dict(conn.execute(text('SELECT "user", os_user, action, subject FROM audit_log ORDER BY seq DESC LIMIT 1')).mappings().one())


def test_the_actor_is_the_real_account_whatever_the_environment_says(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGNAME", "someone")
    monkeypatch.setenv("USER", "someone")
    monkeypatch.setenv("LNAME", "someone")
    monkeypatch.setenv("USERNAME", "someone")
    real = pwd.getpwuid(os.getuid()).pw_name
    assert os_account() == real and local_admin().user == real


def test_logname_does_not_change_who_the_cli_records(tmp_path: Path, examples: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, examples / "good")
        env = {**os.environ, "LOGNAME": "someone", "USER": "someone", "LNAME": "someone", "USERNAME": "someone"}
        done = subprocess.run([sys.executable, "-m", "crossline.cli", "person", "gwent-police", "P1", "--workspace", str(ws.path)],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        real = pwd.getpwuid(os.getuid()).pw_name
        assert _last_entry(ws) == {"user": real, "os_user": real, "action": "read_person", "subject": "gwent-police:P1"}
    finally:
        ws.close()


def test_a_service_user_is_recorded_beside_the_account_that_ran_the_process(tmp_path: Path, examples: Path) -> None:
    """A named Crossline user (the future service) is the actor; the OS account running the process is kept beside it."""
    from crossline.access.actor import Actor
    from crossline.service.persons import get_person

    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, examples / "good")
        get_person(ws, Actor(user="analyst.jones", agency="gwent-police", role="admin"), "gwent-police", "P1")
        assert _last_entry(ws)["user"] == "analyst.jones" and _last_entry(ws)["os_user"] == os_account()
    finally:
        ws.close()


READER = """
import sys
import time
from pathlib import Path
from crossline.access.actor import LOCAL_ADMIN
from crossline.service.persons import get_person
from crossline.workspace import open_workspace

ws = open_workspace(sys.argv[1])
go = Path(sys.argv[3])
while not go.exists():  # both processes opened: start together, so their reads really overlap
    time.sleep(0.01)
failed = 0
for _ in range(int(sys.argv[2])):
    try:
        get_person(ws, LOCAL_ADMIN, "gwent-police", "P1")
    except Exception as exc:
        failed += 1
        print(type(exc).__name__, str(exc)[:200], file=sys.stderr)
print(failed)
"""


def test_concurrent_audited_reads_from_two_processes_never_fail(tmp_path: Path, examples: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    try:
        import_as_hub(ws, examples / "good")
        script = tmp_path / "reader.py"
        script.write_text(READER, encoding="utf-8")
        go = tmp_path / "go"
        procs = [subprocess.Popen([sys.executable, str(script), str(ws.path), "60", str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        time.sleep(8)  # long enough for both to import and open the workspace on a loaded machine
        go.touch()
        outs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
        assert [int(o.strip().splitlines()[-1]) for o, _ in outs] == [0, 0], [e[-600:] for _, e in outs]
        with ws.engine.connect() as conn:
            reads = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'read_person'")).scalar_one()
        assert reads == 120
        assert audit_service.verify(ws, LOCAL_ADMIN).ok
    finally:
        ws.close()
