"""one-to-one supervision: agreements, sessions, records, reflective accounts

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reflective_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('regulator', sa.String(length=10), nullable=False),
    sa.Column('source_kind', sa.String(length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('activity_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('nature', sa.Text(), nullable=False),
    sa.Column('learned', sa.Text(), nullable=False),
    sa.Column('changed', sa.Text(), nullable=False),
    sa.Column('relevance', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reflective_accounts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflective_accounts')),
    sa.UniqueConstraint('person_id', 'source_kind', 'source_id', name='uq_reflective_accounts_source')
    )
    with op.batch_alter_table('reflective_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_reflective_accounts_person', ['person_id', 'activity_on'], unique=False)

    op.create_table('supervision_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_held_on', sa.Date(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('overdue_told_for', sa.Date(), nullable=True),
    sa.Column('review_told_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['supervisee_id'], ['people.id'], name=op.f('fk_supervision_agreements_supervisee_id_people')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['people.id'], name=op.f('fk_supervision_agreements_supervisor_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_agreements'))
    )
    with op.batch_alter_table('supervision_agreements', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_agreements_due', ['status', 'next_due_on'], unique=False)
        batch_op.create_index('ix_supervision_agreements_supervisee', ['supervisee_id', 'status'], unique=False)
        batch_op.create_index('ix_supervision_agreements_supervisor', ['supervisor_id', 'status'], unique=False)

    op.create_table('supervision_agreement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('every_weeks', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('covers', sa.Text(), nullable=False),
    sa.Column('confidentiality', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('supervisor_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supervisee_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['supervision_agreements.id'], name=op.f('fk_supervision_agreement_versions_agreement_id_supervision_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['people.id'], name=op.f('fk_supervision_agreement_versions_proposed_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_agreement_versions')),
    sa.UniqueConstraint('agreement_id', 'number', name='uq_supervision_agreement_versions_number')
    )
    op.create_table('supervision_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_hours', sa.Integer(), nullable=True),
    sa.Column('reminded_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record_removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['supervision_agreements.id'], name=op.f('fk_supervision_sessions_agreement_id_supervision_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_sessions')),
    sa.UniqueConstraint('agreement_id', 'version', 'occurrence', name='uq_supervision_sessions_occurrence')
    )
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_sessions_agreement', ['agreement_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_supervision_sessions_recorded', ['recorded_at'], unique=False)
        batch_op.create_index('ix_supervision_sessions_starts', ['starts_at'], unique=False)
        batch_op.create_index('ix_supervision_sessions_to_invite', ['invited_at', 'starts_at'], unique=False)

    op.create_table('supervision_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caseload', sa.Text(), nullable=False),
    sa.Column('wellbeing', sa.Text(), nullable=False),
    sa.Column('learning', sa.Text(), nullable=False),
    sa.Column('correction_note', sa.String(length=300), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_sessions.id'], name=op.f('fk_supervision_records_session_id_supervision_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by_id'], ['people.id'], name=op.f('fk_supervision_records_written_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_records')),
    sa.UniqueConstraint('session_id', 'number', name='uq_supervision_records_number')
    )
    with op.batch_alter_table('supervision_records', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_records_written', ['written_at'], unique=False)

    op.create_table('supervision_record_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_supervision_record_actions_owner_id_people')),
    sa.ForeignKeyConstraint(['record_id'], ['supervision_records.id'], name=op.f('fk_supervision_record_actions_record_id_supervision_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_record_actions'))
    )
    with op.batch_alter_table('supervision_record_actions', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_record_actions_owner', ['owner_id', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_record_actions_record_id'), ['record_id'], unique=False)

    op.create_table('supervision_record_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('client_reference', sa.String(length=40), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_supervision_record_cases_consultation_id_consultations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['supervision_records.id'], name=op.f('fk_supervision_record_cases_record_id_supervision_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_record_cases'))
    )
    with op.batch_alter_table('supervision_record_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_record_cases_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_record_cases_record_id'), ['record_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervision_record_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_record_cases_record_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_record_cases_consultation_id'))

    op.drop_table('supervision_record_cases')
    with op.batch_alter_table('supervision_record_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_record_actions_record_id'))
        batch_op.drop_index('ix_supervision_record_actions_owner')

    op.drop_table('supervision_record_actions')
    with op.batch_alter_table('supervision_records', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_records_written')

    op.drop_table('supervision_records')
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_sessions_to_invite')
        batch_op.drop_index('ix_supervision_sessions_starts')
        batch_op.drop_index('ix_supervision_sessions_recorded')
        batch_op.drop_index('ix_supervision_sessions_agreement')

    op.drop_table('supervision_sessions')
    op.drop_table('supervision_agreement_versions')
    with op.batch_alter_table('supervision_agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_agreements_supervisor')
        batch_op.drop_index('ix_supervision_agreements_supervisee')
        batch_op.drop_index('ix_supervision_agreements_due')

    op.drop_table('supervision_agreements')
    with op.batch_alter_table('reflective_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_reflective_accounts_person')

    op.drop_table('reflective_accounts')
