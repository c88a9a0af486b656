"""The reach figures: every one an SQL aggregate over a period, an organisation or service type, and (for a
team lead) their teams. Nothing here loads rows into Python beyond a handful of grouped totals."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, and_, case, distinct, exists, func, or_, select, union
from sqlalchemy.orm import Session

from consult.models import OUTCOMES, CloseOutSurvey, Consultation
from core.accounts.models import Organisation, Person, ServiceType, TeamMembership
from formulations.models import Formulation, TemplateVersion
from supervision.models import Booking, GroupSeries, GroupSession

URGENCIES = [("urgent", "Urgent"), ("soon", "Soon"), ("routine", "Routine")]
SURVEY_ANSWERS = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]


@dataclass(frozen=True)
class Scope:
    """What the figures cover: [start, end) in UTC, and optionally one organisation, one kind of service,
    or a team lead's own teams."""

    start: datetime
    end: datetime
    organisation_id: int | None = None
    service_type: str | None = None
    team_ids: tuple[int, ...] | None = None

    def previous(self) -> Scope:
        """The period of the same length just before, for the trend."""
        return replace(self, start=self.start - (self.end - self.start), end=self.start)


def _organisations(scope: Scope, column):
    """Conditions on an organisation id column for the organisation and service-type filters."""
    conditions = []
    if scope.organisation_id:
        conditions.append(column == scope.organisation_id)
    if scope.service_type:
        conditions.append(column.in_(select(Organisation.id).where(Organisation.service_type == scope.service_type)))
    return conditions


def _consultations(scope: Scope, when) -> list:
    conditions = [when >= scope.start, when < scope.end, *_organisations(scope, Consultation.organisation_id)]
    if scope.team_ids is not None:
        conditions.append(Consultation.team_id.in_(scope.team_ids))
    return conditions


def _sessions(scope: Scope) -> list:
    conditions = [GroupSession.starts_at >= scope.start, GroupSession.starts_at < scope.end,
                  GroupSession.status == "scheduled", *_organisations(scope, GroupSeries.organisation_id)]
    if scope.team_ids is not None:
        conditions.append(GroupSeries.team_id.in_(scope.team_ids))
    return conditions


def _attended(scope: Scope) -> Select:
    return (select(Booking.person_id, Booking.session_id)
            .join(GroupSession, GroupSession.id == Booking.session_id)
            .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
            .where(Booking.attendance == "attended", *_sessions(scope)))


def _formulations(scope: Scope) -> list:
    conditions = [Formulation.created_at >= scope.start, Formulation.created_at < scope.end]
    authors = select(Person.id).where(*_organisations(scope, Person.organisation_id))
    if scope.organisation_id or scope.service_type:
        conditions.append(Formulation.author_id.in_(authors))
    if scope.team_ids is not None:
        conditions.append(Formulation.author_id.in_(
            select(TeamMembership.person_id).where(TeamMembership.team_id.in_(scope.team_ids))))
    return conditions


