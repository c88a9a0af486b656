"""the reach daily figures indexed by partition before date, so a page seeks the few partitions it reads

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04
"""
from alembic import op


revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reach_daily_figures', schema=None) as batch_op:
        batch_op.create_index('ix_reach_daily_figures_partition', ['family', 'bucket', 'partition', 'starts'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reach_daily_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_reach_daily_figures_partition')
