"""Reflective accounts for revalidation, started from a supervision session, a reflective-practice session or a
case clinic the worker took part in: their regulator's questions, pre-filled with the date, the hours and what
kind of activity it was, never with anything about a client; edited by the worker, downloaded as a PDF or as
plain text that Word opens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.database import seconds_between
from core.identifiers import normalise
from core.refusals import Refused
from core.timeutil import LONDON, format_day, utcnow
from supervision.models import Booking, CaseStatus, ClinicCase, GroupSeries, GroupSession, SeriesKind

from .models import (
    RecordCase,
    ReflectiveAccount,
    SessionRecord,
    SessionStatus,
    SupervisionAgreement,
    SupervisionSession,
)

QUESTIONS = ("nature", "learned", "changed", "relevance")


@dataclass(frozen=True)
class Regulator:
    name: str
    form_name: str
    labels: dict[str, str]
    hints: dict[str, str]


REGULATORS = {
    "nmc": Regulator(
        "Nursing and Midwifery Council (NMC)", "NMC reflective accounts form", {
            "nature": "What was the nature of the CPD activity or practice-related feedback?",
            "learned": "What did you learn from the CPD activity or feedback?",
            "changed": "How did you change or improve your practice as a result?",
            "relevance": "How is this relevant to the Code?"},
        {"relevance": "Choose one or more themes: prioritise people, practise effectively, preserve safety, "
                      "promote professionalism and trust.",
         "nature": "Do not include anything that could identify a client, a colleague or anyone else."}),
    "gphc": Regulator(
        "General Pharmaceutical Council (GPhC)", "GPhC reflective account and peer discussion record", {
            "nature": "What was the activity, and who took part (by their role, never by name)?",
            "learned": "What did you learn or reflect on?",
            "changed": "How has it changed your practice, and how has that benefited the people you care for?",
            "relevance": "Which of the standards for pharmacy professionals does this show you meeting?"},
        {"relevance": "For example: standard 1, provide person-centred care; standard 9, demonstrate leadership.",
         "nature": "Do not include anything that could identify a client, a colleague or anyone else."}),
}
KIND_NAMES = {"supervision": "One-to-one supervision", SeriesKind.REFLECTIVE_PRACTICE.value: "Reflective practice",
              SeriesKind.CASE_CLINIC.value: "Case clinic"}


class AccountRefused(Refused):
    """Why a reflective account cannot be started or saved, in words for the worker."""


@dataclass(frozen=True)
class Activity:
    kind: str
    source_id: int
    on: date
    minutes: int
    title: str
    client_references: tuple[str, ...]  # what the account must never carry


def default_regulator(person: Person) -> str:
    registration = (person.professional_registration or "").lower()
    return "gphc" if registration.startswith("gphc") else "nmc"


def activity(session: Session, person: Person, kind: str, source_id: int) -> Activity | None:
    """The activity as the person took part in it, or None if they did not (or it did not take place)."""
    if kind == "supervision":
        sess = session.get(SupervisionSession, source_id)
        agreement = sess and session.get(SupervisionAgreement, sess.agreement_id)
        if sess is None or sess.recorded_at is None or person.id not in (agreement.supervisor_id,
                                                                        agreement.supervisee_id):
            return None
        references = session.scalars(select(RecordCase.client_reference).join(
            SessionRecord, SessionRecord.id == RecordCase.record_id).where(SessionRecord.session_id == sess.id))
        return Activity(kind, sess.id, sess.starts_at.astimezone(LONDON).date(),
                        int((sess.ends_at - sess.starts_at).total_seconds() // 60), KIND_NAMES[kind],
                        tuple(set(references)))
    if kind not in (SeriesKind.REFLECTIVE_PRACTICE, SeriesKind.CASE_CLINIC):
        return None
    row = session.execute(select(GroupSession, GroupSeries).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
                          .where(GroupSession.id == source_id, GroupSeries.kind == kind)).first()
    if row is None:
        return None
    gs, series = row
    attended = session.scalar(select(Booking.id).where(Booking.session_id == gs.id, Booking.person_id == person.id,
                                                       Booking.attendance == "attended"))
    if attended is None and series.facilitator_id != person.id:
        return None
    references = session.scalars(select(ClinicCase.client_reference).where(
        ClinicCase.session_id == gs.id, ClinicCase.status.in_((CaseStatus.PRESENTED, CaseStatus.RECOMMENDATIONS_SENT,
                                                               CaseStatus.ACCEPTED))))
    return Activity(kind, gs.id, gs.starts_at.astimezone(LONDON).date(), series.minutes, series.title,
                    tuple(set(references)))


def _hours(minutes: int) -> str:
    hours = round(minutes / 60, 2)
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def prefilled_nature(a: Activity) -> str:
    """What kind of activity it was, when and for how long: nothing about any client or colleague by name."""
    when = f"{format_day(a.on)}, {_hours(a.minutes)}"
    if a.kind == "supervision":
        return (f"One-to-one reflective supervision with a clinical psychologist, under a written supervision "
                f"agreement ({when}).")
    if a.kind == SeriesKind.CASE_CLINIC:
        return (f"A psychologist-led case clinic, where frontline workers presented cases and the group made "
                f"recommendations ({when}).")
    return f"A facilitated group reflective practice session with colleagues from frontline services ({when})."


def start(session: Session, person: Person, a: Activity, regulator: str,
          now: datetime | None = None) -> ReflectiveAccount:
    """The person's draft for this activity: the one already started, or a new one pre-filled."""
    now = now or utcnow()
    existing = session.scalar(select(ReflectiveAccount).where(
        ReflectiveAccount.person_id == person.id, ReflectiveAccount.source_kind == a.kind,
        ReflectiveAccount.source_id == a.source_id))
    if existing is not None:
        return existing
    account = ReflectiveAccount(person_id=person.id, regulator=regulator, source_kind=a.kind, source_id=a.source_id,
                                activity_on=a.on, minutes=a.minutes, title=KIND_NAMES[a.kind],
                                nature=prefilled_nature(a), created_at=now, updated_at=now)
    session.add(account)
    session.flush()
    audit.record(session, "reflective_account.started", "reflective_account", account.id, source=a.kind)
    return account


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in normalise(text).lower() if ch.isalnum())


