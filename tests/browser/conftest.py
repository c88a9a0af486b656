"""Browser fixtures: the demo partnership served on loopback, and Chromium."""
from __future__ import annotations

import pytest

from core.cli import upgrade_database
from factory import create_app
from tests.browser.helpers import LiveServer, launch
from tests.conftest import TEST_CONFIG


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from playwright.sync_api import sync_playwright  # noqa: F401  (fail early if missing)

    from core.demo import seed
    path = tmp_path_factory.mktemp("browser") / "demo.db"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}"})
    upgrade_database(app)
    with app.extensions["database"]["session_factory"]() as session:
        seed(session)
        session.commit()
    with LiveServer(app) as server:
        server.app = app
        yield server
    app.extensions["database"]["engine"].dispose()


@pytest.fixture(scope="module")
def lived_in_live(tmp_path_factory):
    """The lived-in demo partnership of `make run` (`demo.seed`: requests, groups, directory, a practice note)."""
    import demo
    from core.timeutil import utcnow
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('lived-in') / 'demo.db'}"})
    upgrade_database(app)
    with app.app_context(), app.extensions["database"]["session_factory"]() as session:
        demo.seed(session, utcnow())
        session.commit()
    with LiveServer(app) as server:
        server.app = app
        yield server
    app.extensions["database"]["engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
