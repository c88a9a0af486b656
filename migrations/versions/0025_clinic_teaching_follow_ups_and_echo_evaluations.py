"""case clinics: a session's teaching topic and its presenter, follow-up presentations of a case, and the
ECHO-style evaluation questions (confidence before and after, what they will do differently)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teaching_topic', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('teaching_presenter_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_group_sessions_teaching_presenter_id_people'), 'people',
                                    ['teaching_presenter_id'], ['id'])
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_clinic_cases_follow_up_of_id_clinic_cases'), 'clinic_cases',
                                    ['follow_up_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_clinic_cases_follow_up_of_id'), ['follow_up_of_id'])
    with op.batch_alter_table('group_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confidence_after', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('do_differently', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('group_evaluations', schema=None) as batch_op:
        batch_op.drop_column('do_differently')
        batch_op.drop_column('confidence_after')
        batch_op.drop_column('confidence_before')
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_cases_follow_up_of_id'))
        batch_op.drop_constraint(batch_op.f('fk_clinic_cases_follow_up_of_id_clinic_cases'), type_='foreignkey')
        batch_op.drop_column('follow_up_of_id')
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_group_sessions_teaching_presenter_id_people'), type_='foreignkey')
        batch_op.drop_column('teaching_presenter_id')
        batch_op.drop_column('teaching_topic')
