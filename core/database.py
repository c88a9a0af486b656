"""Engine, typed declarative base and the one-session-per-request helper."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Callable, Iterator, Sequence, TypeVar

from flask import Flask, abort, current_app, g, has_request_context, request
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event, func
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .timeutil import as_utc

SQLITE_BUSY_TIMEOUT_MS = 10_000

# How SQLite transactions begin in this context. Writes begin IMMEDIATE (take
# the write lock first, so writers queue instead of failing); a page that only
# reads begins DEFERRED so it never blocks anyone. See Database.defer_write.
IMMEDIATE, DEFERRED = "IMMEDIATE", "DEFERRED"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default=IMMEDIATE)

T = TypeVar("T")
# Threads for `read_apart`, started on first use (so after gunicorn forks its workers).
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="read-apart")

# Stable constraint names so Alembic migrations work on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware UTC datetime, whatever the backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = as_utc(value)
        # SQLite has no time zone type: store naive UTC so comparisons sort correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    # Last in, first out: a request takes the connection used most recently, whose caches are warm (SQLite's
    # pages, PostgreSQL's prepared statements), instead of cycling through the pool (a fifth off every page).
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_use_lifo=True)
        _configure_sqlite(engine)
        return engine
    # Settings given in the URL's own `options` are kept: ours come after them.
    options = " ".join(filter(None, [make_url(url).query.get("options"), POSTGRESQL_SETTINGS]))
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_use_lifo=True,
                         connect_args={"options": options})


# No just-in-time compilation: PostgreSQL compiles any query it costs above a threshold, and the reach figures'
# aggregates cross it, spending more time compiling (20-50 ms each) than they then save. No parallel workers
# within a query: the figures already run side by side, one connection each (Database.read_apart), and web
# requests are short, so extra workers only compete with them for the cores.
POSTGRESQL_SETTINGS = "-c jit=off -c max_parallel_workers_per_gather=0"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Read pages straight from a memory map: every write elsewhere (an audit row from the other worker)
        # empties this connection's page cache, and refilling it by read() calls cost the busy pages dearly.
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock up front: one that reads then
        # writes can never be overtaken by another writer, so no update is lost,
        # and the busy timeout queues writers instead of failing them midway.
        mode = conn.get_execution_options().get("sqlite_begin") or _begin_mode.get()
        conn.exec_driver_sql(f"BEGIN {mode}")


def with_row_locks(session: Session, query, *, skip_locked: bool = False, of=None):
    """Lock the rows a query reads, on PostgreSQL: `skip_locked` to claim work no other worker has taken,
    otherwise to wait for the worker deciding about them. SQLite needs nothing: its write transactions
    begin IMMEDIATE, so they already run one at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return query
    return query.with_for_update(skip_locked=skip_locked, of=of)


def _note_writes(session_factory: sessionmaker) -> None:
    """Mark a session that flushed or ran anything but a SELECT, so it is never committed as a mere read."""
    @event.listens_for(session_factory, "after_flush")
    def _flushed(session, _context):
        session.info["wrote"] = True

    @event.listens_for(session_factory, "do_orm_execute")
    def _executed(state):
        if not state.is_select:
            state.session.info["wrote"] = True


def _end_read(session: Session | None) -> None:
    """End a read request's transaction: COMMIT if it only read, ROLLBACK if it changed anything (a page
    read with GET keeps no change but its deferred writes).

    A read ends the same by COMMIT as by ROLLBACK, but psycopg forgets its prepared statements on every
    ROLLBACK, so PostgreSQL would plan each page's statements afresh (2 ms for loading a consultation)."""
    if session is None or not session.in_transaction():
        return
    if session.info.get("wrote") or session.new or session.dirty or session.deleted:
        session.rollback()  # and on SQLite, lets go of the write lock the deferred writes need
    else:
        session.commit()


class Database:
    """Hands each request (or job) its own session on the current app's engine.

    The engine lives in ``app.extensions`` so several apps (tests) never share one.

    GET and HEAD requests read in a deferred transaction. The few writes such a
    page makes (an audit row for the view, a sign-in's last-seen time) are
    appends that do not depend on what was read, so they are collected with
    `defer_write` and made at the end of the request in a write transaction of
    their own.
    """

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        session_factory = sessionmaker(engine, expire_on_commit=False)
        _note_writes(session_factory)
        app.extensions["database"] = {"engine": engine, "session_factory": session_factory}

        @app.before_request
        def _choose_begin_mode():
            if request.method in READ_METHODS:
                g.begin_mode_token = _begin_mode.set(DEFERRED)
                g.read_request = True
                g.deferred_writes = []

        @app.after_request
        def _make_deferred_writes(response):
            self.flush_deferred_writes()
            return response

        @app.teardown_request
        def _reset_begin_mode(_exc):
            token = g.pop("begin_mode_token", None)
            if token is not None:
                _begin_mode.reset(token)

        @app.teardown_appcontext
        def _close_session(exc):
            session = g.pop("db_session", None)
            if session is None:
                return
            if exc is None and g.get("read_request"):
                _end_read(session)
            session.close()

    def get_or_404(self, model, ident):
        """The row with this primary key, or a 404 page (never a hint that it exists elsewhere)."""
        row = self.session.get(model, ident)
        if row is None:
            abort(404)
        return row

    def defer_write(self, session: Session, write: Callable[[Session | Connection], None]) -> None:
        """Run `write(session)` now in a write request or job; at the end of a read request, `write(connection)`.
        So a write runs plain statements through `.execute`, which both have, and adds no ORM objects."""
        if has_request_context() and "deferred_writes" in g and session is g.get("db_session"):
            g.deferred_writes.append(write)
        else:
            write(session)

    def flush_deferred_writes(self) -> None:
        writes = g.pop("deferred_writes", None)
        if not writes:
            return
        # A transaction of its own, once the page's read has ended (`_end_read`: by COMMIT when it only read,
        # which unlike a rollback expires nothing the page loaded, a tenth of the duty queue's time). Its
        # connection is back in the pool and, last in first out, makes these writes too: on SQLite a write
        # through another connection would empty this one's page cache before the next page. A plain
        # connection, not a session: these are a few INSERTs and UPDATEs, and a session's bookkeeping for them
        # cost more than running them.
        _end_read(g.get("db_session"))
        token = _begin_mode.set(IMMEDIATE)
        try:
            with self.engine.begin() as connection:
                for write in writes:
                    write(connection)
        finally:
            _begin_mode.reset(token)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["database"]["engine"]

    @property
    def session(self) -> Session:
        """The current request's session, opened on first use, closed at teardown."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["database"]["session_factory"]()
        return g.db_session

    def read_apart(self, jobs: Sequence[Callable[[Session], T]]) -> list[T]:
        """Run read-only jobs at the same time, each in a session and connection of its own, and return
        their results in order. For a few long, independent aggregates (the reach figures): SQLite's and
        PostgreSQL's drivers let other threads run while the database works, so they share the machine's
        cores. Each job sees what was committed when it began, not the caller's uncommitted changes."""
        factory = current_app.extensions["database"]["session_factory"]
        engine = self.engine.execution_options(sqlite_begin=DEFERRED)  # readers never queue for the write lock

        def run(job: Callable[[Session], T]) -> T:
            with factory(bind=engine) as session:
                return job(session)

        return list(_readers.map(run, jobs))

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session of its own, for scheduler jobs, CLI commands and threads."""
        session = current_app.extensions["database"]["session_factory"]()
        try:
            yield session
        finally:
            session.close()


db = Database()


def seconds_between(session: Session, earlier, later):
    """Elapsed seconds between two timestamp columns, in this database's own SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0
