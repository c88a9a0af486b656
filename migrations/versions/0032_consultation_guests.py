"""colleagues from other organisations invited into one consultation's thread

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'consultation_guests',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('consultation_id', sa.Integer(), sa.ForeignKey(
            'consultations.id', ondelete='CASCADE', name='fk_consultation_guests_consultation_id_consultations'),
            nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey(
            'people.id', ondelete='CASCADE', name='fk_consultation_guests_person_id_people'), nullable=False),
        sa.Column('role', sa.String(100), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), sa.ForeignKey(
            'people.id', name='fk_consultation_guests_invited_by_id_people'), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('removed_by_id', sa.Integer(), sa.ForeignKey(
            'people.id', name='fk_consultation_guests_removed_by_id_people'), nullable=True),
        sa.UniqueConstraint('consultation_id', 'person_id', name='uq_consultation_guests_person'),
    )
    op.create_index('ix_consultation_guests_person', 'consultation_guests', ['person_id', 'removed_at'])


def downgrade() -> None:
    op.drop_index('ix_consultation_guests_person', table_name='consultation_guests')
    op.drop_table('consultation_guests')
