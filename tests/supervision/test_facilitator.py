"""The facilitator's side: private notes, themes shared without names, anonymous evaluations, and a
register that stays fast and paginated."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from core.accounts.services import create_person
from core.audit import AuditEvent
from core.notifications import Notification
from core.timeutil import LONDON, utcnow
from supervision import services
from supervision.models import Booking, Evaluation, GroupSession
from supervision.reminders import invite_evaluations
from tests.factories import past_session, series
from tests.pages import open_page
from tests.support import count_queries, person, post_form, sign_in

ATTENDEES = ("frontline", "team_lead", "admin")


def _answer(app, key, booking_id, helpful="yes", again="maybe", takeaway=""):
    client = app.test_client()
    sign_in(client, key)
    url = f"/reflective-practice/evaluations/{booking_id}"
    return client, post_form(client, url, {"helpful": helpful, "come_again": again, "takeaway": takeaway})


def test_everyone_who_attended_is_asked_once_and_answers_anonymously(app, session):
    gs = past_session(app, session, ATTENDEES)
    with app.app_context():
        assert invite_evaluations(session) == 3
        assert invite_evaluations(session) == 0
        session.commit()
    notes = session.scalars(select(Notification).where(Notification.title.startswith("How was it?"))).all()
    assert sorted(n.person_id for n in notes) == sorted(person(session, k).id for k in ATTENDEES)
    links = {n.person_id: n.link for n in notes}

    facilitator = app.test_client()
    sign_in(facilitator, "psychologist")
    notes_url = f"/reflective-practice/sessions/{gs.id}/notes"
    for n, (key, takeaway) in enumerate([("frontline", "Zebra crossings of the mind"), ("team_lead", "")]):
        booking_id = int(links[person(session, key).id].rsplit("/", 1)[1])
        _, response = _answer(app, key, booking_id, takeaway=takeaway)
        assert response.status_code == 302
        assert f"{n + 1} answered so far" in facilitator.get(notes_url).get_data(as_text=True)
    booking_id = int(links[person(session, "admin").id].rsplit("/", 1)[1])
    client, _ = _answer(app, "admin", booking_id, helpful="partly", again="yes", takeaway="Ask about the why")
    page = facilitator.get(notes_url).get_data(as_text=True)
    assert "3 people answered" in page
    assert page.index("Ask about the why") < page.index("Zebra crossings")  # alphabetical, not arrival order

    # Answering twice is refused, and nothing ties an answer to a person.
    post_form(client, f"/reflective-practice/evaluations/{booking_id}",
              {"helpful": "no", "come_again": "no"}, page_url=f"/reflective-practice/sessions/{gs.id}")
    session.rollback()
    answers = session.scalars(select(Evaluation)).all()
    assert sorted(a.helpful for a in answers) == ["partly", "yes", "yes"]
    columns = {c.key for c in inspect(Evaluation).columns}
    assert columns == {"id", "session_id", "helpful", "come_again", "takeaway",  # never a person or a time
                       "confidence_before", "confidence_after", "do_differently"}
    assert not session.scalars(select(AuditEvent).where(AuditEvent.record_type == "group_evaluation")).all()


def test_the_evaluation_form_explains_what_is_missing_and_only_the_attendee_can_answer(app, session):
    gs = past_session(app, session, attended=("frontline",))
    booking = session.scalars(select(Booking)).one()
    client = app.test_client()
    sign_in(client, "frontline")
    page = post_form(client, f"/reflective-practice/evaluations/{booking.id}",
                     {"takeaway": "Slow down"}).get_data(as_text=True)
    assert "Choose whether the session was helpful" in page and "Slow down" in page
    stranger = app.test_client()
    sign_in(stranger, "team_lead")
    open_page(stranger, "supervision.evaluation", status=404, booking_id=booking.id)
    assert gs.id


def test_private_notes_are_the_facilitators_alone_and_themes_reach_the_team_lead_without_names(app, session):
    gs = past_session(app, session, ATTENDEES)
    facilitator = app.test_client()
    sign_in(facilitator, "psychologist")
    url = f"/reflective-practice/sessions/{gs.id}/notes"
    named = post_form(facilitator, url, {"private_notes": "Quiet group; I talked too much.",
                                         "themes": "Frontline raised burnout after a death"}).get_data(as_text=True)
    assert "must not name anyone" in named and "I talked too much" in named  # kept as typed
    nhs = post_form(facilitator, url, {"themes": "Client 943 476 5919 came up"}).get_data(as_text=True)
    assert "NHS number" in nhs
    saved = post_form(facilitator, url, {"private_notes": "Quiet group; I talked too much.",
                                         "themes": "Burnout after a client death; wanting more supervision."})
    assert saved.status_code == 302

    lead = app.test_client()
    sign_in(lead, "team_lead")
    assert lead.get(url).status_code == 404
    register = open_page(lead, "supervision.register", session_id=gs.id)
    assert "Burnout after a client death" in register and "talked too much" not in register
    for key in ("frontline", "other_psychologist"):
        other = app.test_client()
        sign_in(other, key)
        assert other.get(url).status_code == 404, key
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == str(gs.id))).all()
    assert "session.notes_viewed" in actions and "session.notes_saved" in actions


def test_the_register_runs_a_fixed_number_of_queries_and_is_paginated(app, session):
    day = datetime.now(LONDON).date() + timedelta(days=1)
    series(session, starts_on=day, weekday=day.weekday(), capacity=200)
    with app.app_context():
        services.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=7)
        session.commit()
    gs = session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).first()
    org = person(session, "frontline").organisation_id

    def add(count, start):
        session.rollback()  # a fresh snapshot: the requests have written since it last read
        for n in range(start, start + count):
            worker = create_person(session, email=f"worker{n}@example.org", name=f"Worker {n:03d}",
                                   organisation_id=org, roles=["frontline"])
            session.add(Booking(session_id=gs.id, person_id=worker.id, status="booked", created_at=utcnow()))
        session.commit()

    facilitator = app.test_client()
    sign_in(facilitator, "psychologist")
    url = f"/reflective-practice/sessions/{gs.id}/register"
    add(3, 0)
    few = count_queries(app, facilitator, url)
    add(57, 3)
    many = count_queries(app, facilitator, url)
    assert few == many
    first = facilitator.get(url).get_data(as_text=True)
    assert "Page 1 of 3" in first and "Worker 000" in first and "Worker 059" not in first
    last = facilitator.get(url + "?page=3").get_data(as_text=True)
    assert "Worker 059" in last
    # Marking one page leaves the other pages' marks alone.
    booking_id = re.search(r'name="attendance-(\d+)"', last).group(1)
    post_form(facilitator, url + "?page=3", {f"attendance-{booking_id}": "attended"})
    session.rollback()
    assert [b.id for b in session.scalars(select(Booking).where(Booking.attendance == "attended"))] == [int(booking_id)]
