"""exclusions on requests and clinic cases; the worker's side of the close-out survey

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_by', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('exclusion_reason', sa.String(length=24), nullable=True))
        batch_op.create_index('ix_clinic_cases_exclusions', ['created_at', 'excluded_by', 'exclusion_reason'], unique=False)

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_by', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('exclusion_reason', sa.String(length=24), nullable=True))
        batch_op.create_index('ix_consultations_exclusions', ['created_at', 'organisation_id', 'team_id', 'excluded_by', 'exclusion_reason'], unique=False)

    with op.batch_alter_table('consultation_surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('without_advice', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('confidence_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confidence_now', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consultation_surveys', schema=None) as batch_op:
        batch_op.drop_column('confidence_now')
        batch_op.drop_column('confidence_before')
        batch_op.drop_column('without_advice')

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_exclusions')
        batch_op.drop_column('exclusion_reason')
        batch_op.drop_column('excluded_by')

    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_clinic_cases_exclusions')
        batch_op.drop_column('exclusion_reason')
        batch_op.drop_column('excluded_by')

