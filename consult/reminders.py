"""Reminders that keep a request from stalling silently, each a row due at a time and sent once.

- The psychologist asked for more information: the worker is reminded after AWAITING_REMINDER_DAYS working
  days; after twice that the psychologist and the worker's team leads are told (the psychologist may close it
  with signposting; nothing is ever closed on its own).
- Advice given and not opened by the worker within ADVICE_UNREAD_DAYS working days: the worker is reminded, and
  their team leads see it on the team page.
- CHECK_BACK_DAYS after the first advice, the worker is asked how the client is getting on.

A reminder whose state has ended (the worker answered, opened the advice, checked back) is dropped when due.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.accounts.directory import team_leads
from core.database import with_row_locks
from core.timeutil import format_london, utcnow
from core.workweek import add_working_time, working_week

from . import thread
from .models import CheckBack, Consultation, Reminder, ReminderKind, Status

K = ReminderKind


def _working_days(since: datetime, setting: str, times: int = 1) -> datetime:
    week = working_week()
    return add_working_time(since, int(times * current_app.config[setting] * week.day_seconds), week)


def schedule(session: Session, c: Consultation, kind: ReminderKind, since: datetime, due_at: datetime) -> None:
    session.add(Reminder(consultation_id=c.id, kind=kind.value, since=since, due_at=due_at))


def information_asked(session: Session, c: Consultation, now: datetime) -> None:
    c.awaiting_since = now
    schedule(session, c, K.AWAITING_REQUESTER, now, _working_days(now, "AWAITING_REMINDER_DAYS"))


def advice_given(session: Session, c: Consultation, now: datetime) -> None:
    """Chase the advice until it is read; ask how things went after the first advice only."""
    if c.advice_opened_at is None:
        schedule(session, c, K.ADVICE_UNREAD, now, _working_days(now, "ADVICE_UNREAD_DAYS"))
    if c.check_back_due_at is None:
        c.check_back_due_at = now + timedelta(days=current_app.config["CHECK_BACK_DAYS"])
        schedule(session, c, K.CHECK_BACK, now, c.check_back_due_at)


# --- The sweep --------------------------------------------------------------------------------

def send_due(session: Session, now: datetime | None = None) -> int:
    """Send each reminder that is due and still needed, once; returns how many were sent.

    Claimed with row locks (SKIP LOCKED on PostgreSQL; an immediate transaction on SQLite) and marked done in
    the transaction that queues its messages, so two schedulers never send one twice."""
    now = now or utcnow()
    query = (select(Reminder).options(joinedload(Reminder.consultation))
             .where(Reminder.done_at.is_(None), Reminder.due_at <= now).order_by(Reminder.due_at, Reminder.id)
             .limit(200))
    due = list(session.scalars(with_row_locks(session, query, skip_locked=True, of=Reminder)))
    checked_back = set(session.scalars(select(CheckBack.consultation_id).where(
        CheckBack.consultation_id.in_({r.consultation_id for r in due if r.kind == K.CHECK_BACK.value}))))
    sent = 0
    for reminder in due:
        c = reminder.consultation
        needed = _still_needed(reminder, c, checked_back)
        if needed:
            SEND[ReminderKind(reminder.kind)](session, reminder, c, now)
            sent += 1
        reminder.done_at, reminder.outcome = now, "sent" if needed else "dropped"
    return sent


def _still_needed(reminder: Reminder, c: Consultation, checked_back: set[int]) -> bool:
    kind = ReminderKind(reminder.kind)
    if kind in (K.AWAITING_REQUESTER, K.AWAITING_ESCALATION):
        return c.status == Status.AWAITING_INFORMATION.value and c.awaiting_since == reminder.since
    if kind is K.ADVICE_UNREAD:
        return c.advice_opened_at is None
    return c.id not in checked_back


def _remind_requester(session: Session, reminder: Reminder, c: Consultation, now: datetime) -> None:
    asked = format_london(reminder.since)
    thread.tell(session, c.requester_id, c, "Reminder: the psychologist is waiting for your answer",
                f"On {asked} the psychologist asked you for more information about {c.client_reference}. "
                "Answer on the request so they can advise you.")
    thread.event(session, c, f"Reminder sent to the worker: the question asked on {asked} is still unanswered.", now)
    schedule(session, c, K.AWAITING_ESCALATION, reminder.since,
             _working_days(reminder.since, "AWAITING_REMINDER_DAYS", times=2))


def _escalate_silence(session: Session, reminder: Reminder, c: Consultation, now: datetime) -> None:
    asked = format_london(reminder.since)
    thread.tell(session, c.psychologist_id, c, "No answer from the worker",
                f"The question you asked on {asked} has not been answered, though the worker was reminded. If they "
                "cannot answer, you can close the request with signposting so they know where to turn.")
    leads = thread.tell_each(session, team_leads(session, c.team_id), c, "A request is waiting for your team",
                             f"A psychologist asked a member of your team for more information on {asked} and has "
                             "had no answer. Check whether they need help to reply.")
    told = "the psychologist" + (f" and {thread.names(leads)} (team lead)" if leads else "")
    thread.event(session, c, f"Still no answer to the question asked on {asked}: {told} told.", now)


def _advice_unread(session: Session, reminder: Reminder, c: Consultation, now: datetime) -> None:
    thread.tell(session, c.requester_id, c, "Advice is waiting for you",
                f"The psychologist wrote advice about {c.client_reference} on {format_london(reminder.since)}, "
                "and it has not been opened yet.")
    thread.event(session, c, "Reminder sent to the worker: the advice has not been opened yet.", now)


def _check_back(session: Session, reminder: Reminder, c: Consultation, now: datetime) -> None:
    thread.tell(session, c.requester_id, c, f"How is {c.client_reference} getting on?",
                "Check back on the request: did you try the advice, is the person engaging, have they missed "
                "appointments? It takes a minute, and a missed appointment starts a plan to re-engage them.")
    thread.event(session, c, "The worker was asked to check back on how the client is getting on.", now)


SEND = {K.AWAITING_REQUESTER: _remind_requester, K.AWAITING_ESCALATION: _escalate_silence,
        K.ADVICE_UNREAD: _advice_unread, K.CHECK_BACK: _check_back}
