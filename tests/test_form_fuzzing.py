"""Every form, posted random and hostile values (Hypothesis): never a server error, and a form that is
refused stores nothing."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, table, text

from .support import csrf_from, sign_in
from .test_access_matrix import world  # noqa: F401  (the records the forms act on)
from .xss_corpus import XSS_PAYLOADS as PAYLOADS

HOSTILE = [*PAYLOADS[:20], "", " ", "\x00", "\u202e", "=HYPERLINK(\"http://x\")", "../../etc/passwd",
           "'; DROP TABLE people; --", "9" * 40, "-1", "0", "2026-02-30", "1999-13-01", "25:99", "1e309",
           "\ud7ff" * 50, "x" * 20_000]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300), st.integers().map(str),
                   st.dates().map(str))
# Rows these tables gain on any request (who looked, who tried to sign in) are not what a form stores.
IGNORED = {"audit_events", "sign_in_attempts", "sign_in_sessions", "scheduler_heartbeats", "notifications"}
NAME = re.compile(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"')

# persona, the page the form is on, where it posts
FORMS = [
    ("frontline", "/consultations/new", "/consultations/new"),
    ("psychologist", "/consultations/{consultation}", "/consultations/{consultation}/advice"),
    ("psychologist", "/consultations/{consultation}", "/consultations/{consultation}/close"),
    ("psychologist", "/consultations/{consultation}", "/consultations/{consultation}/calls"),
    ("psychologist", "/consultations/{consultation}", "/consultations/{consultation}/reassign"),
    ("frontline", "/consultations/{consultation}", "/consultations/{consultation}/reply"),
    ("psychologist", "/consultations/rota", "/consultations/rota/patterns"),
    ("psychologist", "/consultations/rota", "/consultations/rota/leave"),
    ("psychologist", "/consultations/rota", "/consultations/rota/cover"),
    ("psychologist", "/formulations/templates/new", "/formulations/templates/new"),
    ("frontline", "/formulations/{formulation}", "/formulations/{formulation}"),
    ("team_lead", "/reflective-practice/series/new", "/reflective-practice/series/new"),
    ("team_lead", "/reflective-practice/sessions/{session}/change", "/reflective-practice/sessions/{session}/move"),
    ("psychologist", "/reflective-practice/sessions/{session}/notes", "/reflective-practice/sessions/{session}/notes"),
    ("admin", "/admin/retention", "/admin/retention"),
    ("admin", "/invitations/new", "/invitations/new"),
    ("admin", "/admin/organisations/new", "/admin/organisations/new"),
    ("frontline", "/account/password", "/account/password"),
    (None, "/sign-in", "/sign-in"),
    (None, "/forgot-password", "/forgot-password"),
]


def _counts(app) -> dict[str, int]:
    engine = app.extensions["database"]["engine"]
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n not in IGNORED]
        return {n: conn.execute(select(func.count()).select_from(table(n))).scalar() for n in names}


@pytest.mark.parametrize("persona, page, target", FORMS, ids=[f[2] for f in FORMS])
def test_hostile_values_never_break_a_form_and_refusals_store_nothing(app, session, world, persona, page, target):  # noqa: F811
    client = app.test_client()
    if persona:
        sign_in(client, persona)
    page, target = page.format(**world), target.format(**world)
    html = client.get(page).get_data(as_text=True)
    names = sorted({n for n in NAME.findall(html) if n != "csrf_token" and not n.startswith("attendance-")})
    assert names, f"no fields found on {page}"
    session.close()

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.fixed_dictionaries({name: VALUES for name in names}))
    def post(values):
        before = _counts(app)
        response = client.post(target, data={**values, "csrf_token": csrf_from(client.get(page))})
        assert response.status_code < 500, (target, values)
        body = response.get_data(as_text=True)
        if response.status_code == 200 and "There is a problem" in body:
            assert _counts(app) == before, (target, values)

    post()


def test_the_fuzzer_sees_a_refusal_store_nothing(app, session):
    """The check itself: a refused request form leaves every table as it was."""
    client = app.test_client()
    sign_in(client, "frontline")
    before = _counts(app)
    response = client.post("/consultations/new", data={"client_reference": "943 476 5919",
                                                        "csrf_token": csrf_from(client.get("/consultations/new"))})
    assert "There is a problem" in response.get_data(as_text=True)
    assert _counts(app) == before
    with app.extensions["database"]["engine"].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM consultations")).scalar() == 0
