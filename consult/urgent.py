"""The urgent safety net: an urgent request (immediate danger is always urgent) must be acknowledged by a
psychologist within URGENT_ACK_MINUTES of wall-clock time, or more people are told, step by step.

The clock starts when someone is on duty: at once, or when the next duty starts (the lead psychologists are
told at once that nobody is on duty). Holding the request is not enough; the holder acknowledges it (any
action on it counts too). Unacknowledged, each period tells a wider group: the other psychologists on duty,
then the lead psychologists, then every psychologist; a step with nobody in it passes to the next at once.
Once a step has been taken, any psychologist may take the request over. Immediate danger also tells the
requester's team leads at once. Every step is recorded on the thread and audited.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.directory import lead_psychologists, psychologists, team_leads
from core.accounts.models import Person, Role
from core.database import with_row_locks
from core.timeutil import format_london, utcnow
from rota import services as rota

from . import access, thread
from .models import OPEN_STATUSES, Consultation, Status
from .states import TransitionRefused

# The groups told at each step of the chain, in the words the thread uses.
STEPS = {1: "the other psychologists on duty", 2: "the lead psychologists", 3: "every psychologist"}
LAST_STEP = max(STEPS)


def ack_period() -> timedelta:
    return timedelta(minutes=current_app.config["URGENT_ACK_MINUTES"])


def needs_acknowledging(c: Consultation) -> bool:
    return c.urgency == "urgent"


def start_clock(c: Consultation, start: datetime) -> None:
    """(Re)start the acknowledgement clock, for a new request or a new holder: the chain begins again."""
    c.ack_started_at = start
    c.ack_due_at = start + ack_period()
    c.acknowledged_at = c.acknowledged_by_id = None
    c.escalation_step = 0


def mark_acknowledged(c: Consultation, person: Person, now: datetime) -> None:
    """The holder has seen it (an explicit acknowledgement, or any action they take on it)."""
    if c.awaiting_acknowledgement:
        c.acknowledged_at, c.acknowledged_by_id, c.ack_due_at = now, person.id, None


def on_duty_psychologists(session: Session, now: datetime) -> list[Person]:
    ids = {slot.psychologist_id for slot in rota.on_duty(session, now)}
    if not ids:
        return []
    return list(session.scalars(select(Person).where(Person.id.in_(ids), Person.is_active.is_(True))
                                .order_by(Person.name)))


def on_raised(session: Session, c: Consultation, now: datetime) -> None:
    """After routing a new urgent request: start its clock and tell who must know at once."""
    if not needs_acknowledging(c):
        return
    if c.psychologist_id is None:
        _waiting_in_the_pool(session, c, now)
    if c.immediate_danger:
        leads = thread.tell_each(session, team_leads(session, c.team_id), c,
                                 thread.urgent_title(c, "A worker in your team needs help now"),
                                 "A member of your team has reported that someone is in immediate danger. "
                                 "Check they have the support they need.")
        thread.event(session, c, f"Immediate danger reported: {thread.names(leads)} (team lead) told at once."
                     if leads else "Immediate danger reported: the requester's team has no team lead to tell.", now)


def _waiting_in_the_pool(session: Session, c: Consultation, now: datetime) -> None:
    on_duty = on_duty_psychologists(session, now)
    if on_duty:
        start_clock(c, now)
        told = thread.tell_each(session, on_duty, c, thread.urgent_title(c, "A request is waiting in the duty queue"),
                                f"An urgent request is waiting in the duty queue. Take it or acknowledge it by "
                                f"{format_london(c.ack_due_at)}.")
        thread.event(session, c, f"Everyone on duty is at today's limit: {thread.names(told)} told at once.", now)
        return
    next_duty = rota.next_duty_start(session, now)
    start_clock(c, max(next_duty or now, now))
    leads = lead_psychologists(session) or psychologists(session)
    when = f"The next duty starts {format_london(next_duty)}." if next_duty else "No duty is planned."
    told = thread.tell_each(session, leads, c, thread.urgent_title(c, "Nobody is on duty"),
                            f"An urgent request has arrived while nobody is on duty. {when}")
    thread.event(session, c, f"Nobody is on duty: {thread.names(told)} told at once. {when}", now)


def acknowledge(session: Session, c: Consultation, person: Person, now: datetime | None = None) -> None:
    """'I have this.' The holder acknowledges; once the chain has begun, any psychologist may take it over."""
    now = now or utcnow()
    if not c.awaiting_acknowledgement:
        raise TransitionRefused("This request does not need acknowledging: it has been acknowledged already.")
    if c.psychologist_id != person.id:
        _take_over(session, c, person, now)
    mark_acknowledged(c, person, now)
    thread.event(session, c, f"{person.name} acknowledged this urgent request.", now, by=person)
    audit.record(session, "consultation.acknowledged", "consultation", c.id)
    thread.tell(session, c.requester_id, c, "A psychologist has your urgent request",
                f"{person.name} has seen your urgent request and is dealing with it.")


def _take_over(session: Session, c: Consultation, person: Person, now: datetime) -> None:
    if not person.has_role(Role.PSYCHOLOGIST):
        raise TransitionRefused("Only a psychologist can acknowledge a request.")
    if c.psychologist_id is not None and c.escalation_step == 0:
        raise TransitionRefused(f"The psychologist holding this request has until {format_london(c.ack_due_at)} "
                                "to acknowledge it. After that, any psychologist can take it over.")
    previous = c.psychologist_id
    if c.status == Status.RECEIVED.value:
        c.status = Status.ALLOCATED.value
    access.hold(session, c, person, now)
    thread.event(session, c, f"{person.name} took over this urgent request, which had not been acknowledged.",
                 now, by=person)
    audit.record(session, "consultation.taken_over", "consultation", c.id, previous=previous)
    thread.tell(session, previous, c, thread.urgent_title(c, "Another psychologist has taken over"),
                f"{person.name} took over the urgent request you held, as it had not been acknowledged.")


# --- The sweep --------------------------------------------------------------------------------

def escalate_unacknowledged(session: Session, now: datetime | None = None) -> int:
    """Take the next step for each urgent request whose acknowledgement is overdue; returns how many.

    Claimed with row locks (SKIP LOCKED on PostgreSQL; an immediate transaction on SQLite) and moved on in the
    same transaction, so two schedulers never take one step twice."""
    now = now or utcnow()
    query = (select(Consultation)
             .where(Consultation.ack_due_at <= now, Consultation.acknowledged_at.is_(None),
                    Consultation.status.in_(OPEN_STATUSES))
             .order_by(Consultation.ack_due_at, Consultation.id).limit(200))
    due = list(session.scalars(with_row_locks(session, query, skip_locked=True)))
    groups: dict[int, list[Person]] = {}  # each group looked up once a sweep, not once a request

    def group(step: int) -> list[Person]:
        if step not in groups:
            groups[step] = {1: on_duty_psychologists, 2: lambda s, _: lead_psychologists(s),
                            3: lambda s, _: psychologists(s)}[step](session, now)
        return groups[step]

    for c in due:
        _next_step(session, c, now, group)
    return len(due)


def _next_step(session: Session, c: Consultation, now: datetime, group) -> None:
    waited = round((now - c.ack_started_at).total_seconds() / 60)
    title = thread.urgent_title(c, f"Not acknowledged after {waited} minutes")
    body = (f"An urgent request has not been acknowledged {waited} minutes after it reached the duty "
            "psychologists. Open it and take it over if nobody has it.")
    skipped, told, step = [], [], c.escalation_step
    while not told and step < LAST_STEP:
        step += 1
        told = thread.tell_each(session, group(step), c, title, body, leave_out=[c.psychologist_id])
        if not told:
            skipped.append(STEPS[step])
    c.escalation_step = step
    c.ack_due_at = now + ack_period() if told and step < LAST_STEP else None
    nobody = f"There were no others to tell ({', '.join(skipped)}). " if skipped else ""
    outcome = f"{thread.names(told)} ({STEPS[step]}) told." if told else "Nobody else could be told."
    thread.event(session, c, f"Not acknowledged after {waited} minutes. {nobody}{outcome}", now)
    audit.record(session, "consultation.urgent_escalated", "consultation", c.id, step=step,
                 told=sorted(p.id for p in told))
