"""case clinic recommendations: what the group suggested, sent after the session

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendations', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recommendations_sent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.drop_column('recommendations_sent_at')
        batch_op.drop_column('recommendations')
