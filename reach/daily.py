"""The figures kept as daily roll-ups, in families that share a time column: each family adds up its records by
organisation for one or more spans of time, as a list of numbers per organisation. The same statement works out
a closed day for its roll-up and the days not yet rolled up for a page, so the two can never disagree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from consult.exclusions import REASONS
from consult.models import NEEDS, OPEN_STATUSES, OUTCOMES, RISKS, WITHOUT_ADVICE, CloseOutSurvey, Consultation
from core.accounts.models import Person
from core.database import seconds_between
from formulations.models import Formulation
from library.models import NoteAnswer
from supervision.models import Booking, CaseStatus, ClinicCase, GroupSeries, GroupSession, SeriesKind

URGENCIES = [("urgent", "Urgent"), ("soon", "Soon"), ("routine", "Routine")]
PRESENTED = (CaseStatus.PRESENTED, CaseStatus.RECOMMENDATIONS_SENT)  # a clinic case that was presented
SURVEY_ANSWERS = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]

Span = tuple[int, datetime, datetime]  # a label, and [start, end) in UTC


def count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def within(at, spans: list[Span]) -> tuple:
    """The label of the span each row falls in, as a column, and the condition that it falls in one."""
    inside = [(and_(at >= start, at < end), label) for label, start, end in spans]
    return case(*inside), or_(*[condition for condition, _ in inside])


@dataclass(frozen=True)
class Family:
    name: str
    at: object  # the time column a record is counted by
    # Rows of (label, organisation id, *numbers) for the spans, and any conditions on the records.
    sums: Callable[[Session, list[Span], list], list]
    # The columns whose change moves a record's figures; a change to any other column leaves them as they were.
    columns: tuple[str, ...]


def _raised(session: Session, spans: list[Span], where: list) -> list:
    """Requests raised: how many, the seconds to a first reply and how many had one, and by urgency how many
    were answered and how many of those within the target."""
    label, inside = within(Consultation.created_at, spans)
    answered = or_(Consultation.advice_given_at.is_not(None), Consultation.closed_at.is_not(None))
    met = and_(answered, Consultation.used_seconds <= Consultation.target_seconds)
    by_urgency = [count_if(and_(Consultation.urgency == urgency, outcome))
                  for outcome in (answered, met) for urgency, _ in URGENCIES]
    wait = seconds_between(session, Consultation.created_at, Consultation.first_response_at)
    return session.execute(
        select(label, Consultation.organisation_id, func.count(), func.coalesce(func.sum(wait), 0),
               func.count(Consultation.first_response_at), *by_urgency)
        .where(inside, *where).group_by(label, Consultation.organisation_id)).all()


def _closed(session: Session, spans: list[Span], where: list) -> list:
    """Requests closed: how many and the minutes they took, their outcomes, and the close-out survey."""
    label, inside = within(Consultation.closed_at, spans)
    outcomes = [count_if(Consultation.outcome == key) for key in OUTCOMES]
    survey = [count_if(column == key) for column in (CloseOutSurvey.useful, CloseOutSurvey.more_confident)
              for key, _ in SURVEY_ANSWERS]
    answered = CloseOutSurvey.confidence_before.is_not(None) & CloseOutSurvey.confidence_now.is_not(None)
    worker = [*(count_if(CloseOutSurvey.without_advice == key) for key in WITHOUT_ADVICE), count_if(answered),
              func.sum(case((answered, CloseOutSurvey.confidence_before), else_=0)),
              func.sum(case((answered, CloseOutSurvey.confidence_now), else_=0))]
    return session.execute(
        select(label, Consultation.organisation_id, func.count(),
               func.coalesce(func.sum(Consultation.minutes_spent), 0), *outcomes, *survey, *worker)
        .outerjoin(CloseOutSurvey, CloseOutSurvey.consultation_id == Consultation.id)
        .where(inside, *where).group_by(label, Consultation.organisation_id)).all()


def _held(session: Session, spans: list[Span], where: list) -> list:
    """Group sessions held (any one marked attended), their attendances and the minutes of facilitation they
    took, by the organisation the group is for (none for a partnership-wide group). Each session's attendances
    are counted from the bookings index, so no booking is sorted or grouped (MATERIALIZED: counted once, where
    PostgreSQL would otherwise count them again for each sum that reads them)."""
    label, inside = within(GroupSession.starts_at, spans)
    attended = (select(func.count()).where(Booking.session_id == GroupSession.id, Booking.attendance == "attended")
                .scalar_subquery())
    sessions = (select(label.label("label"), GroupSession.series_id, attended.label("attended"))
                .where(inside, GroupSession.status == "scheduled")).cte("sessions").prefix_with("MATERIALIZED")
    held = sessions.c.attended > 0
    return session.execute(
        select(sessions.c.label, GroupSeries.organisation_id, func.sum(sessions.c.attended), count_if(held),
               func.sum(case((held, GroupSeries.minutes), else_=0)))
        .join(GroupSeries, GroupSeries.id == sessions.c.series_id)
        .where(*where).group_by(sessions.c.label, GroupSeries.organisation_id)).all()


def _clinics_held(session: Session, spans: list[Span], where: list) -> list:
    """Case clinic sessions that went ahead with someone there, and the cases presented at sessions that went
    ahead, by the organisation the clinic is for (none for a partnership-wide clinic)."""
    label, inside = within(GroupSession.starts_at, spans)
    attended = (select(Booking.id).where(Booking.session_id == GroupSession.id, Booking.attendance == "attended")
                .exists())
    presented = (select(func.count()).where(ClinicCase.session_id == GroupSession.id, ClinicCase.status.in_(PRESENTED))
                 .scalar_subquery())
    return session.execute(
        select(label, GroupSeries.organisation_id, count_if(attended), func.coalesce(func.sum(presented), 0))
        .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(inside, GroupSession.status == "scheduled", GroupSeries.kind == SeriesKind.CASE_CLINIC, *where)
        .group_by(label, GroupSeries.organisation_id)).all()


def asked_about(needs: str | None, risks: str | None, doubtful: bool) -> list[str]:
    """What a request counts towards in ASKED's numbers: itself, each need and risk it named, each need named with
    each risk, and where the worker said they were not more confident afterwards, the doubt and each of those."""
    needs_named = [n for n in (needs or "").split(",") if n in NEEDS]
    risks_named = [r for r in (risks or "").split(",") if r in RISKS]
    names = ["requests", *(f"need:{n}" for n in needs_named), *(f"risk:{r}" for r in risks_named),
             *(f"pair:{n}:{r}" for n in needs_named for r in risks_named)]
    if doubtful:
        names += ["doubtful", *(f"doubt:{key}" for key in needs_named + risks_named)]
    return names


ASKED_NUMBERS = ["requests", "doubtful", *(f"need:{n}" for n in NEEDS), *(f"risk:{r}" for r in RISKS),
                 *(f"doubt:{key}" for key in [*NEEDS, *RISKS]), *(f"pair:{n}:{r}" for n in NEEDS for r in RISKS)]
_ASKED_AT = {name: n for n, name in enumerate(ASKED_NUMBERS)}


def _folded(rows, numbers: dict[str, int], names: Callable) -> list:
    """(label, organisation, *values) rows, each value grouped as stored, as (label, organisation, *numbers): each
    row's count added to the numbers `names(*values)` gives, at their places in `numbers`."""
    folded: dict[tuple, list[int]] = {}
    for at, org, *values, count in rows:
        row = folded.setdefault((at, org), [0] * len(numbers))
        for name in names(*values):
            row[numbers[name]] += count
    return [(at, org, *row) for (at, org), row in folded.items()]


