"""Session records: written by the supervisor (themes by heading, cases by pseudonymised reference, agreed
actions), confirmed by the supervisee with their own reflection, corrected only by a new version. Seen by the
two people in the agreement and nobody else."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult.models import Consultation, reference_of
from core import audit
from core.accounts.models import Person
from core.database import with_row_locks
from core.notifications import notify
from core.timeutil import format_london, utcnow

from .agreements import AgreementRefused, in_force, next_due, today
from .models import RecordAction, RecordCase, SessionRecord, SessionStatus, SupervisionAgreement, SupervisionSession

HEADINGS = (("caseload", "Caseload"), ("wellbeing", "Wellbeing"), ("learning", "Learning and development"))


@dataclass
class CaseDiscussed:
    client_reference: str
    consultation_id: int | None
    discussion: str


@dataclass
class ActionAgreed:
    what: str
    owner_id: int
    due_on: date


def history(session: Session, sess: SupervisionSession) -> list[SessionRecord]:
    """Every version of the record, newest first, with its cases and actions."""
    return list(session.scalars(select(SessionRecord).options(
        selectinload(SessionRecord.cases), selectinload(SessionRecord.actions))
        .where(SessionRecord.session_id == sess.id).order_by(SessionRecord.number.desc())))


def supervisees_consultations(session: Session, agreement: SupervisionAgreement, limit: int = 50) -> list:
    """(id, reference, client reference) of the supervisee's most recent requests, for a case to link to."""
    rows = session.execute(select(Consultation.id, Consultation.client_reference)
                           .where(Consultation.requester_id == agreement.supervisee_id)
                           .order_by(Consultation.created_at.desc()).limit(limit))
    return [(cid, reference_of(cid), client_reference) for cid, client_reference in rows]


def write(session: Session, sess: SupervisionSession, by: Person, themes: dict[str, str],
          cases: list[CaseDiscussed], actions: list[ActionAgreed], correction_note: str = "",
          now: datetime | None = None) -> SessionRecord:
    """The supervisor writes the record, or corrects it by writing the next version; the supervisee is asked
    to confirm it. The first record marks the session held."""
    now = now or utcnow()
    sess = session.scalar(with_row_locks(session, select(SupervisionSession).where(SupervisionSession.id == sess.id)))
    agreement = session.get(SupervisionAgreement, sess.agreement_id)
    if by.id != agreement.supervisor_id:
        raise AgreementRefused("Only the supervisor writes the session record.")
    if sess.status != SessionStatus.SCHEDULED or sess.starts_at > now:
        raise AgreementRefused("A record is written once the session has taken place.")
    if sess.record_removed_at is not None:
        raise AgreementRefused("This session's record was removed at the end of its retention period.")
    number = (session.scalar(select(func.max(SessionRecord.number)).where(SessionRecord.session_id == sess.id))
              or 0) + 1
    if number > 1 and not correction_note:
        raise AgreementRefused("Say what you corrected: both of you see it in the history.")
    allowed_owners = {agreement.supervisor_id, agreement.supervisee_id}
    if any(a.owner_id not in allowed_owners for a in actions):
        raise AgreementRefused("Each action belongs to one of the two of you.")
    chosen = {c.consultation_id for c in cases if c.consultation_id}
    mine = set(session.scalars(select(Consultation.id).where(
        Consultation.id.in_(chosen), Consultation.requester_id == agreement.supervisee_id))) if chosen else set()
    record = SessionRecord(session_id=sess.id, number=number, written_by_id=by.id, written_at=now,
                           correction_note=correction_note if number > 1 else "", **themes)
    session.add(record)
    session.flush()
    session.add_all([RecordCase(record_id=record.id, client_reference=c.client_reference, discussion=c.discussion,
                                consultation_id=c.consultation_id if c.consultation_id in mine else None)
                     for c in cases])
    session.add_all([RecordAction(record_id=record.id, what=a.what, owner_id=a.owner_id, due_on=a.due_on)
                     for a in actions])
    if sess.recorded_at is None:
        sess.recorded_at = now
        held_on = today(sess.starts_at)
        if agreement.last_held_on is None or held_on > agreement.last_held_on:
            agreement.last_held_on = held_on
            agreement.next_due_on = next_due(agreement, in_force(session, agreement))
    notify(session, session.get(Person, agreement.supervisee_id),
           f"Please confirm the record of your supervision on {format_london(sess.starts_at)}"
           + (" (corrected)" if number > 1 else ""),
           "Read what was recorded and the actions agreed; confirm it, and add your own reflection if you wish.",
           link=f"/supervision/sessions/{sess.id}")
    audit.record(session, "supervision_record.written", "supervision_session", sess.id, version=number)
    return record


def latest(session: Session, sess: SupervisionSession, locked: bool = False) -> SessionRecord | None:
    query = select(SessionRecord).where(SessionRecord.session_id == sess.id) \
        .order_by(SessionRecord.number.desc()).limit(1)
    return session.scalar(with_row_locks(session, query) if locked else query)


def confirm(session: Session, sess: SupervisionSession, by: Person, number: int, reflection: str,
            now: datetime | None = None) -> SessionRecord:
    """The supervisee confirms the latest version, adding their own reflection."""
    now = now or utcnow()
    agreement = session.get(SupervisionAgreement, sess.agreement_id)
    record = latest(session, sess, locked=True)
    if by.id != agreement.supervisee_id:
        raise AgreementRefused("Only the supervisee confirms the record.")
    if record is None or record.number != number:
        raise AgreementRefused("The record has been corrected since you opened it: read the new version first.")
    if record.confirmed_at is not None:
        raise AgreementRefused("You have already confirmed this version.")
    record.confirmed_at, record.reflection = now, reflection
    notify(session, session.get(Person, agreement.supervisor_id),
           f"{by.name} confirmed the record of your supervision on {format_london(sess.starts_at)}",
           "The record is confirmed." + (" They added their own reflection." if reflection else ""),
           link=f"/supervision/sessions/{sess.id}")
    audit.record(session, "supervision_record.confirmed", "supervision_session", sess.id, version=number)
    return record


def ask_for_correction(session: Session, sess: SupervisionSession, by: Person, note: str,
                       now: datetime | None = None) -> None:
    """The supervisee asks the supervisor to correct the record; only the supervisor can, by a new version."""
    agreement = session.get(SupervisionAgreement, sess.agreement_id)
    if by.id != agreement.supervisee_id or latest(session, sess) is None:
        raise AgreementRefused("Only the supervisee asks for a record to be corrected.")
    notify(session, session.get(Person, agreement.supervisor_id),
           f"{by.name} asks for a correction to the record of {format_london(sess.starts_at)}", note,
           link=f"/supervision/sessions/{sess.id}")
    audit.record(session, "supervision_record.correction_asked", "supervision_session", sess.id)

