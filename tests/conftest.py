"""Fixtures: an app per test on its own migrated database, and people of every
role in two organisations (the Flask tutorial's factory-and-client pattern)."""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.accounts.models import Organisation, Role, ServiceType, Team
from core.accounts.passwords import hash_password
from core.accounts.services import create_person
from core.cli import upgrade_database
from core.database import db
from factory import create_app
from tests.pages import CheckingClient

pytest_plugins = ["tests.partnership_october", "tests.world"]  # the hand-counted `october`; `world`
from tests.support import PASSWORD, email_for

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
    "MAIL_BACKEND": "log",
    "BASE_URL": "http://localhost",
    "REQUIRE_2FA_ROLES": set(),
    "REACH_CACHE_SECONDS": 0,  # figures worked out afresh on every view, unless a test turns snapshots on
}

# key -> (organisation index, role, team name)
PEOPLE = {
    "frontline": (0, Role.FRONTLINE, "Keyworkers"),
    "psychologist": (0, Role.PSYCHOLOGIST, None),
    "team_lead": (0, Role.TEAM_LEAD, "Keyworkers"),
    "admin": (0, Role.ADMIN, None),
    "other_frontline": (1, Role.FRONTLINE, "Outreach"),
    "other_psychologist": (1, Role.PSYCHOLOGIST, None),
    "other_team_lead": (1, Role.TEAM_LEAD, "Outreach"),
    "other_admin": (1, Role.ADMIN, None),
}
ORGANISATIONS = [("Riverside Drug and Alcohol Service", ServiceType.DRUG_AND_ALCOHOL, "Keyworkers"),
                 ("Harbour Housing", ServiceType.HOUSING, "Outreach")]


def seed_people(session) -> None:
    password_hash = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose
    orgs, teams = [], {}
    for name, service_type, team_name in ORGANISATIONS:
        org = Organisation(name=name, service_type=service_type.value)
        session.add(org)
        session.flush()
        team = Team(organisation_id=org.id, name=team_name)
        session.add(team)
        session.flush()
        orgs.append(org)
        teams[team_name] = team
    for key, (org_index, role, team_name) in PEOPLE.items():
        person = create_person(session, email=email_for(key), name=key.replace("_", " ").title(),
                               organisation_id=orgs[org_index].id, roles=[role.value],
                               team_ids=[teams[team_name].id] if team_name else [])
        person.password_hash = password_hash
    session.commit()


def _seeded_app(database_url: str):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    upgrade_database(app)
    with app.app_context(), db.new_session() as session:
        seed_people(session)
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = _seeded_app(f"sqlite:///{path}")
    app.extensions["database"]["engine"].dispose()
    return path


@pytest.fixture
def app(sqlite_template, tmp_path):
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}"})
    app.test_client_class = CheckingClient
    yield app
    app.extensions["database"]["engine"].dispose()


@pytest.fixture
def session(app):
    """A session for checking the database from the test itself.

    It deliberately pushes no app context: requests made while one is pushed
    would share its `g` (and so the signed-in user) between test clients. Its
    transactions begin deferred so it never holds the write lock; call
    `session.rollback()` to see what requests have written since it last read.
    """
    engine = app.extensions["database"]["engine"].execution_options(sqlite_begin="DEFERRED")
    s = Session(bind=engine, expire_on_commit=False)
    yield s
    s.close()


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


@contextmanager
def fresh_postgres_database():
    """The URL of an empty PostgreSQL database of the test's own, dropped afterwards (skips without one)."""
    base = postgres_url()
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"reach_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_app():
    """An app on a PostgreSQL database of its own, created and dropped around the test."""
    with fresh_postgres_database() as url:
        app = _seeded_app(url)
        yield app
        app.extensions["database"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
