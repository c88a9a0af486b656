"""Every form, posted random and hostile values (Hypothesis): never a server error, and a form that is
refused stores nothing."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, table, text

from tests.support import csrf_from, sign_in
from tests.xss_corpus import XSS_PAYLOADS as PAYLOADS

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
    ("psychologist", "/consultations/{consultation}", "/consultations/{consultation}/actions"),
    ("frontline", "/consultations/{consultation}", "/consultations/{consultation}/reply"),
    ("frontline", "/consultations/{consultation}", "/consultations/{consultation}/guests"),
    ("psychologist", "/consultations/snippets", "/consultations/snippets"),
    ("psychologist", "/consultations/snippets/{snippet}", "/consultations/snippets/{snippet}"),
    ("psychologist", "/consultations/rota", "/consultations/rota/patterns"),
    ("psychologist", "/consultations/rota", "/consultations/rota/leave"),
    ("psychologist", "/consultations/rota", "/consultations/rota/cover"),
    ("psychologist", "/formulations/templates/new", "/formulations/templates/new"),
    ("frontline", "/formulations/{formulation}", "/formulations/{formulation}"),
    ("team_lead", "/reflective-practice/series/new", "/reflective-practice/series/new"),
    ("team_lead", "/reflective-practice/sessions/{session}/change", "/reflective-practice/sessions/{session}/move"),
    ("psychologist", "/reflective-practice/sessions/{session}/notes", "/reflective-practice/sessions/{session}/notes"),
    ("frontline", "/reflective-practice/sessions/{clinic_session}/cases/new",
     "/reflective-practice/sessions/{clinic_session}/cases/new"),
    ("psychologist", "/reflective-practice/cases/{case}", "/reflective-practice/cases/{case}/review"),
    ("frontline", "/reflective-practice/cases/{case}/edit", "/reflective-practice/cases/{case}/edit"),
    ("psychologist", "/reflective-practice/sessions/{clinic_session}",
     "/reflective-practice/sessions/{clinic_session}/teaching"),
    ("admin", "/admin/retention", "/admin/retention"),
    ("admin", "/invitations/new", "/invitations/new"),
    ("admin", "/admin/organisations/new", "/admin/organisations/new"),
    ("admin", "/directory/new", "/directory/new"),
    ("psychologist", "/library/notes/{draft_note}/edit", "/library/notes/{draft_note}/edit"),
    ("admin", "/directory/{service}/edit", "/directory/{service}/edit"),
    ("psychologist", "/supervision/agreements/new", "/supervision/agreements/new"),
    ("frontline", "/supervision/agreements/{agreement}/change", "/supervision/agreements/{agreement}/change"),
    ("frontline", "/supervision/agreements/{agreement}", "/supervision/agreements/{agreement}/end"),
    ("psychologist", "/supervision/sessions/{supervision_session}/record",
     "/supervision/sessions/{supervision_session}/record"),
    ("frontline", "/supervision/sessions/{supervision_session}", "/supervision/sessions/{supervision_session}/confirm"),
    ("frontline", "/supervision/sessions/{supervision_session}/change",
     "/supervision/sessions/{supervision_session}/move"),
    ("frontline", "/supervision/reflective-accounts/{account}", "/supervision/reflective-accounts/{account}"),
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


# --- Query strings and ids in paths ------------------------------------------------------------------

NUMBERS = ["9" * 20, "9" * 5000, "2147483648", "-1", "0", "1e9", "١٢", "12abc", "0x1f", " 7", "7 "]
DATES = ["9999-12-31", "0001-01-01", "1900-01-01", "2100-12-31", "2026-02-30", "+002026-01-01", "9" * 40]
QUERY_VALUES = st.one_of(st.sampled_from(HOSTILE + NUMBERS + DATES), st.text(max_size=200),
                         st.integers().map(str), st.dates().map(str))

# persona, page, the parameters its query string reads
QUERIES = [
    ("psychologist", "/consultations/queue", ["show", "page"]),
    ("frontline", "/consultations/mine", ["page"]),
    ("team_lead", "/consultations/team", ["page"]),
    ("frontline", "/consultations/{consultation}/received", ["same"]),
    ("frontline", "/formulations/", ["q", "tag", "audience", "page"]),
    ("psychologist", "/formulations/templates/{template}/differences", ["from", "to"]),
    ("frontline", "/formulations/versions/{version}/start", ["case"]),
    ("psychologist", "/reach/", ["date_from", "date_to", "organisation_id", "service_type"]),
    ("psychologist", "/reach/headlines.csv", ["date_from", "date_to", "organisation_id", "service_type"]),
    ("commissioner", "/reach/", ["period", "date_from", "organisation_id"]),
    ("commissioner", "/reach/exclusions.csv", ["period"]),
    ("admin", "/admin/audit", ["person", "action", "record_type", "record_id", "date_from", "date_to", "page"]),
    ("admin", "/admin/audit.csv", ["person", "action", "record_type", "record_id", "date_from", "date_to"]),
    ("admin", "/admin/people", ["q", "role", "page"]),
    ("frontline", "/notifications", ["page"]),
    ("frontline", "/directory/", ["q", "page"]),
    ("frontline", "/library/", ["q", "page"]),
    ("frontline", "/library/suggestions", ["q"]),
    ("frontline", "/reflective-practice/", ["page"]),
    ("frontline", "/supervision/", ["page"]),
    ("frontline", "/supervision/agreements/{agreement}", ["page"]),
    ("team_lead", "/supervision/team", ["page"]),
    ("frontline", "/supervision/reflective-accounts", ["page"]),
    ("psychologist", "/reflective-practice/sessions/{session}/register", ["page"]),
    (None, "/sign-in", ["next"]),
]


@pytest.mark.parametrize("persona, page, params", QUERIES, ids=[q[1] for q in QUERIES])
def test_hostile_query_strings_never_break_a_page(app, session, world, persona, page, params):  # noqa: F811
    client = app.test_client()
    if persona:
        sign_in(client, persona)
    page = page.format(**world)
    session.close()

    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.fixed_dictionaries({name: QUERY_VALUES for name in params}))
    def get(values):
        response = client.get(page, query_string=values)
        assert response.status_code < 500, (page, values)

    get()


@pytest.mark.parametrize("number", ["9" * 20, "2147483648", "99999999999", "9" * 5000, "١", "٠٠١"])
def test_ids_in_paths_beyond_what_a_database_holds_are_not_found_not_errors(app, world, number):  # noqa: F811
    client = app.test_client()
    sign_in(client, "psychologist")
    for page in ["/consultations/{n}", "/formulations/versions/{n}", "/formulations/templates/{n}/differences",
                 "/reflective-practice/sessions/{n}", "/formulations/{n}"]:
        assert client.get(page.format(n=number)).status_code == 404, page


def test_searches_look_for_percent_and_underscore_as_typed(app, session):
    from core.accounts.services import create_person
    from tests.support import person as find
    create_person(session, email="pct_100@example.org", name="Percent 100% Person",
                  organisation_id=find(session, "admin").organisation_id, roles=["frontline"])
    session.commit()
    client = app.test_client()
    sign_in(client, "admin")

    def listed(q: str) -> list[str]:
        page = client.get("/admin/people", query_string={"q": q}).get_data(as_text=True)
        return re.findall(r'/admin/people/\d+">([^<]+)</a>', page)

    assert listed("%") == ["Percent 100% Person"]  # as a wildcard it would list everyone
    assert listed("t_1") == ["Percent 100% Person"]  # "_" would match any character
    assert listed("e") != ["Percent 100% Person"]
    assert "No templates match." in client.get("/formulations/", query_string={"q": "%"}).get_data(as_text=True)
