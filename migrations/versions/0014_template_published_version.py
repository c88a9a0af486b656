"""template published version

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('formulation_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_version_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_formulation_templates_library', ['retired_at', 'published_version_id'], unique=False)

    # Each template's latest published version, as services.publish keeps it from now on.
    op.execute("""
        UPDATE formulation_templates SET published_version_id = (
            SELECT v.id FROM formulation_template_versions v
            WHERE v.template_id = formulation_templates.id AND v.status = 'published'
            ORDER BY v.number DESC LIMIT 1)
    """)


def downgrade() -> None:
    with op.batch_alter_table('formulation_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_formulation_templates_library')
        batch_op.drop_column('published_version_id')
