"""Reflective practice domain logic: sessions from the series' rule, bookings, the waitlist."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, Role
from core.database import with_row_locks
from core.notifications import notify
from core.refusals import Refused
from core.timeutil import LONDON, format_london, utcnow

from .calendar import tell_with_invitation
from .models import (
    BOOKED,
    CANCELLED,
    HOLDING_SEAT,
    OFFERED,
    WAITLISTED,
    Booking,
    GroupSeries,
    GroupSession,
    SeriesMember,
    SeriesOrganisation,
    SessionStatus,
)
from .recurrence import occurrence_dates, session_times

WINDOW_DAYS = 84  # twelve weeks of sessions ahead


class BookingRefused(Refused):
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


# The series someone may book: open rounds for the partnership, their organisation or their team, closed
# groups they belong to, and those they run. Written once with who is asking as bind parameters
# (`joinable_params`), so a page's query that uses it can be built once too.
_CHOSEN_MY_ORGANISATION = GroupSeries.id.in_(select(SeriesOrganisation.series_id).where(
    SeriesOrganisation.organisation_id == bindparam("my_organisation")))
_JOINABLE = or_(
    GroupSeries.open_round.is_(True)
    & ((GroupSeries.organisation_id.is_(None)
        & (GroupSeries.for_chosen_organisations.is_(False) | _CHOSEN_MY_ORGANISATION))
       | (GroupSeries.organisation_id == bindparam("my_organisation")))
    & (GroupSeries.team_id.is_(None) | GroupSeries.team_id.in_(bindparam("my_teams", expanding=True))),
    GroupSeries.id.in_(select(SeriesMember.series_id).where(SeriesMember.person_id == bindparam("me"))),
    (GroupSeries.facilitator_id == bindparam("me")) | (GroupSeries.created_by_id == bindparam("me")))


_ANY_SERIES = true()


def joinable_condition(person: Person):
    """SQL: the series this person may book; run it with `joinable_params(person)`. One of two conditions,
    the same objects every time, so a query built from one can be kept."""
    return _ANY_SERIES if person.has_role(Role.ADMIN) else _JOINABLE


def joinable_params(person: Person) -> dict:
    if person.has_role(Role.ADMIN):
        return {}
    return {"me": person.id, "my_organisation": person.organisation_id, "my_teams": [t.id for t in person.teams]}


def can_join(session: Session, person: Person, series: GroupSeries) -> bool:
    return session.scalar(select(func.count()).select_from(GroupSeries)
                          .where(GroupSeries.id == series.id, joinable_condition(person)), joinable_params(person)) > 0


def locked_session(session: Session, group_session_id: int) -> GroupSession:
    # One booking decision at a time per session.
    return session.scalar(with_row_locks(session, select(GroupSession).where(GroupSession.id == group_session_id)))


def booked_count(session: Session, group_session_id: int) -> int:
    """Seats taken: booked, or held for someone while an offer is open."""
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.session_id == group_session_id, Booking.status.in_(HOLDING_SEAT))) or 0


def _where(gs: GroupSession, series: GroupSeries) -> str:
    return f"{format_london(gs.starts_at)}, {series.location}"


def book(session: Session, group_session_id: int, person: Person, now: datetime | None = None) -> Booking:
    """A seat if one is free, otherwise a place on the waitlist. Never more seats than the capacity."""
    now = now or utcnow()
    gs = locked_session(session, group_session_id)
    series = session.get(GroupSeries, gs.series_id)
    if not can_join(session, person, series):
        raise BookingRefused("This group is not open to you.")
    if person.id == series.facilitator_id:
        raise BookingRefused("You facilitate this session, so you do not need a seat.")
    if gs.status != SessionStatus.SCHEDULED:
        raise BookingRefused("This session has been cancelled.")
    if gs.starts_at - timedelta(hours=series.booking_cutoff_hours) <= now:
        raise BookingRefused("Booking for this session has closed.")
    booking = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == person.id))
    if booking is not None and booking.status != CANCELLED:
        raise BookingRefused({BOOKED: "You already have a place.", WAITLISTED: "You are already on the waitlist.",
                              OFFERED: "A place is already offered to you: accept it below."}[booking.status])
    status = BOOKED if booked_count(session, gs.id) < series.capacity else WAITLISTED
    if booking is None:
        booking = Booking(session_id=gs.id, person_id=person.id, status=status, created_at=now, updated_at=now)
        session.add(booking)
    else:
        booking.status, booking.created_at, booking.updated_at = status, now, now
        booking.sequence += 1
    session.flush()
    if status == BOOKED:
        tell_with_invitation(session, booking, gs, series, f"Booked: {series.title}",
                             f"Your place is booked: {_where(gs, series)}. The calendar invitation is attached.",
                             in_app=False)
    audit.record(session, f"session.{status}", "group_session", gs.id, person=person.id)
    return booking


def cancel(session: Session, booking: Booking, now: datetime | None = None) -> Booking | None:
    """Cancel a place, leave the waitlist or turn down an offer. A freed seat goes to the first person
    waiting. Returns who was given or offered it."""
    now = now or utcnow()
    if booking.status == CANCELLED:
        raise BookingRefused("This booking is already cancelled.")
    gs = locked_session(session, booking.session_id)
    if gs.starts_at <= now:
        raise BookingRefused("This session has already started, so the booking can no longer be changed.")
    series = session.get(GroupSeries, gs.series_id)
    held_seat = booking.status in HOLDING_SEAT
    was_booked = booking.status == BOOKED
    booking.status, booking.updated_at, booking.offer_expires_at = CANCELLED, now, None
    booking.sequence += 1
    late = now >= gs.starts_at - timedelta(hours=series.cancellation_cutoff_hours)
    audit.record(session, "session.booking_cancelled", "group_session", gs.id, person=booking.person_id, late=late)
    if was_booked:
        tell_with_invitation(session, booking, gs, series, f"Cancelled: {series.title}",
                             f"Your booking for {_where(gs, series)} is cancelled.", in_app=False)
    if not held_seat:
        return None
    session.flush()
    return promote(session, gs, now)


def promote(session: Session, gs: GroupSession, now: datetime) -> Booking | None:
    """Give a free seat to the first person waiting; after the cancellation cut-off, offer it to them instead,
    since a place they did not ask for this late may be one they cannot take."""
    series = session.get(GroupSeries, gs.series_id)
    if (gs.status != SessionStatus.SCHEDULED or gs.starts_at <= now
            or booked_count(session, gs.id) >= series.capacity):
        return None
    first = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.status == WAITLISTED)
                           .order_by(Booking.created_at, Booking.id).limit(1))
    if first is None:
        return None
    first.updated_at = now
    if now >= gs.starts_at - timedelta(hours=series.cancellation_cutoff_hours):
        first.status = OFFERED
        first.offer_expires_at = min(now + timedelta(hours=current_app.config["SEAT_OFFER_HOURS"]), gs.starts_at)
        notify(session, session.get(Person, first.person_id), f"A place is offered to you: {series.title}",
               f"A place came up for {_where(gs, series)}. It is held for you until "
               f"{format_london(first.offer_expires_at)}: accept it or turn it down before then, "
               "or it passes to the next person waiting.",
               link=f"/reflective-practice/sessions/{gs.id}")
        audit.record(session, "session.place_offered", "group_session", gs.id, person=first.person_id)
        return first
    first.status = BOOKED
    first.sequence += 1
    tell_with_invitation(session, first, gs, series, f"You have a place: {series.title}",
                         f"A place came up and it is yours: {_where(gs, series)}. "
                         "Cancel if you can no longer come. The calendar invitation is attached.")
    audit.record(session, "session.promoted_from_waitlist", "group_session", gs.id, person=first.person_id)
    return first


def accept_offer(session: Session, booking: Booking, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    gs = locked_session(session, booking.session_id)
    if booking.status != OFFERED:
        raise BookingRefused("This offer is no longer open.")
    if booking.offer_expires_at <= now or gs.status != SessionStatus.SCHEDULED:
        raise BookingRefused("This offer has run out, so the place has passed to the next person waiting.")
    series = session.get(GroupSeries, gs.series_id)
    booking.status, booking.offer_expires_at, booking.updated_at = BOOKED, None, now
    booking.sequence += 1
    tell_with_invitation(session, booking, gs, series, f"Booked: {series.title}",
                         f"You took the place: {_where(gs, series)}. The calendar invitation is attached.",
                         in_app=False)
    audit.record(session, "session.offer_accepted", "group_session", gs.id, person=booking.person_id)
    return booking


def expire_offers(session: Session, now: datetime | None = None) -> int:
    """Pass on every offer that ran out to the next person waiting. Safe with two schedulers at once."""
    now = now or utcnow()
    query = (select(Booking).where(Booking.status == OFFERED, Booking.offer_expires_at <= now)
             .order_by(Booking.offer_expires_at).limit(200))
    lapsed = list(session.scalars(with_row_locks(session, query, skip_locked=True)))
    for booking in lapsed:
        gs = locked_session(session, booking.session_id)
        series = session.get(GroupSeries, gs.series_id)
        booking.status, booking.offer_expires_at, booking.updated_at = CANCELLED, None, now
        notify(session, session.get(Person, booking.person_id), f"The offered place has passed on: {series.title}",
               f"The place for {_where(gs, series)} was not taken in time, so it has been offered to the next "
               "person waiting. You can still book if another place comes up.",
               link=f"/reflective-practice/sessions/{gs.id}")
        audit.record(session, "session.offer_lapsed", "group_session", gs.id, person=booking.person_id)
        session.flush()
        promote(session, gs, now)
    return len(lapsed)


