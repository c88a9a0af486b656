"""One search over what the partnership shares. Each thing that can be found (a service in the directory, a
practice note, a formulation template) is one row of `search_entries`, written by its own package in the same
transaction as the change, so a retired or deleted thing leaves the results when its change commits.

The database keeps the full-text index in step with those rows: on SQLite an FTS5 table fed by triggers, on
PostgreSQL a generated `tsvector` column with a GIN index (both made by migration 0029). Both stem English, so
"drinking" finds "drinks"; both rank (bm25, ts_rank_cd) and mark the words that matched."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import Integer, String, Text, UniqueConstraint, bindparam, delete, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import Base
from .timeutil import utcnow

# What the database puts either side of a matched word; taken out of indexed text, so no one can forge one.
_OPEN, _CLOSE = "\x02", "\x03"
_MARKERS = str.maketrans("", "", _OPEN + _CLOSE)

LONGEST_QUERY = 200
ANSWERS = ("note", "template")  # the kinds a worker about to ask is shown, at most SUGGESTED of them
SUGGESTED = 5
MOST_WORDS = 12
LONGEST_WORD = 40
_WORD = re.compile(r"[^\W_]+")  # letters and digits only: nothing the search syntax of either database reads

# Words too common to say anything. PostgreSQL's English configuration drops its own; FTS5 has no such list.
STOP_WORDS = frozenset("""
a about after all also am an and any are as at be been before being but by can could did do does doing for from
had has have he her him his how i if in into is it its me my no not of on or our she so than that the their them
then there these they this to too us very was we were what when where which who why will with would you your
""".split())


class SearchEntry(Base):
    """What the search reads for one findable thing: its title, tags and words, kept by the thing's package."""

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_search_entries_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Hit:
    kind: str
    record_id: int
    title: Markup  # escaped, with the matched words in <mark>
    snippet: Markup


def put(session: Session, kind: str, record_id: int, title: str, body: str, tags: str = "",
        now: datetime | None = None) -> None:
    """Make (or remake) the entry for a thing, in the caller's transaction."""
    entry = session.scalar(select(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.record_id == record_id))
    if entry is None:
        entry = SearchEntry(kind=kind, record_id=record_id)
        session.add(entry)
    entry.title = title.translate(_MARKERS)[:200]
    entry.tags = tags.translate(_MARKERS)[:500]
    entry.body = body.translate(_MARKERS)
    entry.updated_at = now or utcnow()
    session.flush()


def remove(session: Session, kind: str, record_id: int) -> None:
    session.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.record_id == record_id))


def words(q: str) -> list[str]:
    """The words of a search worth looking for, in order, each once: cut to length before anything reads it."""
    found: list[str] = []
    for word in _WORD.findall(q[:LONGEST_QUERY].lower()):
        word = word[:LONGEST_WORD]
        if word not in STOP_WORDS and word not in found:
            found.append(word)
    return found[:MOST_WORDS]


def _marked(raw: str | None) -> Markup:
    return Markup(str(escape(raw or "")).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


# Any of the words, best first: a worker's question is a sentence, and a note that shares most of its words
# ranks above one that shares one. The last word may be half typed, so it also matches as a prefix.
_SQLITE = """
SELECT e.kind, e.record_id, highlight(search_entries_fts, 0, :open, :close),
       snippet(search_entries_fts, 2, :open, :close, '…', 24)
FROM search_entries_fts JOIN search_entries AS e ON e.id = search_entries_fts.rowid
WHERE search_entries_fts MATCH :match AND e.kind IN :kinds
ORDER BY bm25(search_entries_fts, 8.0, 4.0, 1.0), e.id LIMIT :limit OFFSET :offset
"""
_SQLITE_COUNT = """
SELECT count(*) FROM search_entries_fts JOIN search_entries AS e ON e.id = search_entries_fts.rowid
WHERE search_entries_fts MATCH :match AND e.kind IN :kinds
"""
# ts_headline reads the whole text, so it runs only on the page of hits, after they are ranked and cut.
_POSTGRES = """
WITH q AS (SELECT to_tsquery('english', :match) AS query),
hits AS (SELECT e.id, e.kind, e.record_id, e.title, e.body, ts_rank_cd(e.terms, q.query) AS rank
         FROM search_entries AS e, q WHERE e.terms @@ q.query AND e.kind IN :kinds
         ORDER BY rank DESC, e.id LIMIT :limit OFFSET :offset)
SELECT hits.kind, hits.record_id,
       ts_headline('english', hits.title, q.query, :whole),
       ts_headline('english', hits.body, q.query, :part)
FROM hits, q ORDER BY hits.rank DESC, hits.id
"""
_POSTGRES_COUNT = """
SELECT count(*) FROM search_entries AS e WHERE e.terms @@ to_tsquery('english', :match) AND e.kind IN :kinds
"""


def _statement(sql: str):
    return text(sql).bindparams(bindparam("kinds", expanding=True))


_STATEMENTS = {name: _statement(sql) for name, sql in
               {"sqlite": _SQLITE, "sqlite_count": _SQLITE_COUNT,
                "postgresql": _POSTGRES, "postgresql_count": _POSTGRES_COUNT}.items()}


def _match(dialect: str, found: list[str]) -> str:
    if dialect == "sqlite":
        return " OR ".join([f'"{w}"' for w in found[:-1]] + [f'"{found[-1]}"*'])
    return " | ".join([*found[:-1], f"{found[-1]}:*"])


def find(session: Session, q: str, kinds: tuple[str, ...], limit: int = 10, offset: int = 0) -> list[Hit]:
    """The things of these kinds that match, best first, with the matched words marked."""
    found = words(q)
    if not found:
        return []
    dialect = session.get_bind().dialect.name
    params = {"match": _match(dialect, found), "kinds": list(kinds), "limit": limit, "offset": offset}
    if dialect == "sqlite":
        params |= {"open": _OPEN, "close": _CLOSE}
    else:
        marks = f"StartSel={_OPEN}, StopSel={_CLOSE}"
        params |= {"whole": f"{marks}, HighlightAll=true", "part": f"{marks}, MaxWords=40, MinWords=15"}
    rows = session.execute(_STATEMENTS[dialect], params).all()
    return [Hit(kind, record_id, _marked(title), _marked(snippet)) for kind, record_id, title, snippet in rows]


def count(session: Session, q: str, kinds: tuple[str, ...]) -> int:
    found = words(q)
    if not found:
        return 0
    dialect = session.get_bind().dialect.name
    return session.scalar(_STATEMENTS[f"{dialect}_count"], {"match": _match(dialect, found), "kinds": list(kinds)})


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """False for what migration 0029 builds beside `search_entries` for one database only (the FTS5 table and
    its shadow tables, the tsvector column and its index), which the models do not describe; True otherwise.
    Alembic's `include_object`, for comparing the models with the database."""
    if type_ == "table":
        return not (name or "").startswith("search_entries_fts")
    if type_ == "column" and reflected and compare_to is None:
        return not (name == "terms" and obj.table.name == "search_entries")
    if type_ == "index" and reflected and compare_to is None:
        return name != "ix_search_entries_terms"
    return True
