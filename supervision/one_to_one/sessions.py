"""Supervision sessions: made ahead from the agreement's rhythm in London's wall-clock time, each with its own
calendar invitation (sent to both people four weeks ahead, updated when it moves, withdrawn when it is
cancelled), moved or cancelled one at a time, and reminded."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager

from core import audit
from core.accounts.models import Person
from core.config import base_host
from core.database import with_row_locks
from core.ics import Invitation, invitation_ics
from core.notifications import notify
from core.timeutil import format_london, format_soon, format_time_left, move_problem, utcnow
from supervision.recurrence import occurrence_dates, session_times

from .agreements import RHYTHM, AgreementRefused, in_force, party, today
from .models import MODES, AgreementStatus, AgreementVersion, SessionStatus, SupervisionAgreement, SupervisionSession

WINDOW_DAYS = 84  # twelve weeks of sessions ahead, for both people to plan around
INVITE_AHEAD = timedelta(days=28)  # each session's invitation goes out this far ahead, not all at once


def where(terms: AgreementVersion) -> str:
    return f"{MODES[terms.mode]}{', ' + terms.location if terms.location else ''}"


def make_for(session: Session, agreement: SupervisionAgreement, terms: AgreementVersion, now: datetime,
             days: int = WINDOW_DAYS) -> list[SupervisionSession]:
    """The sessions the terms give over the window ahead that do not exist yet. Safe to run again."""
    existing = set(session.scalars(select(SupervisionSession.occurrence).where(
        SupervisionSession.agreement_id == agreement.id, SupervisionSession.version == terms.number)))
    made = []
    for day in occurrence_dates(terms, today(now) + timedelta(days=days)):
        starts, ends = session_times(terms, day)
        if day in existing or ends <= now:
            continue
        made.append(SupervisionSession(agreement_id=agreement.id, version=terms.number, occurrence=day,
                                       starts_at=starts, ends_at=ends))
    session.add_all(made)
    session.flush()
    return made


def make_sessions(session: Session, now: datetime | None = None) -> int:
    """What the scheduler runs: every agreement in force keeps twelve weeks of sessions ahead."""
    now = now or utcnow()
    rows = session.execute(select(SupervisionAgreement, AgreementVersion).join(
        AgreementVersion, (AgreementVersion.agreement_id == SupervisionAgreement.id)
        & (AgreementVersion.number == SupervisionAgreement.version))
        .where(SupervisionAgreement.status == AgreementStatus.ACTIVE)).all()
    return sum(len(make_for(session, agreement, terms, now)) for agreement, terms in rows)


def invitation(sess: SupervisionSession, terms: AgreementVersion, supervisor: Person, supervisee: Person) -> str:
    """One event both people share."""
    return invitation_ics(Invitation(
        "Supervision", f"supervision-session-{sess.id}@{base_host(current_app.config)}", sess.starts_at,
        sess.ends_at, sess.sequence, f"Supervision: {supervisee.name} with {supervisor.name}",
        f"{current_app.config['BASE_URL']}/supervision/sessions/{sess.id}", sess.status == SessionStatus.CANCELLED,
        location=where(terms))).decode()


def _tell_both(session: Session, sess: SupervisionSession, agreement: SupervisionAgreement, terms: AgreementVersion,
               title: str, body: str, skip: Person | None = None) -> None:
    """Both people (but `skip`, who made the change), with the invitation once it has been sent."""
    supervisor, supervisee = session.get(Person, agreement.supervisor_id), session.get(Person, agreement.supervisee_id)
    ics = invitation(sess, terms, supervisor, supervisee) if sess.invited_at is not None else None
    for person in (supervisor, supervisee):
        if ics is not None or skip is None or person.id != skip.id:  # whoever changed it needs no message alone
            notify(session, person, title, body, link=f"/supervision/sessions/{sess.id}", calendar=ics)


def _to_come(session: Session, agreement: SupervisionAgreement, now: datetime) -> list[SupervisionSession]:
    return list(session.scalars(select(SupervisionSession).where(
        SupervisionSession.agreement_id == agreement.id, SupervisionSession.status == SessionStatus.SCHEDULED,
        SupervisionSession.starts_at > now).order_by(SupervisionSession.starts_at)))


def _cancel(session: Session, sess: SupervisionSession, agreement, terms, note: str, skip: Person | None) -> None:
    """Cancel one session, withdrawing its invitation. When many go at once (new terms, or the agreement ended),
    `skip` is None and those never sent to a calendar go without a message each: the change was told once."""
    sess.status, sess.change_note = SessionStatus.CANCELLED, note or None
    sess.sequence += 1
    if skip is None and sess.invited_at is None:
        return
    _tell_both(session, sess, agreement, terms, f"Cancelled: supervision on {format_london(sess.starts_at)}",
               f"This supervision session will not happen. {note}".strip(), skip)


def cancel_to_come(session: Session, agreement: SupervisionAgreement, note: str, now: datetime) -> int:
    terms = in_force(session, agreement)
    to_come = _to_come(session, agreement, now)
    for sess in to_come:
        _cancel(session, sess, agreement, terms, note, None)
    return len(to_come)


def follow_new_terms(session: Session, agreement: SupervisionAgreement, before: AgreementVersion | None,
                     terms: AgreementVersion, now: datetime) -> None:
    """When a version comes into force: a new rhythm cancels the sessions to come and makes them afresh; terms
    with the same rhythm keep them (a new place is sent as an updated invitation)."""
    if before is None or any(getattr(before, key) != getattr(terms, key) for key in RHYTHM):
        if before is not None:
            for sess in _to_come(session, agreement, now):
                _cancel(session, sess, agreement, before, "The supervision agreement changed: the new sessions "
                        "replace this one.", None)
        make_for(session, agreement, terms, now)
        invite_due(session, now, agreement_id=agreement.id)
        return
    for sess in _to_come(session, agreement, now):
        sess.version = terms.number
        if where(before) != where(terms):
            sess.sequence += 1
            _tell_both(session, sess, agreement, terms, f"Updated: supervision on {format_london(sess.starts_at)}",
                       f"The agreement changed: the session is now {where(terms)}.")
    make_for(session, agreement, terms, now)


def invite_due(session: Session, now: datetime | None = None, agreement_id: int | None = None) -> int:
    """Send each session's invitation to both people once it is four weeks away. Once each, however many run."""
    now = now or utcnow()
    query = (select(SupervisionSession, SupervisionAgreement, AgreementVersion)
             .join(SupervisionAgreement, SupervisionAgreement.id == SupervisionSession.agreement_id)
             .join(AgreementVersion, (AgreementVersion.agreement_id == SupervisionSession.agreement_id)
                   & (AgreementVersion.number == SupervisionSession.version))
             .where(SupervisionSession.invited_at.is_(None), SupervisionSession.status == SessionStatus.SCHEDULED,
                    SupervisionSession.starts_at > now, SupervisionSession.starts_at <= now + INVITE_AHEAD)
             .order_by(SupervisionSession.starts_at).limit(500))
    if agreement_id is not None:
        query = query.where(SupervisionSession.agreement_id == agreement_id)
    rows = session.execute(with_row_locks(session, query, skip_locked=True, of=SupervisionSession)).all()
    for sess, agreement, terms in rows:
        sess.invited_at = now
        _tell_both(session, sess, agreement, terms, f"Supervision: {format_london(sess.starts_at)}",
                   f"Your supervision session: {format_london(sess.starts_at)}, {where(terms)}. The calendar "
                   "invitation is attached.")
    session.flush()
    return len(rows)


