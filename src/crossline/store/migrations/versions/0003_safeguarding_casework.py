"""safeguarding casework: referrals, interventions, outcomes, NRM, safeguarding flags, alert recipients

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Written by hand (issue 6); the models are in crossline/casework/models.py and
tests/risk/test_risk_casework.py checks that the two agree on SQLite and
PostgreSQL.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'referrals',
        sa.Column('referral_id', sa.String(length=64), nullable=False),
        sa.Column('nominal_id', sa.String(length=64), nullable=False),
        sa.Column('to_agency', sa.String(length=64), nullable=False),
        sa.Column('service', sa.String(length=32), nullable=False),
        sa.Column('programme', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('made_at', sa.String(length=32), nullable=False),
        sa.Column('made_by', sa.Text(), nullable=False),
        sa.Column('made_by_agency', sa.String(length=64), nullable=False),
        sa.Column('decided_at', sa.String(length=32), nullable=True),
        sa.Column('decided_by', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('referral_id'),
    )
    op.create_index('ix_referrals_nominal_id', 'referrals', ['nominal_id'])
    op.create_index('ix_referrals_to_agency', 'referrals', ['to_agency'])

    op.create_table(
        'referral_updates',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('referral_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('user', sa.Text(), nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_referral_updates_referral_id', 'referral_updates', ['referral_id'])

    op.create_table(
        'interventions',
        sa.Column('intervention_id', sa.String(length=64), nullable=False),
        sa.Column('referral_id', sa.String(length=64), nullable=True),
        sa.Column('nominal_id', sa.String(length=64), nullable=False),
        sa.Column('programme', sa.String(length=32), nullable=False),
        sa.Column('provider_agency', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.String(length=32), nullable=False),
        sa.Column('ended_at', sa.String(length=32), nullable=True),
        sa.Column('end_reason', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('intervention_id'),
    )
    op.create_index('ix_interventions_referral_id', 'interventions', ['referral_id'])
    op.create_index('ix_interventions_nominal_id', 'interventions', ['nominal_id'])

    op.create_table(
        'outcomes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('nominal_id', sa.String(length=64), nullable=False),
        sa.Column('intervention_id', sa.String(length=64), nullable=True),
        sa.Column('referral_id', sa.String(length=64), nullable=True),
        sa.Column('measure', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('observed_at', sa.String(length=32), nullable=False),
        sa.Column('recorded_by', sa.Text(), nullable=False),
        sa.Column('recorded_agency', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outcomes_nominal_id', 'outcomes', ['nominal_id'])
    op.create_index('ix_outcomes_intervention_id', 'outcomes', ['intervention_id'])

    op.create_table(
        'nrm_referrals',
        sa.Column('nrm_id', sa.String(length=64), nullable=False),
        sa.Column('nominal_id', sa.String(length=64), nullable=False),
        sa.Column('first_responder', sa.Text(), nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.Column('referred_at', sa.String(length=32), nullable=False),
        sa.Column('exploitation', sa.String(length=32), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('reasonable_grounds', sa.String(length=16), nullable=False),
        sa.Column('reasonable_grounds_at', sa.String(length=32), nullable=True),
        sa.Column('conclusive_grounds', sa.String(length=16), nullable=False),
        sa.Column('conclusive_grounds_at', sa.String(length=32), nullable=True),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('nrm_id'),
    )
    op.create_index('ix_nrm_referrals_nominal_id', 'nrm_referrals', ['nominal_id'])

    op.create_table(
        'nrm_decisions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('nrm_id', sa.String(length=64), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('decided_at', sa.String(length=32), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_nrm_decisions_nrm_id', 'nrm_decisions', ['nrm_id'])

    op.create_table(
        'safeguarding_flags',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('nominal_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('origin', sa.String(length=128), nullable=False),
        sa.Column('raised_at', sa.String(length=32), nullable=False),
        sa.Column('raised_by', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('nominal_id', 'kind', name='uq_safeguarding_flag'),
    )
    op.create_index('ix_safeguarding_flags_nominal_id', 'safeguarding_flags', ['nominal_id'])

    op.create_table(
        'alert_recipients',
        sa.Column('alert_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('agency', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('alert_id', 'agency'),
    )


def downgrade() -> None:
    op.drop_table('alert_recipients')
    op.drop_index('ix_safeguarding_flags_nominal_id', table_name='safeguarding_flags')
    op.drop_table('safeguarding_flags')
    op.drop_index('ix_nrm_decisions_nrm_id', table_name='nrm_decisions')
    op.drop_table('nrm_decisions')
    op.drop_index('ix_nrm_referrals_nominal_id', table_name='nrm_referrals')
    op.drop_table('nrm_referrals')
    op.drop_index('ix_outcomes_intervention_id', table_name='outcomes')
    op.drop_index('ix_outcomes_nominal_id', table_name='outcomes')
    op.drop_table('outcomes')
    op.drop_index('ix_interventions_nominal_id', table_name='interventions')
    op.drop_index('ix_interventions_referral_id', table_name='interventions')
    op.drop_table('interventions')
    op.drop_index('ix_referral_updates_referral_id', table_name='referral_updates')
    op.drop_table('referral_updates')
    op.drop_index('ix_referrals_to_agency', table_name='referrals')
    op.drop_index('ix_referrals_nominal_id', table_name='referrals')
    op.drop_table('referrals')
