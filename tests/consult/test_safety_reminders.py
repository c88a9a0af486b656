"""Nothing stalls silently: a question the worker has not answered, advice not opened, and checking back on how
the client is getting on, each reminded once at its time, and dropped once it is no longer needed."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from consult.models import FollowUp, Message, Reminder
from consult.reminders import send_due
from consult.services import ask_for_information, give_advice, reply
from core.database import db
from core.notifications import Notification
from core.timeutil import LONDON
from tests.factories import MONDAY_10AM, put_on_duty, raise_request, reload
from tests.pages import open_page
from tests.support import committed, person, post_form, sign_in, two_schedulers_at_once

WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # two working days after MONDAY_10AM
FRIDAY_10AM = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)  # four
MINUTE = timedelta(minutes=1)


def _held_request(app, session, **changes):
    put_on_duty(app, session, "psychologist")
    c = raise_request(app, session, **changes)
    assert c.psychologist_id == person(session, "psychologist").id
    return c


def _do(app, session, change, c, *args, at=MONDAY_10AM):
    with app.app_context():
        change(session, reload(session, c), *args, at)
        session.commit()


def _sweep(app, session, at) -> int:
    """As the scheduler runs it: in a session of its own."""
    with app.app_context(), db.new_session() as fresh:
        return committed(fresh, send_due(fresh, at))


def _titles(session, key: str) -> list[str]:
    session.rollback()
    return [t.split(" (")[0] for t in session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, key).id).order_by(Notification.id))]


def test_an_unanswered_question_reminds_the_worker_then_tells_the_psychologist_and_team_lead_once_each(app, session):
    c = _held_request(app, session)
    _do(app, session, ask_for_information, c, person(session, "psychologist"), "Does she drink in the mornings?")
    assert _sweep(app, session, WEDNESDAY_10AM - MINUTE) == 0
    assert _sweep(app, session, WEDNESDAY_10AM) == 1
    assert _sweep(app, session, WEDNESDAY_10AM) == 0
    assert _titles(session, "frontline")[-1] == "Reminder: the psychologist is waiting for your answer"
    assert _sweep(app, session, FRIDAY_10AM - MINUTE) == 0
    assert _sweep(app, session, FRIDAY_10AM) == 1
    assert _sweep(app, session, FRIDAY_10AM + timedelta(days=7)) == 0
    assert "No answer from the worker" in _titles(session, "psychologist")
    assert _titles(session, "team_lead") == ["A request is waiting for your team"]
    c = reload(session, c)
    assert c.status == "awaiting_information"  # never closed on its own
    events = session.scalars(select(Message.body).where(Message.consultation_id == c.id, Message.kind == "event")).all()
    assert any(e.startswith("Reminder sent to the worker") for e in events)
    assert any(e.startswith("Still no answer") and "Team Lead (team lead) told" in e for e in events)


def test_an_answered_question_is_not_chased_and_a_new_question_is_chased_from_its_own_time(app, session):
    c = _held_request(app, session)
    psychologist, worker = person(session, "psychologist"), person(session, "frontline")
    _do(app, session, ask_for_information, c, psychologist, "Mornings?")
    _do(app, session, reply, c, worker, "From 7am.", at=MONDAY_10AM + 60 * MINUTE)
    _do(app, session, ask_for_information, c, psychologist, "And at weekends?", at=WEDNESDAY_10AM - 60 * MINUTE)
    assert _sweep(app, session, WEDNESDAY_10AM) == 0  # the first question's reminder is dropped
    session.rollback()
    assert session.scalars(select(Reminder.outcome).where(Reminder.done_at.is_not(None))).all() == ["dropped"]
    assert _sweep(app, session, datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)) == 1  # two working days from the second


def test_unread_advice_reminds_the_worker_and_shows_on_the_team_page_until_opened(app, session):
    c = _held_request(app, session)
    _do(app, session, give_advice, c, person(session, "psychologist"), "Ask what the drink does for her.")
    assert _sweep(app, session, WEDNESDAY_10AM) == 1
    assert _titles(session, "frontline")[-1] == "Advice is waiting for you"
    with time_machine.travel(WEDNESDAY_10AM + MINUTE, tick=False):
        lead, worker, psychologist = app.test_client(), app.test_client(), app.test_client()
        for client, key in ((lead, "team_lead"), (worker, "frontline"), (psychologist, "psychologist")):
            sign_in(client, key)
        unread = open_page(lead, "consult.team")
        assert "Advice not yet read" in unread and f"{c.reference}</a> (client JB-0412), advice given 23 November" in unread
        assert "Not yet" in open_page(psychologist, "consult.show", consultation_id=c.id)
        worker.get(f"/consultations/{c.id}")  # the worker opens it
        assert "Advice not yet read" not in open_page(lead, "consult.team")
        seen = open_page(psychologist, "consult.show", consultation_id=c.id)
    assert "Advice read by the worker</dt><dd class=\"nhsuk-summary-list__value\">25 November 2026, 10:01am" in seen
    assert reload(session, c).advice_opened_at is not None


def test_advice_opened_in_time_is_not_chased(app, session):
    c = _held_request(app, session)
    _do(app, session, give_advice, c, person(session, "psychologist"), "Ask what the drink does for her.")
    with time_machine.travel(MONDAY_10AM + 60 * MINUTE, tick=False):
        worker = app.test_client()
        sign_in(worker, "frontline")
        page = open_page(worker, "consult.show", consultation_id=c.id)
    assert "No referral has been made" in page  # advice is not a referral
    assert _sweep(app, session, WEDNESDAY_10AM) == 0
    assert "Advice is waiting for you" not in _titles(session, "frontline")


def test_the_worker_checks_back_and_missed_appointments_start_a_plan_to_re_engage(app, session):
    c = _held_request(app, session)
    _do(app, session, give_advice, c, person(session, "psychologist"), "Ask what the drink does for her.")
    due = MONDAY_10AM + timedelta(days=14)
    url = f"/consultations/{c.id}"
    with time_machine.travel(due - timedelta(days=1), tick=False):
        worker = app.test_client()
        sign_in(worker, "frontline")
        early = worker.get(url).get_data(as_text=True)
    assert "On 7 December 2026 we will ask you how JB-0412 is getting on." in early and "check_back-tried" not in early
    assert _sweep(app, session, due) == 1  # the check-back; the advice was opened the day before, so not chased
    assert "How is JB-0412 getting on?" in _titles(session, "frontline")
    with time_machine.travel(due + MINUTE, tick=False):
        sign_in(worker, "frontline")
        missing = post_form(worker, f"{url}/check-back", {"check_back-tried": "yes"}, page_url=url)
        assert "Say whether they have missed appointments" in missing.get_data(as_text=True)
        sent = post_form(worker, f"{url}/check-back", {"check_back-tried": "partly", "check_back-engaged": "partly",
                                                       "check_back-missed_appointments": "yes",
                                                       "check_back-next_steps": "Try a drop-in slot."}, page_url=url)
        assert sent.status_code == 302
        page = worker.get(url).get_data(as_text=True)
        lead = app.test_client()
        sign_in(lead, "team_lead")
        team = open_page(lead, "consult.team")
    assert "How the client is getting on" in page and "Try a drop-in slot." in page
    session.rollback()
    follow_up = session.scalars(select(FollowUp)).one()
    assert follow_up.kind == "re_engage" and "Agree a plan to re-engage them" in follow_up.reason
    assert "Client missing appointments" in team and "Agree a plan to re-engage them" in team
    assert "The worker has checked back" in _titles(session, "psychologist")
    assert "Follow-up needed: client missing appointments" in _titles(session, "team_lead")


def _two_sweeps_at_once(app, count: int) -> list[int]:
    """Two schedulers sending the same due reminders at once: each goes once."""
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        put_on_duty(app, s, "psychologist", capacity=count)
        psychologist = person(s, "psychologist")
        for n in range(count):
            c = raise_request(app, s, client_reference=f"Q-{n}")
            _do(app, s, ask_for_information, c, psychologist, "Mornings?")
    counts = two_schedulers_at_once(app, lambda s: send_due(s, WEDNESDAY_10AM))
    with factory() as s:
        reminded = s.scalars(select(Notification.id).where(
            Notification.title.startswith("Reminder: the psychologist is waiting for your answer"))).all()
        done = s.scalars(select(Reminder.outcome).where(Reminder.done_at.is_not(None))).all()
    assert len(reminded) == count and done == ["sent"] * count
    return counts


def test_two_schedulers_send_each_reminder_once(app):
    assert sum(_two_sweeps_at_once(app, 5)) == 5


@pytest.mark.postgres
def test_two_schedulers_send_each_reminder_once_on_postgresql(pg_app):
    assert sum(_two_sweeps_at_once(pg_app, 5)) == 5
