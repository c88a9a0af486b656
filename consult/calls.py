"""Calls the psychologist books with the worker, and what happens when one is missed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.timeutil import format_london, utcnow

from . import follow_ups, thread
from .models import CALL_MODES, CallSlot, Consultation
from .states import TransitionRefused


def book_call(session: Session, c: Consultation, psychologist: Person, starts_at: datetime, mode: str,
              now: datetime | None = None) -> CallSlot:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    if starts_at <= now:
        raise TransitionRefused("Choose a time in the future for the call")
    call = CallSlot(consultation_id=c.id, starts_at=starts_at, mode=mode, booked_by_id=psychologist.id,
                    created_at=now)
    session.add(call)
    session.flush()
    when, kind = format_london(starts_at), CALL_MODES[mode].lower()
    thread.event(session, c, f"{psychologist.name} booked a {kind} for {when}.", now, by=psychologist)
    audit.record(session, "consultation.call_booked", "consultation", c.id, call=call.id)
    thread.tell(session, c.requester_id, c, "A call has been booked",
                f"{psychologist.name} has booked a {kind} with you for {when}. "
                "Add it to your calendar from the request page.")
    return call


def mark_call(session: Session, c: Consultation, call: CallSlot, psychologist: Person, attended: bool,
              now: datetime | None = None) -> None:
    now = now or utcnow()
    if call.status != "booked":
        raise TransitionRefused("This call has already been marked.")
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
