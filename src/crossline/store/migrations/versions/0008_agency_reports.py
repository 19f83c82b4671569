"""agency reports: a concern reported by a named agency (a business) keeps that agency, so it can see what it reported

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Written by hand (issue 16, reporter standing). Anonymous reports keep NULL:
nothing identifies their sender.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('anonymous_reports') as batch:
        batch.add_column(sa.Column('reported_by', sa.String(length=64), nullable=True))
        batch.create_index('ix_anonymous_reports_reported_by', ['reported_by'])


def downgrade() -> None:
    with op.batch_alter_table('anonymous_reports') as batch:
        batch.drop_index('ix_anonymous_reports_reported_by')
        batch.drop_column('reported_by')
