"""security: who ran each audited action and its authentication; workspace facts; record history; who may send for whom

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Written by hand (issue 12). Columns are added, never rebuilt: a rebuilt
audit_log would lose its append-only triggers.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('os_user', sa.Text(), nullable=True))
    op.add_column('audit_log', sa.Column('mac', sa.String(length=64), nullable=True))
    op.add_column('bundles', sa.Column('from_agency', sa.String(length=64), nullable=True))
    op.create_table(
        'workspace_meta',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'record_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('record_key', sa.Text(), nullable=False),
        sa.Column('bundle_id', sa.String(length=64), nullable=True),
        sa.Column('superseded_by', sa.String(length=64), nullable=False),
        sa.Column('superseded_at', sa.String(length=32), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_record_versions_record', 'record_versions', ['kind', 'source', 'record_key'])
    op.create_table(
        'agency_senders',
        sa.Column('sender', sa.String(length=64), nullable=False),
        sa.Column('for_agency', sa.String(length=64), nullable=False),
        sa.Column('granted_by', sa.Text(), nullable=False),
        sa.Column('granted_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('sender', 'for_agency'),
    )


def downgrade() -> None:
    op.drop_table('agency_senders')
    op.drop_index('ix_record_versions_record', table_name='record_versions')
    op.drop_table('record_versions')
    op.drop_table('workspace_meta')
    op.drop_column('bundles', 'from_agency')
    op.drop_column('audit_log', 'mac')
    op.drop_column('audit_log', 'os_user')
