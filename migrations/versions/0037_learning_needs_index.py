"""an index for what workers need to learn: requests' needs and risks by creation time

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03
"""
from alembic import op


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_learning', ['created_at', 'organisation_id', 'presenting_needs', 'risks', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_learning')
