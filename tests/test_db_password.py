"""crossline.toml never holds a database password: it comes from $CROSSLINE_DATABASE_PASSWORD or an owner-only file.

The attack: crossline.toml is read by anyone who can read the workspace (a backup, a copy sent with a support
request), and a PostgreSQL URL with ``user:password@`` in it handed them the database. A URL with a password is
now refused, before anything is written, without echoing the password.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_run import crossline
from crossline.errors import ConfigurationError
from crossline.settings import url_has_password
from crossline.workspace import PASSWORD_ENV, init_workspace, open_workspace

SECRET = "Not-a-real-pw-7731"


@pytest.mark.parametrize("url", [
    f"postgresql://crossline_app:{SECRET}@127.0.0.1:5432/crossline",
    f"postgresql://crossline_app@127.0.0.1:5432/crossline?password={SECRET}",
    f"postgresql+psycopg://crossline_app:{SECRET}@db.example.invalid/crossline",
])
def test_init_refuses_a_url_with_a_password_and_writes_nothing(tmp_path: Path, url: str) -> None:
    ws = tmp_path / "ws"
    done = crossline("init", "-w", ws, "--database-url", url, cwd=tmp_path)
    assert done.returncode == ConfigurationError.exit_code, done.stderr
    assert "password" in done.stderr and PASSWORD_ENV in done.stderr and "database_password_file" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (ws / "crossline.toml").exists()


def test_a_password_put_into_crossline_toml_by_hand_is_refused_on_open(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    init_workspace(ws).close()
    config = ws / "crossline.toml"
    config.write_text(config.read_text().replace('database_url = ""', f'database_url = "postgresql://app:{SECRET}@127.0.0.1/x"'))
    done = crossline("status", "-w", ws, cwd=tmp_path)
    assert done.returncode == ConfigurationError.exit_code
    assert "database_url" in done.stderr and "holds a password" in done.stderr and SECRET not in done.stderr


def test_url_has_password() -> None:
    assert url_has_password("postgresql://u:p@h/d") and url_has_password("postgresql://u@h/d?sslmode=require&password=p")
    assert not url_has_password("postgresql://u@h:5432/d") and not url_has_password("") and not url_has_password("postgresql://h/d?user=u")
    assert url_has_password("postgresql://u:@h/d"), "an empty password in the URL is still the wrong place for one"


@pytest.mark.postgres
def test_the_password_comes_from_the_environment(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    init_workspace(tmp_path / "ws", pg_url).close()
    monkeypatch.setenv(PASSWORD_ENV, SECRET)
    ws = open_workspace(tmp_path / "ws")
    try:
        assert ws.engine.url.password == SECRET
        assert SECRET not in ws.database_label
        with ws.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    finally:
        ws.close()
    assert SECRET not in (tmp_path / "ws" / "crossline.toml").read_text()
    status = crossline("status", "-w", tmp_path / "ws", cwd=tmp_path, env={PASSWORD_ENV: SECRET})
    assert status.returncode == 0 and SECRET not in status.stdout


@pytest.mark.postgres
def test_the_password_file_must_be_owner_only(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    init_workspace(tmp_path / "ws", pg_url).close()
    config = tmp_path / "ws" / "crossline.toml"
    config.write_text(config.read_text().replace('database_password_file = ""', 'database_password_file = "../db-password"'))
    secret = tmp_path / "db-password"
    secret.write_text(SECRET + "\n")
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigurationError, match="mode 600") as refused:
        open_workspace(tmp_path / "ws")
    assert SECRET not in refused.value.message
    os.chmod(secret, 0o600)
    ws = open_workspace(tmp_path / "ws")
    try:
        assert ws.engine.url.password == SECRET
    finally:
        ws.close()
    secret.write_text("")
    with pytest.raises(ConfigurationError, match="empty"):
        open_workspace(tmp_path / "ws")


def test_the_password_file_is_not_used_for_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has no password; an environment variable set for another workspace must not break this one."""
    monkeypatch.setenv(PASSWORD_ENV, SECRET)
    ws = init_workspace(tmp_path / "ws")
    try:
        assert ws.engine.url.password is None
    finally:
        ws.close()
