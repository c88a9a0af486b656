"""duty hours by psychologist read from the indexes alone: a month's allocations, closures, duties and sessions
held, each with the person (and what is added up)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06
"""
from alembic import op


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_allocated_month', ['allocated_at', 'psychologist_id'], unique=False)
        batch_op.create_index('ix_consultations_closed_by', ['closed_at', 'psychologist_id', 'minutes_spent'], unique=False)

    with op.batch_alter_table('duty_slots', schema=None) as batch_op:
        batch_op.create_index('ix_duty_slots_month', ['starts_at', 'status', 'psychologist_id', 'ends_at'], unique=False)

    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_group_sessions_held', ['starts_at', 'status', 'series_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_group_sessions_held')

    with op.batch_alter_table('duty_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_slots_month')

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_closed_by')
        batch_op.drop_index('ix_consultations_allocated_month')
