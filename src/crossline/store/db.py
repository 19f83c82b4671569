"""Open the system of record and bring its schema up to date (Alembic, applied on open)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect

from crossline.errors import ConfigurationError, InvalidInput


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


# What the application role may do to each table on PostgreSQL. The audit tables take no UPDATE of entries,
# no DELETE and no TRUNCATE; the role owns nothing, so it cannot ALTER a table, drop or disable a trigger.
AUDIT_TABLE_PRIVILEGES: dict[str, str] = {
    "audit_log": "SELECT, INSERT",
    "audit_head": "SELECT, INSERT, UPDATE",
    "workspace_meta": "SELECT, INSERT, UPDATE",  # the audit facts are guarded by a trigger the role cannot drop
    "alembic_version": "SELECT",
}
OTHER_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_sql(role: str, tables: list[str]) -> list[str]:
    """The statements that create (if needed) and grant the application role; run them as the database owner.

    NOSUPERUSER, NOBYPASSRLS and no ownership: it cannot TRUNCATE or DELETE from
    the audit log, disable its triggers (ALTER TABLE needs ownership) or set
    session_replication_role (superuser only). Re-run after every upgrade, so
    new tables get their grants.
    """
    if not _ROLE_NAME.match(role):
        raise InvalidInput(f"{role!r} is not a plain PostgreSQL role name (lower-case letters, digits and _)")
    out = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; END IF; END $$",
        f"ALTER ROLE {role} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
    ]
    for table in sorted(tables):
        out.append(f"REVOKE ALL ON TABLE {table} FROM {role}")
        out.append(f"GRANT {AUDIT_TABLE_PRIVILEGES.get(table, OTHER_TABLE_PRIVILEGES)} ON TABLE {table} TO {role}")
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return out


def apply_app_role(engine: Engine, role: str) -> list[str]:
    """Create and grant the application role on this (PostgreSQL) database; returns the statements run."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("an application role applies to PostgreSQL only; a SQLite workspace is protected by its file permissions")
    tables = inspect(engine).get_table_names(schema="public")
    statements = app_role_sql(role, tables)
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    return statements


def is_superuser(engine: Engine) -> bool:
    """Whether the workspace connects as a PostgreSQL superuser (which can rewrite anything the database holds)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar())
