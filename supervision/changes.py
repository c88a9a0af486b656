"""A team lead moves or cancels one session, or ends a series; everyone booked is told, with an updated or
cancelled calendar invitation, and everyone waiting is told too."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.notifications import notify
from core.timeutil import format_london, move_problem, utcnow

from .calendar import tell_with_invitation
from .models import BOOKED, CANCELLED, Booking, GroupSeries, GroupSession, SessionStatus
from .services import BookingRefused, locked_session


def _tell_everyone(session: Session, gs: GroupSession, series: GroupSeries, title: str, body: str) -> int:
    """Booked people get their invitation (updated or cancelled); people waiting or offered a place get a message."""
    told = 0
    for booking in session.scalars(select(Booking).where(Booking.session_id == gs.id, Booking.status != CANCELLED)):
        if booking.status == BOOKED:
            tell_with_invitation(session, booking, gs, series, title, body)
        else:
            notify(session, session.get(Person, booking.person_id), title, body,
                   link=f"/reflective-practice/sessions/{gs.id}")
        told += 1
    return told


def _reason(note: str) -> str:
    return f" Reason: {note}" if note else ""


def _still_to_come(gs: GroupSession, now: datetime) -> None:
    if gs.status != SessionStatus.SCHEDULED:
        raise BookingRefused("This session has already been cancelled.")
    if gs.starts_at <= now:
        raise BookingRefused("This session has already started, so it can no longer be changed.")


def move_session(session: Session, gs: GroupSession, new_start: datetime, note: str = "",
                 now: datetime | None = None) -> int:
    """Move one session (same length); the rest of the series stays where it was. Returns how many were told."""
    now = now or utcnow()
    gs = locked_session(session, gs.id)
    _still_to_come(gs, now)
    problem = move_problem(gs.starts_at, new_start, now, "session")
    if problem:
        raise BookingRefused(problem)
    series = session.get(GroupSeries, gs.series_id)
    was = gs.starts_at
    gs.ends_at = new_start + (gs.ends_at - gs.starts_at)
    gs.starts_at, gs.change_note = new_start, note or None
    gs.sequence += 1
    told = _tell_everyone(session, gs, series, f"Moved: {series.title}",
                          f"The session on {format_london(was)} has moved to {format_london(new_start)}, "
                          f"{series.location}.{_reason(note)}")
    audit.record(session, "session.moved", "group_session", gs.id, starts_at=new_start.isoformat(),
                 was=was.isoformat(), told=told)
    return told


def cancel_session(session: Session, gs: GroupSession, note: str = "", now: datetime | None = None,
                   ending_series: bool = False) -> int:
    now = now or utcnow()
    gs = locked_session(session, gs.id)
    _still_to_come(gs, now)
    series = session.get(GroupSeries, gs.series_id)
    gs.status, gs.change_note = SessionStatus.CANCELLED, note or None
    gs.sequence += 1
    why = "The group has ended, so this session will not happen." if ending_series else "This session will not happen."
    told = _tell_everyone(session, gs, series, f"Cancelled: {series.title}, {format_london(gs.starts_at)}",
                          f"{why}{_reason(note)} Your booking is cancelled and the calendar invitation withdrawn.")
    audit.record(session, "session.cancelled", "group_session", gs.id, told=told)
    return told


def end_series(session: Session, series: GroupSeries, note: str = "", now: datetime | None = None) -> int:
    """No more sessions: every session still to come is cancelled and its people told. Returns sessions cancelled."""
    now = now or utcnow()
    if series.ended_at is not None:
        raise BookingRefused("This group has already ended.")
    series.ended_at = now
    to_come = session.scalars(select(GroupSession).where(
        GroupSession.series_id == series.id, GroupSession.status == SessionStatus.SCHEDULED,
        GroupSession.starts_at > now)
        .order_by(GroupSession.starts_at)).all()
    for gs in to_come:
        cancel_session(session, gs, note, now, ending_series=True)
    audit.record(session, "series.ended", "group_series", series.id, sessions_cancelled=len(to_come))
    return len(to_come)
