"""The client's history on a request, for the psychologist: earlier requests about the same client in the same
organisation, linked, with the advice where they may see it, and the formulations on them; never a near match or
another organisation's."""
from __future__ import annotations

from datetime import timedelta

from consult import services
from formulations.models import Formulation
from tests.factories import MONDAY_10AM, new_draft, publish, raise_request
from tests.pages import open_page
from tests.support import person, signed_in


def _advised(app, session, reference: str, days_before: int, advice: str, key: str = "frontline"):
    """A request about `reference`, taken by the psychologist and advised, some days before Monday 10am."""
    when = MONDAY_10AM - timedelta(days=days_before)
    c = raise_request(app, session, key, now=when, client_reference=reference)
    with app.app_context():
        psychologist = person(session, "psychologist")
        services.take(session, c, psychologist, when + timedelta(hours=1))
        services.give_advice(session, c, psychologist, advice, when + timedelta(hours=2))
        session.commit()
    return c


def test_a_psychologist_sees_the_clients_earlier_requests_and_the_advice_they_may_see(app, session):
    first = _advised(app, session, "JB-0412", 30, "Try a **morning** check-in.")
    again = _advised(app, session, " jb-0412 ", 10, "Ask about her sleep.")  # the same client, case and spaces aside
    near = _advised(app, session, "JB-0421", 5, "A different client.")  # one character apart: someone else
    elsewhere = raise_request(app, session, "other_frontline", now=MONDAY_10AM - timedelta(days=3),
                              client_reference="JB-0412")  # another organisation's client
    now = raise_request(app, session, "frontline", client_reference="JB-0412")
    with app.app_context():
        services.take(session, now, person(session, "psychologist"), MONDAY_10AM + timedelta(minutes=5))
        session.commit()
    page = open_page(signed_in(app, "psychologist"), "consult.show", consultation_id=now.id)
    history = page.split("Earlier requests about this client", 1)[1].split("</ul>", 1)[0]
    assert history.index(again.reference) < history.index(first.reference)  # newest first
    assert near.reference not in history and elsewhere.reference not in history
    assert "<strong>morning</strong>" in history and "Ask about her sleep." in history
    assert f'href="/consultations/{first.id}"' in history


def test_advice_on_a_request_the_psychologist_may_not_see_is_not_shown_though_the_request_is_listed(app, session):
    earlier = _advised(app, session, "JB-0412", 30, "Advice only its holders see.")
    now = raise_request(app, session, "frontline", client_reference="JB-0412")
    with app.app_context():
        services.take(session, now, person(session, "other_psychologist"), MONDAY_10AM + timedelta(minutes=5))
        session.commit()
    page = open_page(signed_in(app, "other_psychologist"), "consult.show", consultation_id=now.id)
    history = page.split("Earlier requests about this client", 1)[1].split("</ul>", 1)[0]
    assert earlier.reference in history and "with Psychologist" in history
    assert "Advice only its holders see." not in history


def test_the_worker_does_not_see_the_history_panel(app, session):
    _advised(app, session, "JB-0412", 30, "Try a morning check-in.")
    now = raise_request(app, session, "frontline", client_reference="JB-0412")
    assert "Earlier requests about this client" not in open_page(signed_in(app, "frontline"), "consult.show",
                                                                  consultation_id=now.id)


def test_the_formulations_on_the_clients_earlier_requests_are_listed_where_the_reader_may_open_them(app, session):
    held = _advised(app, session, "JB-0412", 30, "Try a morning check-in.")
    not_theirs = raise_request(app, session, "frontline", now=MONDAY_10AM - timedelta(days=20),
                               client_reference="JB-0412")
    other_client = _advised(app, session, "JB-0421", 15, "Someone else.")
    now = raise_request(app, session, "frontline", client_reference="JB-0412")
    author = signed_in(app, "psychologist")
    version = new_draft(author, session)
    publish(author, version.id)
    session.rollback()
    with app.app_context():
        services.take(session, not_theirs, person(session, "other_psychologist"), MONDAY_10AM - timedelta(days=19))
        services.take(session, now, person(session, "psychologist"), MONDAY_10AM + timedelta(minutes=5))
        worker = person(session, "frontline")
        started = {c.id: Formulation(template_version_id=version.id, author_id=worker.id, consultation_id=c.id)
                   for c in (held, not_theirs, other_client)}
        session.add_all(started.values())
        session.commit()
    page = open_page(author, "consult.show", consultation_id=now.id)
    listed = page.split("Formulations for this client", 1)[1].split("</ul>", 1)[0]
    assert f'href="/formulations/{started[held.id].id}"' in listed and f"on the request {held.reference}" in listed
    assert f'href="/formulations/{started[not_theirs.id].id}"' not in listed  # held by someone else: need to know
    assert f'href="/formulations/{started[other_client.id].id}"' not in listed
    # The worker raised all three, so sees both of this client's.
    worker_page = open_page(signed_in(app, "frontline"), "consult.show", consultation_id=now.id)
    assert f'href="/formulations/{started[not_theirs.id].id}"' in worker_page
