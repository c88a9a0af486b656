"""Open requests are never left with someone who cannot answer them. When a psychologist's leave starts, or
their account is deactivated, each request they hold goes to a psychologist on duty (fairly, as a new request
would) or, with nobody free, back to the duty queue; the requester is told and the thread records it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, PersonRole, Role
from core.timeutil import LONDON, utcnow
from rota.models import Leave
from rota.services import cancel_remaining_duties

from . import allocation, calls, thread
from .models import OPEN_STATUSES, Consultation, Status
from .services import allocate


def hand_over_from(session: Session, person: Person, why: str, now: datetime | None = None) -> int:
    """Pass on every open request this person holds; returns how many."""
    now = now or utcnow()
    held = session.scalars(select(Consultation).where(Consultation.psychologist_id == person.id,
                                                      Consultation.status.in_(OPEN_STATUSES))
                           .order_by(Consultation.immediate_danger.desc(), Consultation.due_at, Consultation.id)).all()
    for c in held:
        _hand_over(session, c, person, why, now)
    return len(held)


def someone_left(session: Session, person: Person, now: datetime) -> str | None:
    """Deactivated: off the rota (so the gap shows), and every open request they held passed on."""
    duties = cancel_remaining_duties(session, person.id, "deactivated", now)
    requests = hand_over_from(session, person, f"{person.name} is no longer available.", now)
    done = [f"{n} {noun if n == 1 else plural} {verb}" for n, noun, plural, verb in (
        (duties, "duty", "duties", "cancelled"), (requests, "open request", "open requests", "passed on")) if n]
    return f"{' and '.join(done).capitalize()}." if done else None


def hand_over_orphaned(session: Session, now: datetime | None = None) -> int:
    """The sweep: hand over what is held by psychologists whose leave has begun, or who have been deactivated
    (deactivation hands over at once; this catches any left behind). Returns how many requests moved."""
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    on_leave = set(session.scalars(select(Leave.psychologist_id).where(Leave.starts_on <= today,
                                                                       Leave.ends_on >= today)))
    gone = set(session.scalars(select(Person.id).join(PersonRole, PersonRole.person_id == Person.id)
                               .where(PersonRole.role == Role.PSYCHOLOGIST.value, Person.is_active.is_(False))))
    moved = 0
    for person in session.scalars(select(Person).where(Person.id.in_(on_leave | gone))):
        why = f"{person.name} is on leave." if person.id in on_leave and person.is_active else \
            f"{person.name} is no longer available."
        moved += hand_over_from(session, person, why, now)
    return moved


def _hand_over(session: Session, c: Consultation, departing: Person, why: str, now: datetime) -> None:
    chosen, candidates, reason = allocation.choose(session, now)
    if chosen is not None and chosen.id == departing.id:
        chosen = None  # still on a duty they will not do: nobody free to take it
    allocation.record(session, c, chosen, candidates, f"{why} {reason}", now, route="hand_over")
    audit.record(session, "consultation.handed_over", "consultation", c.id, previous=departing.id,
                 to=chosen.id if chosen else None)
    calls.cancel_calls_to_come(session, c, None, f"{why} A new psychologist will book a call if one is needed.", now)
    if chosen is not None:
        allocate(session, c, chosen, now, f"{why} {reason}",
                 tell_requester=("Your request has a new psychologist",
                                 f"{why} {chosen.name} now holds your request for {c.client_reference}."))
        return
    if c.status == Status.ALLOCATED.value:
        c.status = Status.RECEIVED.value
    c.psychologist_id = None
    thread.event(session, c, f"{why} Back in the duty queue for the next psychologist free to take it. {reason}", now)
    thread.tell(session, c.requester_id, c, "Your request has gone back to the duty psychologists",
                f"{why} Your request for {c.client_reference} is back in the duty queue, and the next psychologist "
                "free will take it.")
