"""A workspace is one folder: crossline.toml, crossline.db, lake/, picture/ and exports/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from crossline import settings as settings_file
from crossline.access import keys as audit_keys
from crossline.errors import ConfigurationError
from crossline.settings import Settings, render_toml
from crossline.store import lake as lake_store
from crossline.store import picture as picture_store
from crossline.store.db import database_url, make_engine, migrate

DEFAULT_WORKSPACE = "crossline-workspace"
CONFIG_NAME = "crossline.toml"


def default_workspace_path() -> Path:
    return Path(os.environ.get("CROSSLINE_WORKSPACE", DEFAULT_WORKSPACE))


@dataclass
class Workspace:
    path: Path
    settings: Settings
    engine: Engine

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
    path = Path(path)
    config = path / CONFIG_NAME
    if not config.exists():
        if path.exists() and any(p for p in path.iterdir() if p.name != ".writer.lock"):
            raise ConfigurationError(f"{path} exists and is not a Crossline workspace; choose an empty or new folder")
        path.mkdir(parents=True, exist_ok=True)
        overrides = {"database_url": database_url_setting} if database_url_setting else {}
        config.write_text(render_toml(overrides), encoding="utf-8")
    for sub in ("lake", "exports"):
        (path / sub).mkdir(exist_ok=True)
    return open_workspace(path)


def open_workspace(path: Path) -> Workspace:
    """Open an existing workspace: migrate the database, sweep what an interrupted import left."""
    path = Path(path)
    config = path / CONFIG_NAME
    if not config.exists():
        raise ConfigurationError(
            f"no Crossline workspace at {path}", next_step="init_workspace"
        )
    settings = settings_file.load(config)
    engine = make_engine(database_url(settings.database_url, path))
    migrate(engine)
    audit_keys.open_key(engine, path, settings.audit_key_file)  # audited actions need it; made on first open
    ws = Workspace(path=path, settings=settings, engine=engine)
    ws.lake.mkdir(exist_ok=True)
    ws.exports.mkdir(exist_ok=True)
    with lake_store.writer_lock(path, wait=False) as got:
        if got:
            lake_store.recover(engine, ws.lake)
            picture_store.recover(engine, path)
    return ws
