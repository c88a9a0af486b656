"""case clinics: a kind of group series with case slots, and the cases workers offer to them

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='reflective_practice'))
        batch_op.add_column(sa.Column('case_slots', sa.Integer(), nullable=True))
    op.create_table(
        'clinic_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('presenter_id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=True),
        sa.Column('client_reference', sa.String(length=40), nullable=False),
        sa.Column('use_and_mental_health', sa.Text(), nullable=False),
        sa.Column('tried_so_far', sa.Text(), nullable=False),
        sa.Column('question_for_group', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=False),
        sa.Column('suggestion', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_clinic_cases_consultation_id_consultations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['presenter_id'], ['people.id'], name=op.f('fk_clinic_cases_presenter_id_people')),
        sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_clinic_cases_session_id_group_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_cases')),
        sa.UniqueConstraint('session_id', 'slot', name='uq_clinic_cases_slot'),
    )
    op.create_index('ix_clinic_cases_session_status', 'clinic_cases', ['session_id', 'status'])
    op.create_index('ix_clinic_cases_presenter', 'clinic_cases', ['presenter_id', 'created_at'])
    op.create_index(op.f('ix_clinic_cases_consultation_id'), 'clinic_cases', ['consultation_id'])


def downgrade() -> None:
    op.drop_table('clinic_cases')
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.drop_column('case_slots')
        batch_op.drop_column('kind')
