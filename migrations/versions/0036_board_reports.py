"""the partnership board reports, one a month

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('board_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('csv', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_reports')),
    sa.UniqueConstraint('month', name=op.f('uq_board_reports_month'))
    )


def downgrade() -> None:
    op.drop_table('board_reports')
