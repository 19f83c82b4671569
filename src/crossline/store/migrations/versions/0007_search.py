"""search: an index of person records by name (fuzzy), phone, identifiers and postcode

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Written by hand (issue 16, search). ``search_keys`` is an ordinary table on
both databases (exact look-ups). ``search_names`` is dialect-specific and
therefore not among the models: on SQLite an FTS5 table with the trigram
tokenizer, on PostgreSQL a table with a pg_trgm GIN index (pg_trgm is a
trusted extension: the database owner may create it).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_keys',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=256), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', 'source', 'record_id'),
    )
    op.create_index('ix_search_keys_record', 'search_keys', ['source', 'record_id'])
    op.create_table(
        'search_indexed',
        sa.Column('bundle_id', sa.String(length=64), nullable=False),
        sa.Column('indexed_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('bundle_id'),
    )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE search_names USING fts5(term, source UNINDEXED, record_id UNINDEXED, tokenize='trigram')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            'search_names',
            sa.Column('term', sa.Text(), nullable=False),
            sa.Column('source', sa.String(length=64), nullable=False),
            sa.Column('record_id', sa.String(length=256), nullable=False),
        )
        op.execute("CREATE INDEX ix_search_names_trgm ON search_names USING gin (term gin_trgm_ops)")
        op.create_index('ix_search_names_record', 'search_names', ['source', 'record_id'])


def downgrade() -> None:
    op.execute("DROP TABLE search_names")
    op.drop_table('search_indexed')
    op.drop_index('ix_search_keys_record', table_name='search_keys')
    op.drop_table('search_keys')
