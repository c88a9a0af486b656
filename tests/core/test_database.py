"""The schema comes from migrations; SQLite is configured for safe concurrent writing."""
from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.sql.functions import FunctionElement

from core.accounts.models import Organisation, Person, Role
from core.cli import upgrade_database
from core.demo import DEMO_PASSWORD
from core.models import Base
from core.search import include_in_comparison
from factory import create_app
from tests.conftest import TEST_CONFIG
from tests.pages import open_page


# SQLite cannot reflect an index on an expression, so Alembic leaves those out of its comparison there (and says
# so); PostgreSQL compares them, and here each must at least exist with the expression the models give.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index",
                            "ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_exactly_the_schema_the_models_describe(app):
    engine = app.extensions["database"]["engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_in_comparison}),
                                Base.metadata)
        built = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
    assert diff == []
    expression_indexes = [(index.name, e) for table in Base.metadata.tables.values() for index in table.indexes
                          for e in index.expressions if isinstance(e, FunctionElement)]
    assert expression_indexes
    for name, function in expression_indexes:
        column = next(iter(function.clauses)).name
        assert f"{function.name}({column})" in built[name].replace('"', ""), name


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(pg_app):
    engine = pg_app.extensions["database"]["engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_in_comparison}),
                                Base.metadata)
    assert diff == []


def test_migration_0014_points_each_template_at_its_latest_published_version(tmp_path):
    from alembic import command

    from core.cli import alembic_config
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0013")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name, service_type, created_at) VALUES (1, 'Org', 'drug_alcohol', '2026-01-01')"))
        conn.execute(text("INSERT INTO people (id, email, name, password_hash, organisation_id, is_active, created_at) "
                          "VALUES (1, 'p@example.org', 'P', 'x', 1, 1, '2026-01-01')"))
        conn.execute(text("INSERT INTO formulation_templates (id, created_by_id, created_at) VALUES (1, 1, '2026-01-01'), "
                          "(2, 1, '2026-01-01')"))
        for version_id, template_id, number, status in [(1, 1, 1, "published"), (2, 1, 2, "published"),
                                                        (3, 1, 3, "draft"), (4, 2, 1, "draft")]:
            conn.execute(text(
                "INSERT INTO formulation_template_versions (id, template_id, number, status, title, summary, audience, "
                "tags, minutes_needed, source_note, sections_json, created_by_id, created_at) VALUES "
                "(:id, :t, :n, :s, 'T', 'S', 'plain', '', 10, 'N', '[]', 1, '2026-01-01')"),
                {"id": version_id, "t": template_id, "n": number, "s": status})
    command.upgrade(config, "0014")
    with engine.connect() as conn:
        shown = dict(conn.execute(text("SELECT id, published_version_id FROM formulation_templates")).all())
    engine.dispose()
    assert shown == {1: 2, 2: None}  # the latest published, never a draft; none where nothing is published


