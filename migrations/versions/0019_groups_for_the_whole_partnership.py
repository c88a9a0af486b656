"""groups for the whole partnership: a series' organisation may be empty; series found by who scheduled them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_group_series_created_by_id'), ['created_by_id'], unique=False)


def downgrade() -> None:
    # A partnership-wide group has no one organisation to give back: it goes to its creator's.
    op.execute("UPDATE group_series SET organisation_id = (SELECT organisation_id FROM people "
               "WHERE people.id = group_series.created_by_id) WHERE organisation_id IS NULL")
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_series_created_by_id'))
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
