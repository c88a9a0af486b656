"""the local service directory, a request's referral to one of its services, and one full-text search index

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# The index the database keeps in step with search_entries: FTS5 fed by triggers on SQLite, a generated,
# weighted tsvector on PostgreSQL. Both stem English words (porter; the 'english' configuration).
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE search_entries_fts USING fts5(title, tags, body, content='search_entries', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entries_added AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_entries_fts(rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body); END",
    "CREATE TRIGGER search_entries_removed AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_entries_fts(search_entries_fts, rowid, title, tags, body) "
    "VALUES ('delete', old.id, old.title, old.tags, old.body); END",
    "CREATE TRIGGER search_entries_changed AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_entries_fts(search_entries_fts, rowid, title, tags, body) "
    "VALUES ('delete', old.id, old.title, old.tags, old.body); "
    "INSERT INTO search_entries_fts(rowid, title, tags, body) VALUES (new.id, new.title, new.tags, new.body); END",
]
POSTGRES_INDEX = [
    "ALTER TABLE search_entries ADD COLUMN terms tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B') || "
    "setweight(to_tsvector('english', body), 'C')) STORED",
    "CREATE INDEX ix_search_entries_terms ON search_entries USING gin (terms)",
]


def upgrade() -> None:
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('tags', sa.String(500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('kind', 'record_id', name='uq_search_entries_record'),
    )
    for statement in SQLITE_INDEX if op.get_bind().dialect.name == 'sqlite' else POSTGRES_INDEX:
        op.execute(statement)
    op.create_table(
        'local_services',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('who_for', sa.Text(), nullable=False),
        sa.Column('how_to_refer', sa.Text(), nullable=False),
        sa.Column('criteria', sa.Text(), nullable=False),
        sa.Column('contact', sa.String(300), nullable=False),
        sa.Column('opening_hours', sa.String(300), nullable=False),
        sa.Column('not_for', sa.Text(), nullable=False),
        sa.Column('instead_id', sa.Integer(), sa.ForeignKey('local_services.id',
                                                            name='fk_local_services_instead_id_local_services'),
                  nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('people.id',
                                                               name='fk_local_services_updated_by_id_people'),
                  nullable=True),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_local_services_instead_id', 'local_services', ['instead_id'])
    op.create_index('ix_local_services_listed', 'local_services', ['retired_at', 'kind', 'name'])
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_service_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consultations_referral_service_id_local_services'),
                                    'local_services', ['referral_service_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_consultations_referral_service_id'), ['referral_service_id'])


def downgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_referral_service_id'))
        batch_op.drop_constraint(batch_op.f('fk_consultations_referral_service_id_local_services'),
                                 type_='foreignkey')
        batch_op.drop_column('referral_service_id')
    op.drop_index('ix_local_services_listed', table_name='local_services')
    op.drop_index('ix_local_services_instead_id', table_name='local_services')
    op.drop_table('local_services')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE search_entries_fts")
    op.drop_table('search_entries')