def _asked(session: Session, spans: list[Span], where: list) -> list:
    """What workers asked about, in ASKED_NUMBERS' order. The records are grouped by the needs and risks as
    stored (comma-separated), a few hundred distinct rows however many requests, for Python to split and add."""
    label, inside = within(Consultation.created_at, spans)
    doubtful = func.coalesce(CloseOutSurvey.more_confident == "no", False)
    return _folded(session.execute(
        select(label, Consultation.organisation_id, Consultation.presenting_needs, Consultation.risks, doubtful,
               func.count())
        .outerjoin(CloseOutSurvey, CloseOutSurvey.consultation_id == Consultation.id)
        .where(inside, *where)
        .group_by(label, Consultation.organisation_id, Consultation.presenting_needs, Consultation.risks, doubtful)),
        _ASKED_AT, asked_about)


SIDE_BY_SIDE = ("mental_health", "drug_and_alcohol")  # the rest are counted together as other services
EXCLUSION_NUMBERS = [f"{reason}:{side}" for reason in REASONS for side in (*SIDE_BY_SIDE, "other")]
_EXCLUSION_AT = {name: n for n, name in enumerate(EXCLUSION_NUMBERS)}


def _exclusion(kind: str, reason: str) -> list[str]:
    """Where an exclusion by a kind of service, for a reason, is counted (nowhere for a reason no longer asked)."""
    return [f"{reason}:{kind if kind in SIDE_BY_SIDE else 'other'}"] if reason in REASONS else []


