"""Open the system of record and bring its schema up to date (Alembic, applied on open)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

from crossline.errors import ConfigurationError


def database_url(setting: str, workspace: Path) -> str:
    """The SQLAlchemy URL: the setting, or crossline.db in the workspace; PostgreSQL uses psycopg 3."""
    if not setting:
        return f"sqlite:///{workspace / 'crossline.db'}"
    if setting.startswith("postgresql://") or setting.startswith("postgres://"):
        return "postgresql+psycopg://" + setting.split("://", 1)[1]
    return setting


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA temp_store=MEMORY")  # import staging tables: no temp-file churn
            cur.execute("PRAGMA cache_size=-65536")  # 64 MB page cache
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied; a no-op on an up-to-date database."""
    script_location = str(resources.files("crossline.store") / "migrations")
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:  # any driver error here means the database is unusable
        raise ConfigurationError(
            f"cannot open or migrate the database at {engine.url.render_as_string(hide_password=True)}: {exc}"
        ) from exc