def test_migration_0015_relabels_consent_and_brings_open_requests_into_the_safety_net(tmp_path):
    """Nothing is lost: 'anonymous' becomes 'pseudonymised'; urgent requests never answered are due to be
    acknowledged at once; a worker owing an answer is reminded at once; advice given before is not chased."""
    from alembic import command

    from core.cli import alembic_config
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0014")
    engine = create_engine(url)
    rows = [  # id, consent, urgency, status, first response, advice given
        (1, "anonymous", "urgent", "allocated", None, None),
        (2, "consented", "urgent", "allocated", "2026-11-02 09:10:00", None),
        (3, "anonymous", "soon", "awaiting_information", "2026-11-02 09:10:00", None),
        (4, "consented", "urgent", "closed", None, None),
        (5, "consented", "routine", "advice_given", "2026-11-02 09:10:00", "2026-11-03 10:00:00"),
    ]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name, service_type, created_at) VALUES (1, 'Org', 'drug_alcohol', '2026-01-01')"))
        conn.execute(text("INSERT INTO people (id, email, name, password_hash, organisation_id, is_active, created_at) "
                          "VALUES (1, 'p@example.org', 'P', 'x', 1, 1, '2026-01-01')"))
        for id_, consent, urgency, status, responded, advised in rows:
            conn.execute(text(
                "INSERT INTO consultations (id, requester_id, organisation_id, client_reference, consent_basis, "
                "presenting_needs, use_and_mental_health, tried_so_far, care_coordinator, risks, immediate_danger, "
                "urgency, preferred_mode, question, status, created_at, updated_at, target_seconds, used_seconds, "
                "first_response_at, advice_given_at) VALUES (:id, 1, 1, 'R', :consent, 'alcohol', '-', '', '', '', 0, "
                ":urgency, 'written', '?', :status, '2026-11-02 09:00:00', '2026-11-02 09:00:00', 100, 0, :responded, "
                ":advised)"), {"id": id_, "consent": consent, "urgency": urgency, "status": status,
                               "responded": responded, "advised": advised})
        conn.execute(text("INSERT INTO consultation_messages (consultation_id, author_id, kind, body, created_at) "
                          "VALUES (3, 1, 'information_request', 'Mornings?', '2026-11-02 09:10:00')"))
    command.upgrade(config, "0015")
    with engine.connect() as conn:
        found = {row[0]: row[1:] for row in conn.execute(text(
            "SELECT id, consent_basis, ack_started_at IS NOT NULL, ack_due_at IS NOT NULL, acknowledged_at, "
            "awaiting_since, advice_opened_at FROM consultations"))}
        reminders = conn.execute(text("SELECT consultation_id, kind, since FROM consultation_reminders")).all()
        messages = conn.execute(text("SELECT consultation_id, body FROM consultation_messages")).all()
    engine.dispose()
    assert [found[i][0] for i in range(1, 6)] == ["pseudonymised", "consented", "pseudonymised", "consented", "consented"]
    assert found[1][1:4] == (1, 1, None)  # never answered: to be acknowledged now
    assert found[2][1:4] == (1, 0, "2026-11-02 09:10:00")  # answered: acknowledged then
    assert found[4][1:3] == (0, 0)  # closed: left alone
    assert found[3][4] == "2026-11-02 09:10:00" and reminders == [(3, "awaiting_requester", "2026-11-02 09:10:00")]
    assert found[5][5] == "2026-11-03 10:00:00"
    assert messages == [(3, "Mornings?")]  # rebuilding the consultations table kept what refers to it


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    engine = app.extensions["database"]["engine"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_modify_write_transactions_lose_no_update(app):
    """Twenty writers each add one to the same counter; every addition must count."""
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        s.execute(text("CREATE TABLE counter (n INTEGER)"))
        s.execute(text("INSERT INTO counter VALUES (0)"))
        s.commit()
    barrier = threading.Barrier(20)
    errors = []

    def add_one():
        try:
            with factory() as s:
                barrier.wait()
                current = s.execute(text("SELECT n FROM counter")).scalar()
                s.execute(text("UPDATE counter SET n = :n"), {"n": current + 1})
                s.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add_one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with factory() as s:
        assert s.execute(text("SELECT n FROM counter")).scalar() == 20


def test_demo_data_gives_every_role_an_account(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"})
    upgrade_database(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has people" in again.output
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        people = s.scalars(select(Person)).all()
        roles = set().union(*(p.roles for p in people))
        assert roles == {role.value for role in Role}
        services = set(s.scalars(select(Organisation.service_type)))
        assert {"mental_health", "drug_and_alcohol", "community_pharmacy", "housing"} <= services
    client = app.test_client()
    from tests.support import sign_in
    assert sign_in(client, "keyworker@example.org", DEMO_PASSWORD).status_code == 302


def test_demo_data_is_refused_in_production(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "PRODUCTION": True,
                      "BASE_URL": "https://reach.example.org"})
    upgrade_database(app)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "never created in production" in result.output
    with app.extensions["database"]["session_factory"]() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0


def test_create_admin_makes_the_first_admin(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}"})
    upgrade_database(app)
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "Lead@Example.org", "--name", "Lead Admin",
                                          "--organisation", "Northshire Trust", "--password", "a-long-admin-passphrase"])
    assert result.exit_code == 0, result.output
    weak = app.test_cli_runner().invoke(args=["create-admin", "--email", "x@example.org", "--name", "X",
                                        "--organisation", "Northshire Trust", "--password", "password"])
    assert weak.exit_code != 0 and "12 characters" in weak.output
    with app.extensions["database"]["session_factory"]() as s:
        admin = s.scalars(select(Person)).one()
        assert admin.email == "lead@example.org" and admin.roles == {"admin"}


