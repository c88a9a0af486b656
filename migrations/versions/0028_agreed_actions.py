"""agreed actions on a consultation's advice: who does what by when, ticked off by the worker

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'consultation_actions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('consultation_id', sa.Integer(), sa.ForeignKey('consultations.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('what', sa.String(300), nullable=False),
        sa.Column('owner', sa.String(12), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_consultation_actions_consultation', 'consultation_actions', ['consultation_id', 'done_at'])
    op.create_index('ix_consultation_actions_overdue', 'consultation_actions', ['done_at', 'reminded_at', 'due_on'])


def downgrade() -> None:
    op.drop_index('ix_consultation_actions_overdue', table_name='consultation_actions')
    op.drop_index('ix_consultation_actions_consultation', table_name='consultation_actions')
    op.drop_table('consultation_actions')
