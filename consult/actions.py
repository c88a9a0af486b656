"""Agreed actions: the steps the advice settles on (who does what by when), ticked off by the worker.

The psychologist holding the request agrees them; the worker, or that psychologist, ticks each off (and can
untick a slip of the finger). Open ones are listed on the worker's page and their team lead's, oldest due first,
so a step agreed in advice is still in sight after the thread has closed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.database import with_row_locks
from core.timeutil import LONDON, format_day, utcnow

from . import thread
from .models import ACTION_OWNERS, AgreedAction, Consultation, reference_of
from .states import TransitionRefused

MOST_PER_REQUEST = 8  # a short list: more than this is a plan, better written as advice
SHOWN = 50


def agree(session: Session, c: Consultation, psychologist: Person, what: str, owner: str, due_on: date | None,
          now: datetime) -> AgreedAction:
    if not c.is_open or c.psychologist_id != psychologist.id:
        raise TransitionRefused("Only the psychologist holding an open request can agree actions on it.")
    if owner not in ACTION_OWNERS:
        raise TransitionRefused("Choose who will do it")
    if due_on is not None and due_on < now.astimezone(LONDON).date():
        raise TransitionRefused("The date to do it by must be today or later")
    agreed = session.scalar(select(func.count()).where(AgreedAction.consultation_id == c.id))
    if agreed >= MOST_PER_REQUEST:
        raise TransitionRefused(f"A request can carry up to {MOST_PER_REQUEST} agreed actions: put the rest in "
                                "your advice")
    action = AgreedAction(consultation_id=c.id, what=what.strip(), owner=owner, due_on=due_on,
                          created_by_id=psychologist.id, created_at=now)
    session.add(action)
    session.flush()
    thread.event(session, c, f"{psychologist.name} agreed an action: {described(action)}.", now, by=psychologist)
    if c.advice_given_at is not None:  # before the advice, the advice's own notice brings the worker to it
        thread.tell(session, c.requester_id, c, "An agreed action was added",
                    f"{psychologist.name} added an agreed action to the advice: {described(action)}.")
    audit.record(session, "consultation.action_agreed", "consultation", c.id, action=action.id)
    return action


def described(action: AgreedAction) -> str:
    """'the worker to book a GP appointment by 9 December 2026', for the thread and the notices."""
    by_when = f" by {format_day(action.due_on)}" if action.due_on else ""
    return f"{ACTION_OWNERS[action.owner].lower()} to {action.what}{by_when}"


def may_tick(person: Person, c: Consultation) -> bool:
    return person.id in (c.requester_id, c.psychologist_id)


def tick(session: Session, c: Consultation, action: AgreedAction, person: Person, done: bool,
         now: datetime) -> None:
    """Mark it done, or not done after all; either way recorded once, and never by someone outside the request."""
    if action.consultation_id != c.id or not may_tick(person, c):
        raise TransitionRefused("Only the worker who asked, or the psychologist holding the request, can tick off "
                                "its actions.")
    if (action.done_at is not None) == done:
        return
    action.done_at, action.done_by_id = (now, person.id) if done else (None, None)
    action.reminded_at = None  # undone, it may fall overdue again
    audit.record(session, "consultation.action_done" if done else "consultation.action_reopened", "consultation",
                 c.id, action=action.id)


def of_request(session: Session, consultation_id: int) -> list[AgreedAction]:
    return list(session.scalars(select(AgreedAction).where(AgreedAction.consultation_id == consultation_id)
                                .order_by(AgreedAction.created_at, AgreedAction.id)))


@dataclass(frozen=True)
class OpenAction:
    id: int
    consultation_id: int
    client_reference: str
    what: str
    owner: str
    due_on: date | None
    worker: str

    @property
    def reference(self) -> str:
        return reference_of(self.consultation_id)


def still_to_do(session: Session, *, requester_id: int | None = None,
                team_ids: list[int] | None = None) -> list[OpenAction]:
    """The open actions on a worker's own requests, or on their teams' (for a team lead): those due soonest
    first, then those with no date; at most SHOWN."""
    which = (Consultation.requester_id == requester_id if team_ids is None
             else Consultation.team_id.in_(team_ids))
    rows = session.execute(
        select(AgreedAction.id, AgreedAction.consultation_id, Consultation.client_reference, AgreedAction.what,
               AgreedAction.owner, AgreedAction.due_on, Person.name)
        .join(Consultation, Consultation.id == AgreedAction.consultation_id)
        .join(Person, Person.id == Consultation.requester_id)
        .where(which, AgreedAction.done_at.is_(None))
        .order_by(AgreedAction.due_on.is_(None), AgreedAction.due_on, AgreedAction.id).limit(SHOWN))
    return [OpenAction(*row) for row in rows]


def remind_overdue(session: Session, now: datetime | None = None) -> int:
    """Once an action's date has passed undone, the worker who asked is told, once, with each overdue action on
    that request (their team lead sees them marked overdue on the team page). Claimed with row locks, so two
    schedulers tell nobody twice. Returns how many workers' requests were told about."""
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    due = list(session.scalars(with_row_locks(session, select(AgreedAction).where(
        AgreedAction.done_at.is_(None), AgreedAction.reminded_at.is_(None), AgreedAction.due_on < today)
        .order_by(AgreedAction.consultation_id, AgreedAction.id).limit(500), skip_locked=True)))
    by_request: dict[int, list[AgreedAction]] = {}
    for action in due:
        action.reminded_at = now
        by_request.setdefault(action.consultation_id, []).append(action)
    requests = {c.id: c for c in session.scalars(select(Consultation).where(Consultation.id.in_(by_request)))}
    for consultation_id, overdue in by_request.items():
        c = requests[consultation_id]
        listed = "; ".join(described(a) for a in overdue)
        thread.tell(session, c.requester_id, c, "An agreed action is overdue" if len(overdue) == 1
                    else f"{len(overdue)} agreed actions are overdue",
                    f"From the advice on {c.client_reference}: {listed}. Tick each off when it is done, or ask "
                    "the psychologist if the plan needs to change.", link=f"/consultations/{c.id}#actions")
    return len(by_request)