def test_a_read_request_that_changed_anything_is_rolled_back_not_committed(app):
    """Read requests end with COMMIT when they only read (see the next test); one that flushed or ran an
    UPDATE directly must still be rolled back, as before, whether or not it also had an audit row to write
    at its end (which is kept)."""
    from core import audit
    from core.audit import AuditEvent
    from core.database import db
    for change in ("flush", "update"):
        for with_audit in (False, True):
            with app.test_request_context("/", method="GET"):
                app.preprocess_request()
                if change == "flush":
                    db.session.add(Organisation(name=f"Made by a {change}", service_type="other"))
                    db.session.flush()
                else:
                    db.session.execute(text("UPDATE organisations SET name = 'Renamed by a read' WHERE id = 1"))
                if with_audit:
                    audit.record(db.session, f"test.read_after_{change}")
                app.process_response(app.response_class())
            with app.app_context():
                names = set(db.session.scalars(select(Organisation.name)))
                actions = set(db.session.scalars(select(AuditEvent.action)))
            assert "Made by a flush" not in names and "Renamed by a read" not in names
            assert (f"test.read_after_{change}" in actions) == with_audit


def test_a_pages_audit_row_is_written_through_the_connection_the_page_read_on(app):
    """On SQLite a write through another connection empties this one's page cache, so the next page would
    read every page of the database afresh: the audit row of a view goes through the page's own connection."""
    from sqlalchemy import event

    from tests.support import sign_in
    client = app.test_client()
    sign_in(client, "psychologist")
    engine = app.extensions["database"]["engine"]
    used: list[tuple[str, int]] = []

    def note(conn, _cursor, statement, *_args):
        used.append((statement.split()[0], id(conn.connection.dbapi_connection)))

    event.listen(engine, "before_cursor_execute", note)
    try:
        open_page(client, "consult.queue", status=200)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    reads = {conn for verb, conn in used if verb == "SELECT"}
    writes = {conn for verb, conn in used if verb == "INSERT"}
    assert writes and writes == reads


@pytest.mark.postgres
def test_postgresql_keeps_its_prepared_statements_from_page_to_page(pg_app):
    """psycopg prepares a statement after five uses and forgets them all on ROLLBACK; pages that only read
    end with COMMIT, so PostgreSQL stops planning the same statements afresh on every request."""
    from tests.support import sign_in
    client = pg_app.test_client()
    sign_in(client, "frontline")
    for _ in range(12):
        open_page(client, "formulations.index", status=200)
    with pg_app.extensions["database"]["engine"].connect() as conn:  # the pool hands back the last one used
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar() > 0


@pytest.mark.postgres
def test_postgresql_connections_run_without_jit_and_keep_the_options_in_the_url():
    from sqlalchemy.engine import make_url

    from core.database import make_engine
    from tests.conftest import postgres_url
    if not postgres_url():
        pytest.skip("TEST_DATABASE_URL is not set")
    url = make_url(postgres_url()).update_query_dict({"options": "-c statement_timeout=5000"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            shown = [conn.exec_driver_sql(f"SHOW {name}").scalar()
                     for name in ("jit", "max_parallel_workers_per_gather", "statement_timeout")]
    finally:
        engine.dispose()
    assert shown == ["off", "0", "5s"]
