"""Reflective practice domain logic: sessions from the series' rule, bookings, the waitlist."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, Role
from core.notifications import notify
from core.timeutil import LONDON, format_london, utcnow

from .models import BOOKED, CANCELLED, WAITLISTED, Booking, GroupSeries, GroupSession, SeriesMember
from .recurrence import occurrence_dates, session_times

WINDOW_DAYS = 84  # twelve weeks of sessions ahead


class BookingRefused(Exception):
    """Why a booking or cancellation cannot happen, in words for the person."""


def make_sessions(session: Session, now: datetime | None = None, days: int = WINDOW_DAYS) -> int:
    """Create the sessions each live series' rule gives over the window ahead. Safe to run again."""
    now = now or utcnow()
    until = now.astimezone(LONDON).date() + timedelta(days=days)
    made = 0
    for series in session.scalars(select(GroupSeries).where(GroupSeries.ended_at.is_(None))):
        existing = set(session.scalars(select(GroupSession.occurrence).where(GroupSession.series_id == series.id)))
        for day in occurrence_dates(series, until):
            if day in existing:
                continue
            starts, ends = session_times(series, day)
            if ends <= now:
                continue
            session.add(GroupSession(series_id=series.id, occurrence=day, starts_at=starts, ends_at=ends))
            made += 1
    session.flush()
    return made


def joinable_condition(person: Person):
    """SQL: the series this person may book (open rounds for their organisation or team; closed groups they belong to)."""
    team_ids = [t.id for t in person.teams]
    open_round = (GroupSeries.open_round.is_(True)) & (GroupSeries.organisation_id == person.organisation_id) & \
        (GroupSeries.team_id.is_(None) | GroupSeries.team_id.in_(team_ids))
    member = GroupSeries.id.in_(select(SeriesMember.series_id).where(SeriesMember.person_id == person.id))
    involved = (GroupSeries.facilitator_id == person.id) | (GroupSeries.created_by_id == person.id)
    return or_(open_round, member, involved) if not person.has_role(Role.ADMIN) else true()


def can_join(session: Session, person: Person, series: GroupSeries) -> bool:
    return session.scalar(select(func.count()).select_from(GroupSeries)
                          .where(GroupSeries.id == series.id, joinable_condition(person))) > 0


def _locked_session(session: Session, group_session_id: int) -> GroupSession:
    query = select(GroupSession).where(GroupSession.id == group_session_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # one booking decision at a time per session
    return session.scalar(query)


def booked_count(session: Session, group_session_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.session_id == group_session_id, Booking.status == BOOKED)) or 0


def book(session: Session, group_session_id: int, person: Person, now: datetime | None = None) -> Booking:
    """A seat if one is free, otherwise a place on the waitlist. Never more seats than the capacity."""
    now = now or utcnow()
    gs = _locked_session(session, group_session_id)
    series = session.get(GroupSeries, gs.series_id)
    if not can_join(session, person, series):
        raise BookingRefused("This group is not open to you.")
    if gs.status != "scheduled":
        raise BookingRefused("This session has been cancelled.")
    if gs.starts_at - timedelta(hours=series.booking_cutoff_hours) <= now:
        raise BookingRefused("Booking for this session has closed.")
    booking = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == person.id))
    if booking is not None and booking.status in (BOOKED, WAITLISTED):
        raise BookingRefused("You already have a place." if booking.status == BOOKED
                             else "You are already on the waitlist.")
    status = BOOKED if booked_count(session, gs.id) < series.capacity else WAITLISTED
    if booking is None:
        booking = Booking(session_id=gs.id, person_id=person.id, status=status, created_at=now, updated_at=now)
        session.add(booking)
    else:
        booking.status, booking.created_at, booking.updated_at = status, now, now
        booking.sequence += 1
    session.flush()
    audit.record(session, f"session.{status}", "group_session", gs.id, person=person.id)
    return booking


def cancel(session: Session, booking: Booking, now: datetime | None = None) -> Booking | None:
    """Cancel a place; a freed seat goes to the first person on the waitlist, who is told. Returns who was promoted."""
    now = now or utcnow()
    if booking.status not in (BOOKED, WAITLISTED):
        raise BookingRefused("This booking is already cancelled.")
    gs = _locked_session(session, booking.session_id)
    was_booked = booking.status == BOOKED
    booking.status, booking.updated_at = CANCELLED, now
    booking.sequence += 1
    audit.record(session, "session.booking_cancelled", "group_session", gs.id, person=booking.person_id)
    if not was_booked:
        return None
    session.flush()
    return promote(session, gs, now)


def promote(session: Session, gs: GroupSession, now: datetime) -> Booking | None:
    series = session.get(GroupSeries, gs.series_id)
    if booked_count(session, gs.id) >= series.capacity:
        return None
    first = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.status == WAITLISTED)
                           .order_by(Booking.created_at, Booking.id).limit(1))
    if first is None:
        return None
    first.status, first.updated_at = BOOKED, now
    first.sequence += 1
    notify(session, session.get(Person, first.person_id), f"You have a place: {series.title}",
           f"A place came up and it is yours: {format_london(gs.starts_at)}. Cancel if you can no longer come.",
           link=f"/reflective-practice/sessions/{gs.id}")
    audit.record(session, "session.promoted_from_waitlist", "group_session", gs.id, person=first.person_id)
    return first


# --- The register and the CPD record ---------------------------------------------------------

def can_keep_register(person: Person, series: GroupSeries) -> bool:
    """The facilitator, and the team leads who scheduled the series or lead its team."""
    if person.id in (series.facilitator_id, series.created_by_id):
        return True
    return series.team_id is not None and series.team_id in person.led_team_ids


def mark_attendance(session: Session, gs: GroupSession, marks: dict[int, str], now: datetime | None = None) -> None:
    for booking in session.scalars(select(Booking).where(Booking.session_id == gs.id, Booking.status == BOOKED)):
        if booking.id in marks and marks[booking.id] in ("attended", "absent"):
            booking.attendance = marks[booking.id]
            booking.updated_at = now or utcnow()
    audit.record(session, "session.register_marked", "group_session", gs.id)


def add_walk_in(session: Session, gs: GroupSession, email: str, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    series = session.get(GroupSeries, gs.series_id)
    walker = session.scalar(select(Person).where(Person.email == email.strip().lower(), Person.is_active.is_(True)))
    if walker is None or walker.organisation_id != series.organisation_id:
        raise BookingRefused("There is no one with that email address in this organisation.")
    booking = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == walker.id))
    if booking is None:
        booking = Booking(session_id=gs.id, person_id=walker.id, status=BOOKED, created_at=now, updated_at=now)
        session.add(booking)
    booking.status, booking.attendance, booking.walk_in, booking.updated_at = BOOKED, "attended", True, now
    session.flush()
    audit.record(session, "session.walk_in_added", "group_session", gs.id, person=walker.id)
    return booking


def attendance_record(session: Session, person_id: int):
    """Sessions this person attended, newest first, with the series and facilitator, for their CPD record."""
    from sqlalchemy.orm import joinedload
    return (select(Booking).options(joinedload(Booking.session).joinedload(GroupSession.series)
                                    .joinedload(GroupSeries.facilitator))
            .join(GroupSession, GroupSession.id == Booking.session_id)
            .where(Booking.person_id == person_id, Booking.attendance == "attended")
            .order_by(GroupSession.starts_at.desc(), Booking.id.desc()))