def _exclusions(session: Session, model, organisation, spans: list[Span], where: list, *joins) -> list:
    """Exclusions recorded on requests or clinic cases, in EXCLUSION_NUMBERS' order, by `organisation`."""
    label, inside = within(model.created_at, spans)
    query = select(label, organisation, model.excluded_by, model.exclusion_reason, func.count()).select_from(model)
    for table, on in joins:
        query = query.join(table, on)
    return _folded(session.execute(query.where(inside, model.excluded_by.is_not(None), *where)
                                   .group_by(label, organisation, model.excluded_by, model.exclusion_reason)),
                   _EXCLUSION_AT, _exclusion)


def _requests_excluded(session: Session, spans: list[Span], where: list) -> list:
    return _exclusions(session, Consultation, Consultation.organisation_id, spans, where)


def _cases_excluded(session: Session, spans: list[Span], where: list) -> list:
    """By the organisation of the worker who presented the case."""
    return _exclusions(session, ClinicCase, Person.organisation_id, spans, where,
                       (Person, Person.id == ClinicCase.presenter_id))


def _formulated(session: Session, spans: list[Span], where: list) -> list:
    """Formulations started, by their author's organisation."""
    label, inside = within(Formulation.created_at, spans)
    return session.execute(
        select(label, Person.organisation_id, func.count()).select_from(Formulation)
        .join(Person, Person.id == Formulation.author_id)
        .where(inside, *where).group_by(label, Person.organisation_id)).all()


def _answered(session: Session, spans: list[Span], where: list) -> list:
    """Questions answered by a practice note (a worker found their answer and asked no one), by the worker's
    organisation then."""
    label, inside = within(NoteAnswer.answered_at, spans)
    return session.execute(select(label, NoteAnswer.organisation_id, func.count())
                           .where(inside, *where).group_by(label, NoteAnswer.organisation_id)).all()


RAISED = Family("raised", Consultation.created_at, _raised,
                ("created_at", "organisation_id", "urgency", "first_response_at", "advice_given_at", "closed_at",
                 "used_seconds", "target_seconds"))
CLOSED = Family("closed", Consultation.closed_at, _closed, ("closed_at", "organisation_id", "outcome", "minutes_spent"))
# A booking's attendance and its group's organisation and length move these too (reach.changes).
HELD = Family("held", GroupSession.starts_at, _held, ("starts_at", "status", "series_id"))
# A case's status moves this too, and whatever moves the sessions held (reach.changes).
CLINICS = Family("clinics", GroupSession.starts_at, _clinics_held, HELD.columns)
# A close-out survey's answer moves this too (reach.changes).
ASKED = Family("asked", Consultation.created_at, _asked, ("created_at", "organisation_id", "presenting_needs", "risks"))
EXCLUDED = Family("excluded", Consultation.created_at, _requests_excluded,
                  ("created_at", "organisation_id", "excluded_by", "exclusion_reason"))
# A presenter's or an author's move to another organisation moves these too (reach.changes).
CASES_EXCLUDED = Family("cases_excluded", ClinicCase.created_at, _cases_excluded,
                        ("created_at", "presenter_id", "excluded_by", "exclusion_reason"))
FORMULATED = Family("formulated", Formulation.created_at, _formulated, ("created_at", "author_id"))
ANSWERED = Family("answered", NoteAnswer.answered_at, _answered, ("answered_at", "organisation_id"))
FAMILIES = {family.name: family for family in (RAISED, CLOSED, HELD, CLINICS, ASKED, FORMULATED, ANSWERED, EXCLUDED,
                                                CASES_EXCLUDED)}


def overdue(session: Session, spans: list[Span], now: datetime, where: list) -> list:
    """Requests raised in the spans, still unanswered and past their date: (label, organisation id, urgency,
    count). Such a request counts against the response target from the moment its date passes, so this is never
    rolled up; it is read from the open requests alone, by the (status, due_at) index."""
    label, inside = within(Consultation.created_at, spans)
    return session.execute(
        select(label, Consultation.organisation_id, Consultation.urgency, func.count())
        .where(Consultation.status.in_(OPEN_STATUSES), Consultation.due_at < now, inside,
               Consultation.advice_given_at.is_(None), Consultation.closed_at.is_(None), *where)
        .group_by(label, Consultation.organisation_id, Consultation.urgency)).all()
