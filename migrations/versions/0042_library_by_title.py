"""the formulation template versions indexed by title as the library sorts it, so a page of the library is read
in order and stops

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_formulation_template_versions_title', 'formulation_template_versions',
                    [sa.text('lower(title)'), 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_formulation_template_versions_title', table_name='formulation_template_versions')
