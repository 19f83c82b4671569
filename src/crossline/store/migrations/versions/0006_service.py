"""service: users, login sessions, API tokens, jobs and anonymous reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Written by hand (issue 16, the multi-agency service).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.Text(), nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.String(length=32), nullable=True),
        sa.Column('must_change_password', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'web_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('last_seen_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'])
    op.create_table(
        'api_tokens',
        sa.Column('token_id', sa.String(length=32), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('revoked_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('token_id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_table(
        'jobs',
        sa.Column('job_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=128), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('started_at', sa.String(length=32), nullable=True),
        sa.Column('finished_at', sa.String(length=32), nullable=True),
        sa.Column('heartbeat_at', sa.String(length=32), nullable=True),
        sa.Column('worker', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('progress', sa.Text(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('job_id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('ix_jobs_status', 'jobs', ['status'])
    op.create_table(
        'anonymous_reports',
        sa.Column('report_id', sa.String(length=32), nullable=False),
        sa.Column('received_on', sa.String(length=10), nullable=False),
        sa.Column('area', sa.Text(), nullable=True),
        sa.Column('concern', sa.Text(), nullable=False),
        sa.Column('grading', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('triaged_by', sa.Text(), nullable=True),
        sa.Column('triaged_at', sa.String(length=32), nullable=True),
        sa.Column('triage_note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('report_id'),
    )
    op.create_index('ix_anonymous_reports_status', 'anonymous_reports', ['status'])


def downgrade() -> None:
    for index, table in (('ix_anonymous_reports_status', 'anonymous_reports'), ('ix_jobs_status', 'jobs'),
                         ('ix_web_sessions_user_id', 'web_sessions')):
        op.drop_index(index, table_name=table)
    for table in ('anonymous_reports', 'jobs', 'api_tokens', 'web_sessions', 'users'):
        op.drop_table(table)