def _changeable(session: Session, sess: SupervisionSession, by: Person, now: datetime):
    sess = session.scalar(with_row_locks(session, select(SupervisionSession)
                                         .where(SupervisionSession.id == sess.id)))
    agreement = session.get(SupervisionAgreement, sess.agreement_id)
    if party(by, agreement) is None or agreement.status != AgreementStatus.ACTIVE:
        raise AgreementRefused("Only the two people in an agreement in force can change its sessions.")
    if sess.status != SessionStatus.SCHEDULED:
        raise AgreementRefused("This session has already been cancelled.")
    if sess.starts_at <= now:
        raise AgreementRefused("This session has already started, so it can no longer be changed.")
    return sess, agreement, terms_of(session, sess)


def terms_of(session: Session, sess: SupervisionSession) -> AgreementVersion:
    """The version of the agreement the session was made (or last kept) by: its place and length."""
    return session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == sess.agreement_id,
                                                         AgreementVersion.number == sess.version))


def move(session: Session, sess: SupervisionSession, by: Person, new_start: datetime, note: str = "",
         now: datetime | None = None) -> SupervisionSession:
    """Move one session (same length); the rest stay where the rhythm put them."""
    now = now or utcnow()
    sess, agreement, terms = _changeable(session, sess, by, now)
    problem = move_problem(sess.starts_at, new_start, now, "session")
    if problem:
        raise AgreementRefused(problem)
    was = sess.starts_at
    sess.ends_at = new_start + (sess.ends_at - sess.starts_at)
    sess.starts_at, sess.change_note = new_start, note or None
    sess.sequence += 1
    sess.reminded_for = None
    if sess.invited_at is None and new_start <= now + INVITE_AHEAD:
        sess.invited_at = now  # the message below carries its first invitation
    _tell_both(session, sess, agreement, terms, f"Moved: supervision on {format_london(was)}",
               f"{by.name} moved the session on {format_london(was)} to {format_london(new_start)}, "
               f"{where(terms)}. {note}".strip(), skip=by)
    audit.record(session, "supervision_session.moved", "supervision_session", sess.id, was=was.isoformat(),
                 starts_at=new_start.isoformat())
    return sess