def seconds_between(session: Session, earlier, later):
    """Elapsed seconds between two timestamp columns, in this database's own SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def figures(session: Session, scope: Scope, now: datetime) -> dict:
    raised = session.execute(select(func.count(), func.count(distinct(Consultation.requester_id)))
                             .where(*_consultations(scope, Consultation.created_at))).one()
    clients = session.scalar(select(func.count(distinct(Consultation.client_key)))
                             .where(*_consultations(scope, Consultation.created_at)))
    closed = session.execute(select(func.count(), func.coalesce(func.sum(Consultation.minutes_spent), 0))
                             .where(*_consultations(scope, Consultation.closed_at))).one()

    attended = _attended(scope).subquery()
    attendance = session.execute(select(func.count(), func.count(distinct(attended.c.person_id)),
                                        func.count(distinct(attended.c.session_id)))).one()
    held = select(GroupSession.id, GroupSeries.minutes).join(GroupSeries, GroupSeries.id == GroupSession.series_id) \
        .where(*_sessions(scope), exists().where(Booking.session_id == GroupSession.id,
                                                 Booking.attendance == "attended")).subquery()
    facilitation_minutes = session.scalar(select(func.coalesce(func.sum(held.c.minutes), 0)))

    used = session.execute(select(func.count(), func.count(distinct(TemplateVersion.template_id)))
                           .select_from(Formulation).join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
                           .where(*_formulations(scope))).one()

    supported = union(select(Consultation.requester_id.label("person_id"))
                      .where(*_consultations(scope, Consultation.created_at)),
                      select(_attended(scope).subquery().c.person_id)).subquery()
    people = session.execute(
        select(func.count(distinct(Person.id)), func.count(distinct(Person.organisation_id)),
               func.count(distinct(TeamMembership.team_id)))
        .select_from(Person).outerjoin(TeamMembership, TeamMembership.person_id == Person.id)
        .where(Person.id.in_(select(supported.c.person_id)))).one()
    teams = people[2]

    hours = (int(closed[1]) + int(facilitation_minutes)) / 60
    return {
        "consultations_raised": raised[0], "consultations_closed": closed[0],
        "staff_supported": people[0], "teams_supported": teams, "organisations_supported": people[1],
        "client_references": clients, "sessions_held": attendance[2], "attendances": attendance[0],
        "attendees": attendance[1], "formulations": used[0], "templates_used": used[1],
        "consultation_minutes": int(closed[1]), "facilitation_minutes": int(facilitation_minutes),
        "psychologist_hours": round(hours, 1),
        "reach_multiplier": round(people[0] / hours, 2) if hours else None,
        "compliance": compliance(session, scope, now),
        "outcomes": outcome_mix(session, scope),
        "survey": survey_results(session, scope),
    }


def compliance(session: Session, scope: Scope, now: datetime) -> list[dict]:
    """Of requests raised in the period that have been answered or are overdue: the share answered within
    the response target (working time, not counting time waiting for the requester)."""
    answered = or_(Consultation.advice_given_at.is_not(None), Consultation.closed_at.is_not(None))
    decided = or_(answered, Consultation.due_at < now)
    met = and_(answered, Consultation.used_seconds <= Consultation.target_seconds)
    rows = dict((urgency, (total, hit)) for urgency, total, hit in session.execute(
        select(Consultation.urgency, func.count(), func.sum(case((met, 1), else_=0)))
        .where(*_consultations(scope, Consultation.created_at), decided).group_by(Consultation.urgency)))
    return [{"urgency": key, "label": label, "decided": rows.get(key, (0, 0))[0], "met": int(rows.get(key, (0, 0))[1] or 0)}
            for key, label in URGENCIES]


def outcome_mix(session: Session, scope: Scope) -> list[dict]:
    counts = dict(session.execute(select(Consultation.outcome, func.count())
                                  .where(*_consultations(scope, Consultation.closed_at))
                                  .group_by(Consultation.outcome)).all())
    return [{"outcome": key, "label": label, "count": counts.get(key, 0)} for key, label in OUTCOMES.items()]


def survey_results(session: Session, scope: Scope) -> list[dict]:
    rows = session.execute(select(CloseOutSurvey.useful, CloseOutSurvey.more_confident, func.count())
                           .join(Consultation, Consultation.id == CloseOutSurvey.consultation_id)
                           .where(*_consultations(scope, Consultation.closed_at))
                           .group_by(CloseOutSurvey.useful, CloseOutSurvey.more_confident)).all()
    return [{"answer": key, "label": label,
             "useful": sum(n for useful, _, n in rows if useful == key),
             "more_confident": sum(n for _, confident, n in rows if confident == key)}
            for key, label in SURVEY_ANSWERS]


def joint_kpis(session: Session, scope: Scope) -> list[dict]:
    """Each kind of service side by side: requests, hours to first reply, joint working agreed, attendance at
    reflective practice. Mental health and drug and alcohol services always appear, even at zero."""
    kind = Organisation.service_type
    org = Organisation.id == Consultation.organisation_id
    wait = seconds_between(session, Consultation.created_at, Consultation.first_response_at)
    raised = {row[0]: row[1:] for row in session.execute(
        select(kind, func.count(), func.avg(wait), func.count(Consultation.first_response_at))
        .select_from(Consultation).join(Organisation, org).where(*_consultations(scope, Consultation.created_at)).group_by(kind))}
    joint = dict(session.execute(
        select(kind, func.count()).select_from(Consultation).join(Organisation, org)
        .where(*_consultations(scope, Consultation.closed_at), Consultation.outcome == "joint_working")
        .group_by(kind)).all())
    attended = _attended(scope).subquery()
    attendance = dict(session.execute(
        select(kind, func.count()).select_from(attended)
        .join(Person, Person.id == attended.c.person_id).join(Organisation, Organisation.id == Person.organisation_id)
        .group_by(kind)).all())
    kinds = [ServiceType.MENTAL_HEALTH.value, ServiceType.DRUG_AND_ALCOHOL.value]
    kinds += sorted(k for k in {*raised, *joint, *attendance} if k not in kinds)
    rows = []
    for key in kinds:
        requests, average_wait, responded = raised.get(key, (0, None, 0))
        rows.append({"service_type": key, "label": ServiceType(key).label, "requests": requests,
                     "responded": responded,
                     "hours_to_first_reply": round(float(average_wait) / 3600, 1) if average_wait is not None else None,
                     "joint_working": joint.get(key, 0), "attendances": attendance.get(key, 0)})
    return rows

