"""Sweeps after booking: reminders before a session, and the evaluation invitation after it.

Each claims its rows (SKIP LOCKED on PostgreSQL; the immediate transaction on SQLite) and marks them in
the same transaction that queues the message, so a message goes out once however many sweeps run."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from core.accounts.models import Person
from core.database import with_row_locks
from core.notifications import notify
from core.timeutil import format_london, format_soon, format_time_left, utcnow

from .models import BOOKED, Booking, GroupSeries, GroupSession, SessionStatus

EVALUATION_WINDOW = timedelta(days=14)


def _claim(session: Session, query):
    return session.scalars(with_row_locks(session, query, skip_locked=True, of=Booking)).unique().all()


def send_reminders(session: Session, hours_before: list[int], now: datetime | None = None) -> int:
    """Remind each booked person `hours_before` the start. A late sweep sends only the nearest reminder due,
    and a moved session is reminded afresh for its new time. Returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for hours in sorted(hours_before):  # nearest first, so an overdue earlier reminder is then skipped
        already = (Booking.reminded_for == GroupSession.starts_at) & (Booking.reminded_hours <= hours)
        query = (select(Booking).join(GroupSession, GroupSession.id == Booking.session_id)
                 .options(contains_eager(Booking.session).joinedload(GroupSession.series),
                          joinedload(Booking.person))
                 .where(Booking.status == BOOKED, GroupSession.status == SessionStatus.SCHEDULED,
                        GroupSession.starts_at > now, GroupSession.starts_at <= now + timedelta(hours=hours),
                        or_(Booking.reminded_for.is_(None), ~already))
                 .order_by(GroupSession.starts_at, Booking.id).limit(500))
        for booking in _claim(session, query):
            gs, series = booking.session, booking.session.series
            booking.reminded_hours, booking.reminded_for = hours, gs.starts_at
            # Said from the time actually left: a late sweep, or a session booked at the last minute, must not
            # promise "in an hour" for one starting in two minutes.
            notify(session, booking.person, f"Reminder: {series.title}, {format_soon(gs.starts_at, now)}",
                   f"Your reflective practice session starts {format_time_left(gs.starts_at - now)} "
                   f"({format_london(gs.starts_at)}), {series.location}. "
                   "If you can no longer come, cancel so someone on the waitlist can have your place.",
                   link=f"/reflective-practice/sessions/{gs.id}")
            sent += 1
        session.flush()
    return sent


def invite_evaluations(session: Session, now: datetime | None = None) -> int:
    """Once a session has ended, ask each person who attended for their anonymous evaluation, once."""
    now = now or utcnow()
    query = (select(Booking).join(GroupSession, GroupSession.id == Booking.session_id)
             .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
             .options(contains_eager(Booking.session).contains_eager(GroupSession.series))
             .where(Booking.attendance == "attended", Booking.evaluation.is_(None),
                    GroupSession.starts_at > now - EVALUATION_WINDOW, GroupSession.ends_at <= now)
             .order_by(Booking.id).limit(500))
    invited = _claim(session, query)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({b.person_id for b in invited})))}
    for booking in invited:
        booking.evaluation = "invited"
        notify(session, people[booking.person_id], f"How was it? {booking.session.series.title}",
               "Three quick questions about the session. Your answers are anonymous: nobody can see who gave them.",
               link=f"/reflective-practice/evaluations/{booking.id}")
    session.flush()
    return len(invited)
