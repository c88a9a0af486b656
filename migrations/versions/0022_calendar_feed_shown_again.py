"""a calendar feed's address can be shown again: the random part it is worked out from is kept

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('duty_calendar_feeds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonce', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('duty_calendar_feeds', schema=None) as batch_op:
        batch_op.drop_column('nonce')