def client_reference_in(text: str, references: tuple[str, ...]) -> str | None:
    """A client reference of this activity's cases found in the text however it is spaced or punctuated
    ("JB-0412", "jb 0412"), or None. Each is one substring search over the text, already bounded by its form."""
    folded = _letters_and_digits(text)
    for reference in references:
        wanted = _letters_and_digits(reference)
        if len(wanted) >= 3 and wanted in folded:
            return reference
    return None


def save(session: Session, account: ReflectiveAccount, a: Activity | None, regulator: str, answers: dict[str, str],
         now: datetime | None = None) -> ReflectiveAccount:
    now = now or utcnow()
    references = a.client_references if a is not None else ()
    for key in QUESTIONS:
        if client_reference_in(answers[key], references):
            raise AccountRefused("Remove the client reference: a reflective account goes to your regulator, so it "
                                 "must not identify anyone.")
    account.regulator = regulator
    for key in QUESTIONS:
        setattr(account, key, answers[key])
    account.updated_at = now
    audit.record(session, "reflective_account.saved", "reflective_account", account.id)
    return account


def heading(account: ReflectiveAccount) -> str:
    return f"{account.title}, {format_day(account.activity_on)}, {_hours(account.minutes)}"


def as_text(account: ReflectiveAccount, person: Person) -> bytes:
    """Plain text that Word (and any editor) opens as it is: UTF-8 with its mark, Windows line endings."""
    regulator = REGULATORS[account.regulator]
    lines = [regulator.form_name.upper(), "", f"Name: {person.name}",
             f"Registration: {person.professional_registration or ''}", f"Date of activity: {format_day(account.activity_on)}",
             f"Time spent: {_hours(account.minutes)}", f"Activity: {account.title}", ""]
    for key in QUESTIONS:
        lines += [regulator.labels[key], getattr(account, key).strip() or "(not written yet)", ""]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def of_person(person: Person):
    """SQL: the person's reflective accounts, most recent activity first."""
    return (select(ReflectiveAccount).where(ReflectiveAccount.person_id == person.id)
            .order_by(ReflectiveAccount.activity_on.desc(), ReflectiveAccount.id.desc()))


def supervision_held(session: Session, person: Person) -> tuple[int, int]:
    """(sessions, minutes) of one-to-one supervision the person received, for their CPD record."""
    held = held_sessions_of(person).where(SupervisionAgreement.supervisee_id == person.id).order_by(None).subquery()
    count, seconds = session.execute(select(func.count(), func.coalesce(func.sum(
        seconds_between(session, held.c.starts_at, held.c.ends_at)), 0))).one()
    return count, int(seconds // 60)


def held_sessions_of(person: Person):
    """SQL: the supervision sessions held in which the person was supervisee or supervisor, newest first."""
    return (select(SupervisionSession).join(SupervisionAgreement,
                                            SupervisionAgreement.id == SupervisionSession.agreement_id)
            .where((SupervisionAgreement.supervisee_id == person.id) | (SupervisionAgreement.supervisor_id == person.id),
                   SupervisionSession.recorded_at.is_not(None), SupervisionSession.status == SessionStatus.SCHEDULED)
            .order_by(SupervisionSession.starts_at.desc()))
