"""In-app notifications and the email outbox.

Features never send email themselves: they add rows here in their own
transaction, and the scheduler's sweep delivers each queued email exactly once.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, Text, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import Base, with_row_locks
from .text import one_line
from .timeutil import utcnow

log = logging.getLogger("reach.outbox")
QUEUED, SENDING, SENT, PARKED = "queued", "sending", "sent", "parked"
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)
FINISH_TRIES = 5
# A message that fails on its own (it cannot be built, or the server refuses it) is tried this many times, then
# parked for an admin to see; a server that is down is tried for ever, as every message is then waiting on it.
MESSAGE_TRIES = 5
SUBJECT_LENGTH = 300


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    calendar: Mapped[str | None] = mapped_column(Text)  # an iCalendar invitation sent with the message
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_person_created", "person_id", "created_at"),
                      Index("ix_notifications_person_unread", "person_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None]


def queue_email(session: Session, to_address: str, subject: str, body: str, recipient_id: int | None = None,
                calendar: str | None = None) -> OutboxMessage:
    # A subject is one header line: a line break in it (from a name or a title) would not build, or worse.
    message = OutboxMessage(to_address=to_address, subject=one_line(subject)[:SUBJECT_LENGTH], body=body,
                            recipient_id=recipient_id, calendar=calendar)
    session.add(message)
    return message


def notify(session: Session, person, title: str, body: str, link: str | None = None, email: bool = True,
           calendar: str | None = None) -> Notification:
    """Tell a person something: an in-app notification, and an email (with any calendar invitation) unless told not to."""
    note = Notification(person_id=person.id, title=one_line(title)[:SUBJECT_LENGTH], body=body, link=link)
    session.add(note)
    if email:
        email_person(session, person, title, body, calendar)
    return note


def email_person(session: Session, person, title: str, body: str, calendar: str | None = None) -> None:
    """Email a person, unless their account has been deactivated."""
    if person.is_active:
        queue_email(session, person.email, title, body, recipient_id=person.id, calendar=calendar)


def parked_messages(session: Session, limit: int = 200) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == PARKED)
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def try_again(session: Session, message: OutboxMessage, now: datetime | None = None) -> None:
    """An admin sends a parked message round again, from its first try."""
    if message.status == PARKED:
        message.status, message.attempts, message.next_attempt_at = QUEUED, 0, now or utcnow()


def read_on_opening(session: Session, person, path: str, now: datetime, defer) -> None:
    """Opening the page a notification links to reads it. Asked only while the person has unread ones (their
    count comes with their sign-in); `defer` runs the write after a read-only page (Database.defer_write)."""
    if not person.unread_notifications:
        return
    opened = session.scalars(select(Notification.id).where(
        Notification.person_id == person.id, Notification.read_at.is_(None), Notification.link == path)).all()
    if opened:
        defer(session, lambda s: s.execute(update(Notification).where(Notification.id.in_(opened))
                                           .values(read_at=now)))
        person.unread_notifications = max(0, person.unread_notifications - len(opened))


def mark_read(session: Session, person, ids: list[int], now: datetime, defer) -> None:
    if ids:
        defer(session, lambda s: s.execute(update(Notification).where(
            Notification.person_id == person.id, Notification.id.in_(ids), Notification.read_at.is_(None))
            .values(read_at=now)))
        person.unread_notifications = max(0, person.unread_notifications - len(ids))


def backoff(attempts: int) -> timedelta:
    # Cap the exponent: past a few doublings the ceiling applies anyway.
    return min(FIRST_BACKOFF * (2 ** min(max(attempts - 1, 0), 16)), MAX_BACKOFF)


def claim_due(session: Session, worker: str, now: datetime | None = None, limit: int = 50) -> list[OutboxMessage]:
    """Claim queued (or abandoned) messages for this worker, in one short transaction.

    PostgreSQL skips rows another worker has locked; SQLite's immediate
    transaction serialises claimers, so no message is ever claimed twice.
    """
    now = now or utcnow()
    due = or_(
        (OutboxMessage.status == QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_until < now),
    )
    query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
    messages = list(session.scalars(with_row_locks(session, query, skip_locked=True)))
    for message in messages:
        message.status = SENDING
        message.claimed_by = worker
        message.claimed_until = now + CLAIM_LEASE
    session.commit()
    return messages


def _finish(session: Session, message: OutboxMessage, worker: str, **values) -> None:
    """Settle a message. Only the worker holding the claim may. A busy database is tried again: a message
    sent but left unsettled would be sent a second time once its claim ran out."""
    for attempt in range(1, FINISH_TRIES + 1):
        try:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker,
                       OutboxMessage.status == SENDING)
                .values(claimed_by=None, claimed_until=None, **values)
            )
            session.commit()
            return
        except OperationalError:
            session.rollback()
            if attempt == FINISH_TRIES:
                raise
            time.sleep(0.2 * attempt)


class MessageProblem(Exception):
    """This message, not the server, is the problem: it cannot be built, or the server refused it. The messages
    behind it can still go."""


def deliver_due(session: Session, sender, worker: str, now: datetime | None = None) -> int:
    """Send what is due. A message that fails on its own is retried with back-off, then parked after
    MESSAGE_TRIES, and the rest go on; when the server fails, every message left is queued again with back-off.
    Returns the number sent."""
    now = now or utcnow()
    messages = claim_due(session, worker, now)
    sent = 0
    failure: str | None = None
    for message in messages:
        if failure is None:
            try:
                sender.send(message)
            except MessageProblem as problem:
                attempts = message.attempts + 1
                parked = attempts >= MESSAGE_TRIES
                log.warning("Outbox message %s failed on its own (%s)%s", message.id, problem,
                            ", parked" if parked else "")
                _finish(session, message, worker, status=PARKED if parked else QUEUED, attempts=attempts,
                        next_attempt_at=now + backoff(attempts), last_error=str(problem)[:2000])
                continue
            except Exception as exc:  # the SMTP server is down or refused: retry later
                failure = f"{type(exc).__name__}: {exc}"
        if failure is not None:
            # Once the server has failed, don't hammer it with the rest of the batch.
            attempts = message.attempts + 1
            _finish(session, message, worker, status=QUEUED, attempts=attempts,
                    next_attempt_at=now + backoff(attempts), last_error=failure[:2000])
            continue
        _finish(session, message, worker, status=SENT, sent_at=utcnow(),
                attempts=message.attempts + 1, last_error=None)
        sent += 1
    return sent
