"""psychologists' saved paragraphs, to put into advice again

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'advice_snippets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('owner_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='CASCADE',
                                                          name='fk_advice_snippets_owner_id_people'), nullable=False),
        sa.Column('title', sa.String(100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_advice_snippets_owner', 'advice_snippets', ['owner_id', 'title'])


def downgrade() -> None:
    op.drop_index('ix_advice_snippets_owner', table_name='advice_snippets')
    op.drop_table('advice_snippets')
