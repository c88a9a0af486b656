"""earlier requests about the same client in the same organisation, found by the client key

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_consultations_client_key', 'consultations', ['organisation_id', 'client_key', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_consultations_client_key', table_name='consultations')
