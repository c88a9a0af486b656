"""practice notes and the questions they answered; the published formulation templates join the search

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'practice_notes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('consultation_id', sa.Integer(), sa.ForeignKey(
            'consultations.id', ondelete='SET NULL', name='fk_practice_notes_consultation_id_consultations'),
            nullable=True),
        sa.Column('psychologist_id', sa.Integer(), sa.ForeignKey(
            'people.id', name='fk_practice_notes_psychologist_id_people'), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('advice', sa.Text(), nullable=False),
        sa.Column('needs', sa.String(200), nullable=False),
        sa.Column('services', sa.String(200), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('consultation_id', name='uq_practice_notes_consultation_id'),
    )
    op.create_index('ix_practice_notes_psychologist_id', 'practice_notes', ['psychologist_id'])
    op.create_index('ix_practice_notes_listed', 'practice_notes', ['status', 'published_at'])
    op.create_table(
        'practice_note_answers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('note_id', sa.Integer(), sa.ForeignKey(
            'practice_notes.id', ondelete='CASCADE', name='fk_practice_note_answers_note_id_practice_notes'),
            nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey(
            'people.id', ondelete='CASCADE', name='fk_practice_note_answers_person_id_people'), nullable=False),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey(
            'organisations.id', name='fk_practice_note_answers_organisation_id_organisations'), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_practice_note_answers_note_id', 'practice_note_answers', ['note_id'])
    op.create_index('ix_practice_note_answers_counted', 'practice_note_answers', ['answered_at', 'organisation_id'])
    # The live templates' latest published versions, as formulations.services.index writes them from now on.
    op.execute("""
        INSERT INTO search_entries (kind, record_id, title, tags, body, updated_at)
        SELECT 'template', t.id, v.title, replace(v.tags, ',', ', '), v.summary, v.published_at
        FROM formulation_templates AS t JOIN formulation_template_versions AS v ON v.id = t.published_version_id
        WHERE t.retired_at IS NULL
    """)


def downgrade() -> None:
    op.execute("DELETE FROM search_entries WHERE kind = 'template'")
    op.drop_index('ix_practice_note_answers_counted', table_name='practice_note_answers')
    op.drop_index('ix_practice_note_answers_note_id', table_name='practice_note_answers')
    op.drop_table('practice_note_answers')
    op.drop_index('ix_practice_notes_listed', table_name='practice_notes')
    op.drop_index('ix_practice_notes_psychologist_id', table_name='practice_notes')
    op.drop_table('practice_notes')