def cancel(session: Session, sess: SupervisionSession, by: Person, note: str = "",
           now: datetime | None = None) -> SupervisionSession:
    now = now or utcnow()
    sess, agreement, terms = _changeable(session, sess, by, now)
    _cancel(session, sess, agreement, terms, f"{by.name} cancelled it. {note}".strip(), by)
    audit.record(session, "supervision_session.cancelled", "supervision_session", sess.id)
    return sess


def send_reminders(session: Session, hours_before: list[int], now: datetime | None = None) -> int:
    """Remind both people `hours_before` the start: the nearest reminder due only, and afresh after a move."""
    now = now or utcnow()
    sent = 0
    for hours in sorted(hours_before):
        already = (SupervisionSession.reminded_for == SupervisionSession.starts_at) \
            & (SupervisionSession.reminded_hours <= hours)
        query = (select(SupervisionSession)
                 .join(SupervisionAgreement, SupervisionAgreement.id == SupervisionSession.agreement_id)
                 .options(contains_eager(SupervisionSession.agreement).joinedload(SupervisionAgreement.supervisor),
                          contains_eager(SupervisionSession.agreement).joinedload(SupervisionAgreement.supervisee))
                 .where(SupervisionSession.status == SessionStatus.SCHEDULED, SupervisionSession.starts_at > now,
                        SupervisionSession.starts_at <= now + timedelta(hours=hours),
                        or_(SupervisionSession.reminded_for.is_(None), ~already))
                 .order_by(SupervisionSession.starts_at).limit(500))
        for sess in session.scalars(with_row_locks(session, query, skip_locked=True, of=SupervisionSession)).unique():
            sess.reminded_hours, sess.reminded_for = hours, sess.starts_at
            for person in (sess.agreement.supervisor, sess.agreement.supervisee):
                notify(session, person, f"Reminder: supervision {format_soon(sess.starts_at, now)}",
                       f"Your supervision session starts {format_time_left(sess.starts_at - now)} "
                       f"({format_london(sess.starts_at)}).", link=f"/supervision/sessions/{sess.id}")
            sent += 1
        session.flush()
    return sent
