"""Opening a workspace this account cannot write: a restored backup, a copy handed to an auditor, a read-only mount.

Such a workspace must still answer ``status`` and ``audit verify``. SQLite in
WAL mode normally creates ``crossline.db-shm`` beside the database even to
read, which a read-only folder refuses; when no writer has left a WAL behind,
the database is opened ``immutable`` (nothing can change it: nobody here can
write), otherwise ``mode=ro`` reads the WAL that is there. Nothing is migrated:
a database whose schema is behind this version of Crossline is refused with
a message saying so, instead of a driver error halfway through a query.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

from crossline.errors import ConfigurationError


def sqlite_read_only(database: Path) -> Engine:
    """An engine that only reads ``database``; the path reaches SQLite percent-encoded, so any character in it is safe."""
    has_wal = Path(f"{database}-wal").exists() and Path(f"{database}-shm").exists()
    uri = f"file:{quote(str(database.resolve()))}?mode=ro" + ("" if has_wal else "&immutable=1")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return create_engine("sqlite://", creator=connect)


def require_current_schema(engine: Engine) -> None:
    """Refuse a database that would need migrating, since a read-only one cannot be."""
    script = ScriptDirectory(str(resources.files("crossline.store") / "migrations"))
    head = script.get_current_head()
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # any driver error here means the database cannot be read at all
        raise ConfigurationError(f"cannot read the database at {engine.url.render_as_string(hide_password=True)}: {exc}") from exc
    if current != head:
        raise ConfigurationError(
            f"the workspace is read-only and its database is at schema {current or 'none'}, not {head}: "
            "open it once with write access (or from a writable copy) so it can be brought up to date"
        )
