"""The benchmark partnership: the shape asked for, deterministic from its seed, and usable by the app."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from bench.dataset import Size, generate
from consult.models import Consultation, Message
from core.accounts.models import Person
from core.cli import upgrade_database
from core.database import db
from factory import create_app
from formulations.models import Formulation, TemplateVersion
from supervision.models import Booking, GroupSeries, GroupSession
from tests.conftest import TEST_CONFIG

SMALL = Size().scaled(0.02)


def _generated(tmp_path, name: str, seed: int = 7):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / name}"})
    upgrade_database(app)
    with app.app_context(), db.new_session() as session:
        accounts = generate(session, "k", SMALL, seed, date(2026, 11, 23))
    return app, accounts


def _fingerprint(app) -> tuple:
    with app.app_context(), db.new_session() as s:
        return (tuple(s.scalars(select(Consultation.created_at).order_by(Consultation.id).limit(50))),
                tuple(s.scalars(select(Booking.person_id).order_by(Booking.id).limit(50))))


def test_the_partnership_has_the_shape_asked_for_and_is_the_same_from_the_same_seed(tmp_path):
    app, accounts = _generated(tmp_path, "a.db")
    with app.app_context(), db.new_session() as s:
        def count(model):
            return s.scalar(select(func.count()).select_from(model))
        assert count(Person) == SMALL.staff + SMALL.psychologists + 2
        assert count(Consultation) == SMALL.consultations and count(Message) == SMALL.messages
        assert count(GroupSeries) == SMALL.series and count(GroupSession) >= SMALL.sessions * 0.9
        assert count(Booking) >= SMALL.bookings * 0.9
        assert count(TemplateVersion) == SMALL.versions and count(Formulation) == SMALL.formulations
    same, _ = _generated(tmp_path, "b.db")
    other, _ = _generated(tmp_path, "c.db", seed=8)
    assert _fingerprint(app) == _fingerprint(same) != _fingerprint(other)

    client = app.test_client()
    from tests.support import csrf_from
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"email": accounts["psychologist"], "password": "bench-password-2026",
                                             "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert client.get("/reach/").status_code == 200 and client.get("/consultations/queue").status_code == 200


def test_generating_into_a_database_with_people_is_refused(app, session):
    with app.app_context(), pytest.raises(ValueError, match="already has people"):
        generate(session, "k", SMALL)



def _indexes(session) -> set:
    """Every index's definition: the generator drops them for the load and must make each one again."""
    if session.get_bind().dialect.name == "postgresql":
        return set(session.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                        "WHERE schemaname = current_schema()")).all())
    return set(session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())


def test_the_generated_database_has_every_index_the_migrations_made(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'indexed.db'}"})
    upgrade_database(app)
    with app.app_context(), db.new_session() as session:
        migrated = _indexes(session)
        generate(session, "k", SMALL, 7, date(2026, 11, 23))
        assert _indexes(session) == migrated and len(migrated) > 50
        plan = " ".join(str(row) for row in session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM consultations WHERE requester_id = 1")))
        assert "INDEX ix_consultations_requester" in plan  # built, and used


def test_on_postgresql_the_app_can_add_rows_after_the_generated_ones():
    """Rows go in with explicit ids, so the sequences must be moved past them; the indexes are made again."""
    from core.accounts.services import create_person
    from tests.conftest import fresh_postgres_database
    with fresh_postgres_database() as url:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        try:
            upgrade_database(app)
            with app.app_context(), db.new_session() as session:
                migrated = _indexes(session)
                generate(session, "k", SMALL, 7, date(2026, 11, 23))
                assert _indexes(session) == migrated
                added = create_person(session, email="new@example.org", name="New", organisation_id=1,
                                      roles=["frontline"])
                session.add(Consultation(requester_id=added.id, organisation_id=1, client_reference="X",
                                         consent_basis="consented", presenting_needs="alcohol",
                                         use_and_mental_health="-", urgency="routine", preferred_mode="written",
                                         question="?", target_seconds=1))
                session.commit()
                assert added.id == SMALL.staff + SMALL.psychologists + 3
        finally:
            app.extensions["database"]["engine"].dispose()


def test_the_bench_keeps_the_schedulers_heartbeat_fresh_so_pages_show_no_stopped_scheduler_banner(tmp_path):
    import time

    from bench import load
    from core.scheduler import last_heartbeat
    url = f"sqlite:///{tmp_path / 'beat.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    upgrade_database(app)
    with load.heartbeat(url):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with app.app_context(), db.new_session() as session:
                if last_heartbeat(session) is not None:
                    break
            time.sleep(0.05)
    with app.app_context(), db.new_session() as session:
        assert last_heartbeat(session) is not None
