"""Reflective practice domain logic: sessions from the series' rule, bookings, the waitlist."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, Role, TeamMembership
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


def team_ids_led(person: Person) -> list[int]:
    return [t.id for t in person.teams] if person.has_role(Role.TEAM_LEAD) else []


def team_members(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMembership.person_id).where(TeamMembership.team_id == team_id)))
