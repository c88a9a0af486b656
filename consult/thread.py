"""What a change to a consultation leaves behind: an entry on its thread, and notices to the people told.

Every change and every sweep writes through here, so the thread is the record of what happened and who was
told, and the pages that state those facts read them from it."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.accounts.models import Person
from core.notifications import notify

from .models import Consultation, Message

URGENT, DANGER = "URGENT", "URGENT – immediate danger reported"


def add_message(session: Session, c: Consultation, author: Person | None, kind: str, body: str,
                now: datetime) -> Message:
    """An entry on the thread; `author` None for what the service itself did (a sweep's reminder)."""
    message = Message(consultation_id=c.id, author_id=author.id if author else None, kind=kind, body=body,
                      created_at=now)
    session.add(message)
    c.updated_at = now
    if author is not None and author.id != c.requester_id and c.first_response_at is None \
            and kind not in ("event", "clinic"):  # a case clinic's recommendations are not the duty's reply
        c.first_response_at = now
    return message


def advice(session: Session, consultation_id: int) -> list[Message]:
    """Each part of a request's advice, oldest first, with its author."""
    return list(session.scalars(select(Message).options(joinedload(Message.author))
                                .where(Message.consultation_id == consultation_id, Message.kind == "advice")
                                .order_by(Message.created_at, Message.id)))


def event(session: Session, c: Consultation, body: str, now: datetime, by: Person | None = None) -> Message:
    return add_message(session, c, by, "event", body, now)


def urgent_title(c: Consultation, what: str) -> str:
    """A notice's title (and so its email's subject) that says first how urgent the request is."""
    prefix = DANGER if c.immediate_danger else URGENT if c.urgency == "urgent" else None
    return f"{prefix}: {what[:1].lower()}{what[1:]}" if prefix else what


def tell(session: Session, person: Person | int | None, c: Consultation, title: str, body: str,
         link: str | None = None, calendar: str | None = None) -> None:
    """Notify one person (in the app and by email) about this consultation, with its reference in the title; the
    notice opens the consultation unless it links to something on it."""
    if person is None:
        return
    if isinstance(person, int):
        person = session.get(Person, person)
    notify(session, person, f"{title} ({c.reference})", body, link=link or f"/consultations/{c.id}", calendar=calendar)


def tell_each(session: Session, people: Iterable[Person], c: Consultation, title: str, body: str,
              leave_out: Iterable[int] = ()) -> list[Person]:
    """Notify each person once, leaving out some (the holder, already told); returns who was told."""
    skip, told = set(leave_out), []
    for person in people:
        if person.id not in skip:
            skip.add(person.id)
            told.append(person)
            tell(session, person, c, title, body)
    return told


def names(people: Iterable[Person]) -> str:
    """'Dr A', 'Dr A and Dr B', 'Dr A, Dr B and Dr C'."""
    listed = [p.name for p in people]
    if len(listed) < 2:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]
