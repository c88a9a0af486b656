"""Calls the psychologist books with the worker: booking, moving and cancelling them (each with a calendar
invitation emailed to both, updated or withdrawn), what happens when one is missed, and calls that can no longer
happen because the request closed or changed hands."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.config import base_host
from core.notifications import email_person
from core.timeutil import format_london, time_to_come_problem, utcnow

from . import follow_ups, thread
from .calendar import call_invitation
from .models import CALL_MODES, CallSlot, Consultation
from .states import TransitionRefused

BOOKED, CANCELLED = "booked", "cancelled"


def _check_time(starts_at: datetime, now: datetime) -> None:
    problem = time_to_come_problem(starts_at, now, "the call")
    if problem:
        raise TransitionRefused(problem)


def _invite(session: Session, c: Consultation, call: CallSlot, title: str, body: str, by: Person) -> None:
    """Both people on the call get its invitation (new, updated or withdrawn) by email; the one who did not make
    the change is told in the app as well."""
    config = current_app.config
    ics = call_invitation(c, call, config["BASE_URL"], base_host(config)).decode()
    for person in session.scalars(select(Person).where(Person.id.in_({c.requester_id, call.booked_by_id}))):
        if person.id == by.id:
            email_person(session, person, f"{title} ({c.reference})", body, ics)
        else:
            thread.tell(session, person, c, title, body, calendar=ics)


def book_call(session: Session, c: Consultation, psychologist: Person, starts_at: datetime, mode: str,
              now: datetime | None = None) -> CallSlot:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    _check_time(starts_at, now)
    call = CallSlot(consultation_id=c.id, starts_at=starts_at, mode=mode, booked_by_id=psychologist.id,
                    created_at=now)
    session.add(call)
    session.flush()
    when, kind = format_london(starts_at), CALL_MODES[mode].lower()
    thread.event(session, c, f"{psychologist.name} booked a {kind} for {when}.", now, by=psychologist)
    audit.record(session, "consultation.call_booked", "consultation", c.id, call=call.id)
    _invite(session, c, call, "A call has been booked",
            f"{psychologist.name} has booked a {kind} with you for {when}. The invitation is attached.", psychologist)
    return call


def _changeable(c: Consultation, call: CallSlot, now: datetime) -> None:
    if not c.is_open:
        raise TransitionRefused("This request is closed, so its calls cannot be changed.")
    if call.status != BOOKED:
        raise TransitionRefused("This call was cancelled, so it cannot be changed." if call.status == CANCELLED
                                else f"This call has been marked as {call.status}, so it cannot be changed.")
    if call.starts_at <= now:
        raise TransitionRefused("This call's time has passed: mark whether it happened instead.")


def move_call(session: Session, c: Consultation, call: CallSlot, by: Person, starts_at: datetime,
              now: datetime | None = None) -> None:
    now = now or utcnow()
    _changeable(c, call, now)
    if starts_at == call.starts_at:
        raise TransitionRefused(f"The call is already booked for {format_london(starts_at)}: choose a different "
                                "date or time to move it")
    _check_time(starts_at, now)
    before = format_london(call.starts_at)
    call.starts_at, call.sequence = starts_at, call.sequence + 1
    when = format_london(starts_at)
    thread.event(session, c, f"{by.name} moved the call on {before} to {when}.", now, by=by)
    audit.record(session, "consultation.call_moved", "consultation", c.id, call=call.id)
    _invite(session, c, call, "A call has been moved",
            f"{by.name} moved the call on {before} to {when}. The updated invitation is attached.", by)


def cancel_call(session: Session, c: Consultation, call: CallSlot, by: Person, reason: str,
                now: datetime | None = None) -> None:
    now = now or utcnow()
    _changeable(c, call, now)
    _cancel(session, c, call, by, f"{by.name} cancelled the call on {format_london(call.starts_at)}"
            + (f": {reason}" if reason else "."), now)


def _cancel(session: Session, c: Consultation, call: CallSlot, by: Person, said: str, now: datetime) -> None:
    call.status, call.sequence = CANCELLED, call.sequence + 1
    thread.event(session, c, said, now, by=by)
    audit.record(session, "consultation.call_cancelled", "consultation", c.id, call=call.id)
    _invite(session, c, call, "A call has been cancelled",
            f"{said} The attached cancellation takes it out of your calendar.", by)


def cancel_calls_to_come(session: Session, c: Consultation, by: Person | None, why: str, now: datetime) -> int:
    """Calls still to come that can no longer happen (the request closed, or its psychologist changed): each is
    cancelled, both people told and the invitation withdrawn, so nobody waits for a call that will not come."""
    to_come = session.scalars(select(CallSlot).where(CallSlot.consultation_id == c.id, CallSlot.status == BOOKED,
                                                     CallSlot.starts_at > now)).all()
    for call in to_come:
        _cancel(session, c, call, by or session.get(Person, call.booked_by_id),
                f"The call on {format_london(call.starts_at)} is cancelled: {why}", now)
    return len(to_come)


def mark_call(session: Session, c: Consultation, call: CallSlot, psychologist: Person, attended: bool,
              now: datetime | None = None) -> None:
    now = now or utcnow()
    if call.status != BOOKED:
        raise TransitionRefused("This call was cancelled." if call.status == CANCELLED
                                else f"This call has already been marked as {call.status}.")
    if call.starts_at > now:
        raise TransitionRefused("You can mark the call once its time has come")
    call.status = "attended" if attended else "missed"
    call.sequence += 1
    thread.event(session, c, f"The call on {format_london(call.starts_at)} was marked as {call.status}.", now,
                 by=psychologist)
    audit.record(session, f"consultation.call_{call.status}", "consultation", c.id, call=call.id)
    if not attended:
        follow_ups.open_follow_up(
            session, c, "missed_call",
            f"The call with the psychologist booked for {format_london(call.starts_at)} was missed. "
            "Contact the psychologist to rebook it.", now, call_id=call.id)
