"""the full-text index on SQLite also holds each entry's kind, so a search of one kind reads that kind alone

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02
"""
from alembic import op


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

COLUMNS = "kind, title, tags, body"


def _index(columns: str) -> list[str]:
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    return [
        "DROP TRIGGER IF EXISTS search_entries_added", "DROP TRIGGER IF EXISTS search_entries_removed",
        "DROP TRIGGER IF EXISTS search_entries_changed", "DROP TABLE IF EXISTS search_entries_fts",
        f"CREATE VIRTUAL TABLE search_entries_fts USING fts5({columns}, content='search_entries', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TRIGGER search_entries_added AFTER INSERT ON search_entries BEGIN "
        f"INSERT INTO search_entries_fts(rowid, {columns}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER search_entries_removed AFTER DELETE ON search_entries BEGIN "
        f"INSERT INTO search_entries_fts(search_entries_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        "CREATE TRIGGER search_entries_changed AFTER UPDATE ON search_entries BEGIN "
        f"INSERT INTO search_entries_fts(search_entries_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_entries_fts(rowid, {columns}) VALUES (new.id, {new}); END",
        "INSERT INTO search_entries_fts(search_entries_fts) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # PostgreSQL filters on search_entries.kind beside the tsvector
        for statement in _index(COLUMNS):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in _index("title, tags, body"):
            op.execute(statement)
