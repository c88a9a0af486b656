"""The identifier checks live in core.identifiers. Migration 0010 imports client_key from this address, and a
landed migration is never edited, so it stays importable here."""
from core.identifiers import client_key  # noqa: F401
