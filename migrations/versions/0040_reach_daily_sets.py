"""the reach daily sets: each family's members by day and month, as compressed bitmaps, for the distinct counts

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reach_daily_sets',
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('bucket', sa.String(length=1), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('partition', sa.String(length=40), nullable=False),
    sa.Column('members', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('family', 'bucket', 'starts', 'partition', name=op.f('pk_reach_daily_sets'))
    )
    with op.batch_alter_table('reach_daily_sets', schema=None) as batch_op:
        batch_op.create_index('ix_reach_daily_sets_partition', ['family', 'bucket', 'partition', 'starts'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reach_daily_sets', schema=None) as batch_op:
        batch_op.drop_index('ix_reach_daily_sets_partition')
    op.drop_table('reach_daily_sets')
