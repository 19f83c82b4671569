"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crossline.store import models
from crossline.workspace import Workspace


def test_migrations_and_models_agree(workspace: Workspace) -> None:
    importlib.import_module("crossline.casework.models")  # its tables register on the shared metadata
    with workspace.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), models.Base.metadata)
    # indexes are named by each dialect's conventions; tables, columns and nullability must agree
    # search_names is dialect-specific by design (an FTS5 table on SQLite, pg_trgm on PostgreSQL: migration 0007), so not a model
    meaningful = [d for d in diff if not (isinstance(d, tuple) and d[0] in ("add_index", "remove_index"))
                  and not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name.startswith("search_names"))]
    assert meaningful == [], meaningful
