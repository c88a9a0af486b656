"""One search over what the partnership shares. Each thing that can be found (a service in the directory, a
practice note, a formulation template) is one row of `search_entries`, written by its own package in the same
transaction as the change, so a retired or deleted thing leaves the results when its change commits.

The database keeps the full-text index in step with those rows: on SQLite an FTS5 table fed by triggers, on
PostgreSQL a generated `tsvector` column with a GIN index (made by migrations 0029 and 0033). Both stem English, so
"drinking" finds "drinks"; both rank (bm25, ts_rank) and mark the words that matched."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import Integer, String, Text, UniqueConstraint, bindparam, delete, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import Base
from .pagination import Page
from .timeutil import utcnow

# What the database puts either side of a matched word; taken out of indexed text, so no one can forge one.
_OPEN, _CLOSE = "\x02", "\x03"
_MARKERS = str.maketrans("", "", _OPEN + _CLOSE)

LONGEST_QUERY = 200
KINDS = ("note", "template", "service")  # what the index holds (library, formulations and directory put them)
ANSWERS = ("note", "template")  # the kinds a worker about to ask is shown (`suggestions`), at most SUGGESTED
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


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int  # at most MOST_RANKED + 1: beyond it, `more` says so
    every_word: bool  # each hit has every word; False when none had, and these have any of them

    @property
    def more(self) -> bool:
        """More match than are ranked: the most recently added MOST_RANKED are, and no more are counted."""
        return self.total > MOST_RANKED

    def page(self, items: list, number: int, per_page: int) -> Page:
        """The page of a list of these results (the hits, or what they stand for), offering the ranked ones."""
        return Page(items, number, per_page, min(self.total, MOST_RANKED), more=self.more)


# Ranking reads every match it is given, and the database's statistics for each word read every entry with that
# word: for a common word, half the index. So a search ranks at most the MOST_RANKED matches added most recently
# (all of them, for most searches) and counts no further, and it tries the cheapest match first: every word as
# typed (stemmed, so "drinking" finds "drinks"), then with the last word taken as the start of one, in case it was
# half typed, then any of the words (a question no entry matches word for word still finds those that share most
# of its words, ranked first). Matching the start of a word reads every word that starts so; it is the fallback.
MOST_RANKED = 1000
_TRIES = ((True, False), (True, True), (False, False), (False, True))  # (every word, last word as a start)
# The newest matches, counted (up to one more than are ranked) with the oldest of them, in one statement.
_SQLITE_NEWEST = """
SELECT count(*), min(id) FROM (SELECT rowid AS id FROM search_entries_fts WHERE search_entries_fts MATCH :match
                               ORDER BY rowid DESC LIMIT :most)
"""
# One statement: marking the page of hits in a second one, by rowid, reads every match again (FTS5 does not
# look rowids up within a MATCH), twice the time. The lowest rowid keeps the ranking to the newest matches.
_SQLITE_HITS = """
SELECT e.kind, e.record_id, highlight(search_entries_fts, 1, :open, :close),
       snippet(search_entries_fts, 3, :open, :close, '…', 24)
FROM search_entries_fts JOIN search_entries AS e ON e.id = search_entries_fts.rowid
WHERE search_entries_fts MATCH :match AND search_entries_fts.rowid >= :lowest
ORDER BY bm25(search_entries_fts, 0.0, 8.0, 4.0, 1.0), e.id LIMIT :limit OFFSET :offset
"""
_POSTGRES_NEWEST = """
SELECT count(*), min(id) FROM (SELECT e.id FROM search_entries AS e
                               WHERE e.terms @@ to_tsquery('english', :match) AND e.kind IN :kinds
                               ORDER BY e.id DESC LIMIT :most) AS newest
