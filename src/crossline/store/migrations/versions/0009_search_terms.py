"""search terms: fuzzy name matching over distinct names, their records by key

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Written by hand (issue 16, load). Migration 0007 kept one fuzzy-index row per
(name, record): on a million people a common name's trigrams matched
thousands of rows per search, the same few names over and over. Now
``search_names_terms`` holds each distinct name once (FTS5 trigram on
SQLite, pg_trgm GIN on PostgreSQL: dialect-specific, so not a model) and
``search_names_records`` the records carrying each name, read by primary key.
The index's contents are carried over; nothing needs re-indexing.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_names_records',
        sa.Column('term', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint('term', 'source', 'record_id'),
    )
    op.execute("INSERT INTO search_names_records (term, source, record_id) SELECT DISTINCT term, source, record_id FROM search_names")
    op.create_index('ix_search_names_records_record', 'search_names_records', ['source', 'record_id'])
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE search_names_terms USING fts5(term, tokenize='trigram')")
    else:
        op.create_table('search_names_terms', sa.Column('term', sa.Text(), nullable=False), sa.PrimaryKeyConstraint('term'))
        op.execute("CREATE INDEX ix_search_names_terms_trgm ON search_names_terms USING gin (term gin_trgm_ops)")
    op.execute("INSERT INTO search_names_terms (term) SELECT DISTINCT term FROM search_names_records")
    op.execute("DROP TABLE search_names")
    if op.get_bind().dialect.name == 'postgresql':  # planner statistics now, not whenever autovacuum comes round
        op.execute("ANALYZE search_names_terms")
        op.execute("ANALYZE search_names_records")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE search_names USING fts5(term, source UNINDEXED, record_id UNINDEXED, tokenize='trigram')")
    else:
        op.create_table(
            'search_names',
            sa.Column('term', sa.Text(), nullable=False),
            sa.Column('source', sa.String(length=64), nullable=False),
            sa.Column('record_id', sa.String(length=256), nullable=False),
        )
        op.execute("CREATE INDEX ix_search_names_trgm ON search_names USING gin (term gin_trgm_ops)")
        op.create_index('ix_search_names_record', 'search_names', ['source', 'record_id'])
    op.execute("INSERT INTO search_names (term, source, record_id) SELECT term, source, record_id FROM search_names_records")
    op.execute("DROP TABLE search_names_terms")
    op.drop_index('ix_search_names_records_record', table_name='search_names_records')
    op.drop_table('search_names_records')
