"""A signed-in psychologist who writes templates, for the formulation tests."""
from __future__ import annotations

import pytest

from tests.support import sign_in


@pytest.fixture
def author(app):
    client = app.test_client()
    sign_in(client, "psychologist")
    return client
