"""audit: the head carries an authentication code; the head, the audit facts and (on PostgreSQL) TRUNCATE are guarded

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

Written by hand (issue 12). The triggers stop accidents and anyone without
DDL rights; the authentication codes (crossline.access.audit) catch the rest.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_FACTS = "OLD.key LIKE 'audit%'"


def upgrade() -> None:
    op.add_column('audit_head', sa.Column('mac', sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END")
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER workspace_meta_audit_no_{verb.lower()} BEFORE {verb} ON workspace_meta WHEN {_FACTS} "
                "BEGIN SELECT RAISE(ABORT, 'the audit facts of workspace_meta are append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE FUNCTION audit_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_head cannot be deleted'; END $$"
    )
    op.execute("CREATE TRIGGER audit_head_kept BEFORE DELETE OR TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION audit_head_kept()")
    op.execute(
        "CREATE FUNCTION workspace_meta_audit_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {_FACTS} THEN RAISE EXCEPTION 'the audit facts of workspace_meta are append-only'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER workspace_meta_audit_kept BEFORE UPDATE OR DELETE ON workspace_meta "
        "FOR EACH ROW EXECUTE FUNCTION workspace_meta_audit_kept()"
    )
    op.execute(
        "CREATE FUNCTION workspace_meta_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'workspace_meta holds the audit facts and cannot be truncated'; END $$"
    )
    op.execute("CREATE TRIGGER workspace_meta_no_truncate BEFORE TRUNCATE ON workspace_meta FOR EACH STATEMENT EXECUTE FUNCTION workspace_meta_no_truncate()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_head_no_delete")
        op.execute("DROP TRIGGER workspace_meta_audit_no_update")
        op.execute("DROP TRIGGER workspace_meta_audit_no_delete")
    else:
        op.execute("DROP TRIGGER workspace_meta_no_truncate ON workspace_meta")
        op.execute("DROP FUNCTION workspace_meta_no_truncate()")
        op.execute("DROP TRIGGER workspace_meta_audit_kept ON workspace_meta")
        op.execute("DROP FUNCTION workspace_meta_audit_kept()")
        op.execute("DROP TRIGGER audit_head_kept ON audit_head")
        op.execute("DROP FUNCTION audit_head_kept()")
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('mac')
