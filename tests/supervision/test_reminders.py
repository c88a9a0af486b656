"""Reminders of a session: the day before and an hour before, exactly once, in London time."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.notifications import Notification, OutboxMessage
from core.scheduler import run_sweep, sweeps_of
from core.timeutil import LONDON, as_utc
from supervision import changes, services
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.reminders import send_reminders
from tests.factories import SERIES_NOW, book_as, weekly_sessions
from tests.support import at_moment, mail_to, person

# --- Reminders ----------------------------------------------------------------------------------


def _reminders_to(session, key):
    session.rollback()
    return [m.subject for m in mail_to(session, key, "Reminder")]


def _sweep(app, moment):
    with time_machine.travel(moment, tick=False):
        run_sweep(app, sweeps_of(app)["group-sessions"])


def test_reminders_go_the_day_before_and_an_hour_before_exactly_once(app, session):
    sessions = weekly_sessions(app, session, capacity=1, team_id=None,
                         facilitator_id=person(session, "other_psychologist").id)
    gs, cancelled = sessions[0], sessions[1]
    book_as(app, session, "frontline", gs)
    book_as(app, session, "team_lead", gs)  # waitlisted: no reminder
    psychologist = book_as(app, session, "psychologist", cancelled)
    book_as(app, session, "admin", cancelled)
    at_moment(SERIES_NOW, app, session, lambda: services.cancel(session, psychologist))
    at_moment(SERIES_NOW, app, session, lambda: changes.cancel_session(session, cancelled))

    for moment in (gs.starts_at - timedelta(hours=23), gs.starts_at - timedelta(hours=22)):
        _sweep(app, moment)
        _sweep(app, moment)
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, tomorrow at 1:30pm"]
    for moment in (gs.starts_at - timedelta(minutes=59), gs.starts_at - timedelta(minutes=30)):
        _sweep(app, moment)
        _sweep(app, moment)
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, tomorrow at 1:30pm",
                                                   "Reminder: Keyworkers' reflective practice, today at 1:30pm"]
    _sweep(app, cancelled.starts_at - timedelta(minutes=30))
    for key in ("team_lead", "psychologist", "admin"):
        assert _reminders_to(session, key) == [], key


def test_a_late_sweep_sends_only_the_nearest_reminder_and_a_moved_session_is_reminded_afresh(app, session):
    gs = weekly_sessions(app, session)[0]
    book_as(app, session, "frontline", gs)
    with app.app_context():
        assert send_reminders(session, [24, 1], gs.starts_at - timedelta(minutes=40)) == 1
        session.commit()
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, today at 1:30pm"]
    body = session.scalars(select(Notification.body).where(Notification.title.startswith("Reminder"))).one()
    assert body.startswith("Your reflective practice session starts in 40 minutes (24 November 2026, 1:30pm)")

    other = weekly_sessions(app, session, title="Second group", starts_on=date(2026, 11, 25), weekday=2)[0]
    book_as(app, session, "frontline", other)
    with app.app_context():
        assert send_reminders(session, [24, 1], other.starts_at - timedelta(hours=20)) == 1
        changes.move_session(session, other, other.starts_at + timedelta(days=2), now=SERIES_NOW)
        session.commit()
        moved = session.get(GroupSession, other.id)
        assert send_reminders(session, [24, 1], moved.starts_at - timedelta(hours=20)) == 1
        assert send_reminders(session, [24, 1], moved.starts_at - timedelta(hours=20)) == 0
        session.commit()
    assert _reminders_to(session, "frontline").count("Reminder: Second group, tomorrow at 1:30pm") == 2


def test_a_reminder_says_the_time_actually_left_whenever_the_sweep_runs(app, session):
    gs = weekly_sessions(app, session)[0]
    book_as(app, session, "frontline", gs)
    with app.app_context():
        assert send_reminders(session, [24, 1], gs.starts_at - timedelta(minutes=2)) == 1
        session.commit()
    body = session.scalars(select(Notification.body).where(Notification.title.startswith("Reminder"))).one()
    assert body.startswith("Your reflective practice session starts in 2 minutes")


@pytest.mark.parametrize("starts, now, soon, left", [
    (datetime(2026, 10, 25, 9, 0, tzinfo=LONDON), datetime(2026, 10, 24, 23, 0, tzinfo=LONDON),
     "tomorrow at 9:00am", "in about 11 hours"),  # the clocks go back overnight: ten hours on the clock
    (datetime(2026, 3, 29, 9, 0, tzinfo=LONDON), datetime(2026, 3, 28, 21, 0, tzinfo=LONDON),
     "tomorrow at 9:00am", "in about 11 hours"),  # and forward: twelve on the clock
    (datetime(2026, 12, 2, 14, 0, tzinfo=LONDON), datetime(2026, 12, 2, 13, 59, 30, tzinfo=LONDON),
     "today at 2:00pm", "in 1 minute"),
    (datetime(2026, 12, 9, 14, 0, tzinfo=LONDON), datetime(2026, 12, 2, 14, 0, tzinfo=LONDON),
     "9 December 2026, 2:00pm", "in 7 days"),
])


def test_reminder_times_are_said_in_london_across_the_clock_changes(starts, now, soon, left):
    from core.timeutil import format_soon, format_time_left
    starts, now = as_utc(starts), as_utc(now)  # as stored: aware datetimes in one zone subtract by the clock
    assert format_soon(starts, now) == soon and format_time_left(starts - now) == left


def test_two_schedulers_reminding_at_once_on_postgresql_send_each_reminder_once(pg_app):
    from core.accounts.models import Person
    from core.database import db
    with pg_app.app_context(), db.new_session() as s:
        lead = s.scalar(select(Person).where(Person.email == "team.lead@example.org"))
        s.add(GroupSeries(title="Hammered", facilitator_id=lead.id, created_by_id=lead.id,
                          organisation_id=lead.organisation_id, team_id=None, open_round=True, capacity=40,
                          location="Room 1", frequency="weekly", every_weeks=1, weekday=1, start_time="13:30",
                          minutes=60, starts_on=date(2026, 11, 24), booking_cutoff_hours=2,
                          cancellation_cutoff_hours=24))
        s.flush()
        services.make_sessions(s, SERIES_NOW, days=7)
        gs = s.scalars(select(GroupSession)).one()
        for p in s.scalars(select(Person).where(Person.organisation_id == lead.organisation_id,
                                                Person.id != lead.id)):  # the facilitator needs no seat
            with time_machine.travel(SERIES_NOW, tick=False):
                services.book(s, gs.id, p)
        s.commit()
        booked = len(s.scalars(select(Booking).where(Booking.status == "booked")).all())
        starts = gs.starts_at
    counts = []

    def sweep():
        with pg_app.app_context(), db.new_session() as s:
            counts.append(send_reminders(s, [24, 1], starts - timedelta(hours=3)))
            s.commit()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with pg_app.app_context(), db.new_session() as s:
        sent = s.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.startswith("Reminder"))).all()
    assert sum(counts) == booked == len(sent) == len(set(sent)) and booked >= 3
