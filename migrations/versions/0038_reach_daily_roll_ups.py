"""daily roll-ups of the reach figures: each family's sums by day and month, how far each is rolled up, and
the closed days marked out of date

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reach_daily_figures',
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('bucket', sa.String(length=1), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('partition', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('family', 'bucket', 'starts', 'partition', name=op.f('pk_reach_daily_figures'))
    )
    op.create_table('reach_out_of_date_days',
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('family', 'day', name=op.f('pk_reach_out_of_date_days'))
    )
    op.create_table('reach_rolled_up_through',
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('through', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('family', name=op.f('pk_reach_rolled_up_through'))
    )


def downgrade() -> None:
    op.drop_table('reach_rolled_up_through')
    op.drop_table('reach_out_of_date_days')
    op.drop_table('reach_daily_figures')
