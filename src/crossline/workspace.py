"""A workspace is one folder: crossline.toml, crossline.db, lake/, picture/ and exports/.

Everything in it is its owner's alone (folders 0700, files 0600): opening or
creating a workspace sets the process umask to 077 (crossline.store.files).
A workspace this account cannot write is opened read-only, so a restored
backup or an auditor's copy still answers status and audit verification.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from crossline import settings as settings_file
from crossline.access import keys as audit_keys
from crossline.errors import ConfigurationError
from crossline.settings import Settings, parse, render_toml
from crossline.store import files
from crossline.store import lake as lake_store
from crossline.store import picture as picture_store
from crossline.store.db import database_url, make_engine, migrate
from crossline.store.readonly import require_current_schema, sqlite_read_only

DEFAULT_WORKSPACE = "crossline-workspace"
CONFIG_NAME = "crossline.toml"
DATABASE_NAME = "crossline.db"
PASSWORD_ENV = "CROSSLINE_DATABASE_PASSWORD"


def default_workspace_path() -> Path:
    return Path(os.environ.get("CROSSLINE_WORKSPACE", DEFAULT_WORKSPACE))


@dataclass
class Workspace:
    path: Path
    settings: Settings
    engine: Engine
    read_only: bool = False  # this account cannot write the workspace folder: nothing is migrated, swept or recorded

    @property
    def lake(self) -> Path:
        return self.path / "lake"

    @property
    def exports(self) -> Path:
        return self.path / "exports"

    @property
    def picture(self) -> Path:
        return picture_store.picture_root(self.path)

    @property
    def staging(self) -> Path:
        return self.lake / lake_store.STAGING

    @property
    def database_label(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()


def init_workspace(path: Path, database_url_setting: str = "") -> Workspace:
    """Create a workspace (or reopen one that exists, changing nothing)."""
    files.owner_only_umask()
    path = Path(path)
    config = path / CONFIG_NAME
    if not config.exists():
        if path.exists() and any(p for p in path.iterdir() if p.name != ".writer.lock"):
            raise ConfigurationError(f"{path} exists and is not a Crossline workspace; choose an empty or new folder")
        overrides = {"database_url": database_url_setting} if database_url_setting else {}
        parse(overrides, "--database-url")  # a password in the URL is refused before anything is written
        files.private_dir(path)
        files.private_write(config, render_toml(overrides))
    for sub in ("lake", "exports"):
        files.private_dir(path / sub)
    return open_workspace(path)


def open_workspace(path: Path) -> Workspace:
    """Open an existing workspace: migrate the database, sweep what an interrupted import left."""
    files.owner_only_umask()
    path = Path(path)
    config = path / CONFIG_NAME
    if not config.exists():
        missing = ConfigurationError(f"no Crossline workspace at {path}", next_step="init_workspace")
        missing.path = path  # type: ignore[attr-defined]  # an interface words a command that creates exactly this one
        raise missing
    settings = settings_file.load(config)
    for own in (path, config, path / DATABASE_NAME, path / f"{DATABASE_NAME}-wal", path / f"{DATABASE_NAME}-shm"):
        files.tighten(own)  # a workspace made before Crossline set modes itself, or copied with cp -r
    read_only = not os.access(path, os.W_OK)
    url = database_url(settings.database_url, path)
    if read_only and not settings.database_url:
        engine = sqlite_read_only(path / DATABASE_NAME)
        require_current_schema(engine)
    else:
        engine = make_engine(_with_password(url, settings, path))
        migrate(engine)
    audit_keys.open_key(engine, path, settings.audit_key_file)  # audited actions need it; made on first open
    ws = Workspace(path=path, settings=settings, engine=engine, read_only=read_only)
    if read_only:
        return ws
    files.private_dir(ws.lake)
    files.private_dir(ws.exports)
    with lake_store.writer_lock(path, wait=False) as got:
        if got:
            lake_store.recover(engine, ws.lake)
            picture_store.recover(engine, path)
    return ws


def _with_password(url: str, settings: Settings, workspace: Path) -> str:
    """The URL with the password from the environment or the owner-only password file; crossline.toml never holds one."""
    if url.startswith("sqlite"):
        return url
    password = os.environ.get(PASSWORD_ENV, "")
    if settings.database_password_file:
        secret = Path(settings.database_password_file).expanduser()
        secret = secret if secret.is_absolute() else workspace / secret
        files.require_owner_only(secret, "the database password file")
        lines = secret.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
        if not password:
            raise ConfigurationError(f"the database password file {secret} is empty: put the password on its first line")
    if not password:
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)
