"""A signed-in worker and the psychologist on duty, for the consultation tests."""
from __future__ import annotations

import pytest

from tests.factories import on_duty_throughout
from tests.support import sign_in


@pytest.fixture
def frontline(app):
    client = app.test_client()
    sign_in(client, "frontline")
    return client


@pytest.fixture
def psychologist(app, session):
    """The psychologist on duty (at today's limit, so requests still wait in the pool for them to take)."""
    on_duty_throughout(session, "psychologist")
    client = app.test_client()
    sign_in(client, "psychologist")
    return client