"""
# ts_headline reads the whole text, so it runs only on the page of hits, after they are ranked and cut.
_POSTGRES_HITS = """
WITH q AS (SELECT to_tsquery('english', :match) AS query),
hits AS (SELECT e.id, e.kind, e.record_id, e.title, e.body, ts_rank(e.terms, q.query) AS rank
         FROM search_entries AS e, q WHERE e.terms @@ q.query AND e.kind IN :kinds AND e.id >= :lowest
         ORDER BY rank DESC, e.id LIMIT :limit OFFSET :offset)
SELECT hits.kind, hits.record_id,
       ts_headline('english', hits.title, q.query, :whole),
       ts_headline('english', hits.body, q.query, :part)
FROM hits, q ORDER BY hits.rank DESC, hits.id
"""


def _statement(sql: str):
    return text(sql).bindparams(bindparam("kinds", expanding=True)) if ":kinds" in sql else text(sql)


_STATEMENTS = {name: _statement(sql) for name, sql in
               {"sqlite": _SQLITE_HITS, "sqlite_newest": _SQLITE_NEWEST,
                "postgresql": _POSTGRES_HITS, "postgresql_newest": _POSTGRES_NEWEST}.items()}


def _match(dialect: str, found: list[str], kinds: tuple[str, ...], every: bool, start: bool) -> str:
    """The database's own search syntax, built from words of letters and digits only (so nothing typed is read
    as syntax). On SQLite the kinds are matched in the index's `kind` column, the words in the others: by the
    kinds left out where they are fewer, since matching a kind reads every entry of it."""
    last = f"{found[-1]}:*" if start and dialect != "sqlite" else found[-1]
    if dialect != "sqlite":
        return f" {'&' if every else '|'} ".join([*found[:-1], last])
    words = f" {'AND' if every else 'OR'} ".join([f'"{w}"' for w in found[:-1]] + [f'"{last}"' + "*" * start])
    match = f"{{title tags body}} : ({words})"
    others = [kind for kind in KINDS if kind not in kinds]
    if not others:
        return match
    if len(others) < len(kinds):
        return f"{match} NOT kind : ({' OR '.join(others)})"
    return f"kind : ({' OR '.join(kinds)}) AND {match}"


def find(session: Session, q: str, kinds: tuple[str, ...], limit: int = 10, offset: int = 0) -> Results:
    """The things of these kinds that match, best first, with the matched words marked, and how many match (up
    to one more than MOST_RANKED)."""
    found = words(q)
    if not found:
        return Results([], 0, True)
    dialect = session.get_bind().dialect.name
    for every, start in _TRIES if len(found) > 1 else _TRIES[:2]:
        match = _match(dialect, found, kinds, every, start)
        total, lowest = session.execute(_STATEMENTS[f"{dialect}_newest"],
                                        {"match": match, "kinds": list(kinds), "most": MOST_RANKED + 1}).one()
        if total:
            break
    if not total or offset >= min(total, MOST_RANKED):
        return Results([], total, every)
    if total > MOST_RANKED:  # the oldest of those counted is one more than are ranked
        lowest += 1
    return Results(_hits(session, dialect, match, kinds, lowest, limit, offset), total, every)


def suggestions(session: Session, q: str) -> list[Hit]:
    """What a worker about to ask is shown: the best few practice notes and templates."""
    return find(session, q, ANSWERS, SUGGESTED).hits


def _hits(session: Session, dialect: str, match: str, kinds: tuple[str, ...], lowest: int, limit: int,
          offset: int) -> list[Hit]:
    params = {"match": match, "kinds": list(kinds), "lowest": lowest, "limit": limit, "offset": offset}
    if dialect == "sqlite":
        params |= {"open": _OPEN, "close": _CLOSE}
    else:
        marks = f"StartSel={_OPEN}, StopSel={_CLOSE}"
        params |= {"whole": f"{marks}, HighlightAll=true", "part": f"{marks}, MaxWords=40, MinWords=15"}
    return [Hit(kind, record_id, _marked(title), _marked(snippet))
            for kind, record_id, title, snippet in session.execute(_STATEMENTS[dialect], params)]


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
