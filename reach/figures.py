"""The reach figures: every one an SQL aggregate over a period, an organisation or service type, and (for a
team lead) their teams.

Each query reads the period and the one before it together (a `period` column: 1 for the chosen period,
0 for the one before, for the trend) and groups by organisation, so six grouped queries give both periods'
figures and the joint measures by kind of service. Python only adds up a few dozen grouped rows: counts of
distinct people and clients add up across organisations because each belongs to one organisation.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import and_, case, distinct, func, or_, select, union
from sqlalchemy.orm import Session

from consult.models import OUTCOMES, CloseOutSurvey, Consultation
from core.accounts.models import Organisation, Person, ServiceType, TeamMembership
from formulations.models import Formulation, TemplateVersion
from supervision.models import Booking, GroupSeries, GroupSession

URGENCIES = [("urgent", "Urgent"), ("soon", "Soon"), ("routine", "Routine")]
SURVEY_ANSWERS = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]
NOW, BEFORE = 1, 0


@dataclass(frozen=True)
class Scope:
    """What the figures cover: [start, end) in UTC, and optionally one organisation, one kind of service,
    or a team lead's own teams."""

    start: datetime
    end: datetime
    organisation_id: int | None = None
    service_type: str | None = None
    team_ids: tuple[int, ...] | None = None
    alone: bool = False  # read only this period, not the one before it too

    def previous(self) -> Scope:
        """The period of the same length just before, for the trend."""
        return replace(self, start=self.start - (self.end - self.start), end=self.start)


@dataclass
class Report:
    current: dict
    previous: dict
    joint: list[dict]


def _organisations(scope: Scope, column) -> list:
    """Conditions on an organisation id column for the organisation and service-type filters."""
    conditions = []
    if scope.organisation_id:
        conditions.append(column == scope.organisation_id)
    if scope.service_type:
        conditions.append(column.in_(select(Organisation.id).where(Organisation.service_type == scope.service_type)))
    return conditions


def _both_periods(scope: Scope, when) -> tuple:
    """The `period` column, and the conditions for the chosen period and the one before it (or for the
    chosen period alone, when the scope is marked `alone`)."""
    since = scope.start if scope.alone else scope.previous().start
    return (case((when >= scope.start, NOW), else_=BEFORE).label("period"), [when >= since, when < scope.end])


def _for_teams(scope: Scope, column) -> list:
    return [] if scope.team_ids is None else [column.in_(scope.team_ids)]


def seconds_between(session: Session, earlier, later):
    """Elapsed seconds between two timestamp columns, in this database's own SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _raised(session: Session, scope: Scope, now: datetime):
    """Requests raised, by period and organisation, with the response-target counts and reply times."""
    period, within = _both_periods(scope, Consultation.created_at)
    answered = or_(Consultation.advice_given_at.is_not(None), Consultation.closed_at.is_not(None))
    decided = or_(answered, Consultation.due_at < now)
    met = and_(answered, Consultation.used_seconds <= Consultation.target_seconds)
    compliance = []
    for urgency, _ in URGENCIES:
        compliance += [_count_if(and_(Consultation.urgency == urgency, decided)),
                       _count_if(and_(Consultation.urgency == urgency, met))]
    wait = seconds_between(session, Consultation.created_at, Consultation.first_response_at)
    return session.execute(
        select(period, Consultation.organisation_id, func.count(), func.count(distinct(Consultation.client_key)),
               func.coalesce(func.sum(wait), 0),
               func.count(Consultation.first_response_at), *compliance)
        .where(*within, *_organisations(scope, Consultation.organisation_id),
               *_for_teams(scope, Consultation.team_id))
        .group_by(period, Consultation.organisation_id)).all()


def _closed(session: Session, scope: Scope):
    """Requests closed, by period and organisation, with minutes, outcomes and the close-out survey."""
    period, within = _both_periods(scope, Consultation.closed_at)
    outcomes = [_count_if(Consultation.outcome == key) for key in OUTCOMES]
    survey = [_count_if(column == key) for column in (CloseOutSurvey.useful, CloseOutSurvey.more_confident)
              for key, _ in SURVEY_ANSWERS]
    return session.execute(
        select(period, Consultation.organisation_id, func.count(), func.coalesce(func.sum(Consultation.minutes_spent), 0),
               *outcomes, *survey)
        .outerjoin(CloseOutSurvey, CloseOutSurvey.consultation_id == Consultation.id)
        .where(*within, *_organisations(scope, Consultation.organisation_id),
               *_for_teams(scope, Consultation.team_id))
        .group_by(period, Consultation.organisation_id)).all()


def _session_conditions(scope: Scope) -> tuple:
    period, within = _both_periods(scope, GroupSession.starts_at)
    return period, [*within, GroupSession.status == "scheduled", *_organisations(scope, GroupSeries.organisation_id),
                    *_for_teams(scope, GroupSeries.team_id)]


def _attended(scope: Scope):
    """Attendances: who attended which session, in which period, and the organisation the group is for
    (the attendees' own: groups are for one organisation's staff)."""
    period, conditions = _session_conditions(scope)
    return (select(period, Booking.person_id, Booking.session_id, GroupSeries.organisation_id)
            .join(GroupSession, GroupSession.id == Booking.session_id)
            .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
            .where(Booking.attendance == "attended", *conditions))


def _attendance(session: Session, scope: Scope):
    attended = _attended(scope).subquery()
    return session.execute(
        select(attended.c.period, attended.c.organisation_id, func.count(), func.count(distinct(attended.c.person_id)))
        .group_by(attended.c.period, attended.c.organisation_id)).all()


def _sessions_held(session: Session, scope: Scope):
    """Sessions with anyone marked attended, and their facilitation minutes, by period."""
    period, conditions = _session_conditions(scope)
    held = (select(period, GroupSeries.minutes)
            .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
            .where(*conditions, select(Booking.id).where(Booking.session_id == GroupSession.id,
                                                         Booking.attendance == "attended").exists())).subquery()
    return dict((p, (n, minutes)) for p, n, minutes in session.execute(
        select(held.c.period, func.count(), func.coalesce(func.sum(held.c.minutes), 0)).group_by(held.c.period)))


def _formulations(session: Session, scope: Scope):
    period, within = _both_periods(scope, Formulation.created_at)
    conditions = list(within)
    if scope.organisation_id or scope.service_type:
        conditions.append(Formulation.author_id.in_(
            select(Person.id).where(*_organisations(scope, Person.organisation_id))))
    if scope.team_ids is not None:
        conditions.append(Formulation.author_id.in_(
            select(TeamMembership.person_id).where(TeamMembership.team_id.in_(scope.team_ids))))
    return dict((p, (n, templates)) for p, n, templates in session.execute(
        select(period, func.count(), func.count(distinct(TemplateVersion.template_id)))
        .select_from(Formulation).join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
        .where(*conditions).group_by(period)))


def _people(session: Session, scope: Scope):
    """Distinct staff, organisations and teams supported (asked a question, or attended), by period."""
    period, within = _both_periods(scope, Consultation.created_at)
    asked = select(period, Consultation.requester_id.label("person_id")).where(
        *within, *_organisations(scope, Consultation.organisation_id), *_for_teams(scope, Consultation.team_id))
    attended = _attended(scope).subquery()
    # UNION (not UNION ALL): each person once per period before the join, so the join stays small.
    supported = union(asked, select(attended.c.period, attended.c.person_id)).subquery()
    return dict((p, (people, orgs, teams)) for p, people, orgs, teams in session.execute(
        select(supported.c.period, func.count(distinct(Person.id)), func.count(distinct(Person.organisation_id)),
               func.count(distinct(TeamMembership.team_id)))
        .select_from(supported).join(Person, Person.id == supported.c.person_id)
        .outerjoin(TeamMembership, TeamMembership.person_id == Person.id)
        .group_by(supported.c.period)))


def _empty() -> dict:
    return {"raised": 0, "clients": 0, "wait_seconds": 0.0, "responded": 0,
            "compliance": [0] * (2 * len(URGENCIES)), "closed": 0, "minutes": 0, "outcomes": [0] * len(OUTCOMES),
            "survey": [0] * (2 * len(SURVEY_ANSWERS)), "attendances": 0, "attendees": 0}


def _add(totals: dict, key: str, values) -> None:
    if isinstance(values, list):
        totals[key] = [a + int(b or 0) for a, b in zip(totals[key], values, strict=True)]
    else:
        totals[key] += values or 0


def report(session: Session, scope: Scope, now: datetime, service_types: dict[int, str] | None = None,
           run_all: Callable[[list[Callable[[Session], Any]]], list] | None = None) -> Report:
    """Both periods' figures and the chosen period's joint measures. `service_types` maps organisation ids to
    their kind of service (the caller often has it already). `run_all` runs the six aggregates, each given a
    session (`db.read_apart` runs them at the same time); by default they run one after another in `session`."""
    if service_types is None:
        service_types = dict(session.execute(select(Organisation.id, Organisation.service_type)).all())
    run_all = run_all or (lambda jobs: [job(session) for job in jobs])
    # Longest first, so that run at the same time they finish close together.
    raised_rows, people, attendance_rows, closed_rows, held, used = run_all([
        lambda s: _raised(s, scope, now), lambda s: _people(s, scope), lambda s: _attendance(s, scope),
        lambda s: _closed(s, scope), lambda s: _sessions_held(s, scope), lambda s: _formulations(s, scope)])
    periods = {NOW: _empty(), BEFORE: _empty()}
    kinds: dict[str, dict] = {}

    def kind(org_id: int) -> dict:
        return kinds.setdefault(service_types.get(org_id, ServiceType.OTHER.value), _empty())

    for row in raised_rows:
        p, org, raised, clients, wait, responded, *compliance = row
        for totals in (periods[p], kind(org)) if p == NOW else (periods[p],):
            _add(totals, "raised", raised)
            _add(totals, "clients", clients)
            _add(totals, "wait_seconds", float(wait or 0))
            _add(totals, "responded", responded)
            _add(totals, "compliance", list(compliance))
    for row in closed_rows:
        p, org, closed, minutes, *rest = row
        outcomes, survey = list(rest[:len(OUTCOMES)]), list(rest[len(OUTCOMES):])
        for totals in (periods[p], kind(org)) if p == NOW else (periods[p],):
            _add(totals, "closed", closed)
            _add(totals, "minutes", int(minutes or 0))
            _add(totals, "outcomes", outcomes)
            _add(totals, "survey", survey)
    for p, org, attendances, attendees in attendance_rows:
        for totals in (periods[p], kind(org)) if p == NOW else (periods[p],):
            _add(totals, "attendances", attendances)
            _add(totals, "attendees", attendees)
    current, previous = (_figures(periods[p], held.get(p, (0, 0)), used.get(p, (0, 0)), people.get(p, (0, 0, 0)))
                         for p in (NOW, BEFORE))
    return Report(current, previous, _joint(kinds))


def _figures(t: dict, held: tuple, used: tuple, people: tuple) -> dict:
    hours = (t["minutes"] + int(held[1])) / 60
    outcome_keys = list(OUTCOMES)
    return {
        "consultations_raised": t["raised"], "consultations_closed": t["closed"],
        "staff_supported": people[0], "teams_supported": people[2], "organisations_supported": people[1],
        "client_references": t["clients"], "sessions_held": held[0], "attendances": t["attendances"],
        "attendees": t["attendees"], "formulations": used[0], "templates_used": used[1],
        "consultation_minutes": t["minutes"], "facilitation_minutes": int(held[1]),
        "psychologist_hours": round(hours, 1),
        "reach_multiplier": round(people[0] / hours, 2) if hours else None,
        "compliance": [{"urgency": key, "label": label, "decided": t["compliance"][2 * n],
                        "met": t["compliance"][2 * n + 1]} for n, (key, label) in enumerate(URGENCIES)],
        "outcomes": [{"outcome": key, "label": OUTCOMES[key], "count": t["outcomes"][n]}
                     for n, key in enumerate(outcome_keys)],
        "survey": [{"answer": key, "label": label, "useful": t["survey"][n],
                    "more_confident": t["survey"][len(SURVEY_ANSWERS) + n]}
                   for n, (key, label) in enumerate(SURVEY_ANSWERS)],
    }


def _joint(kinds: dict[str, dict]) -> list[dict]:
    """Each kind of service side by side; mental health and drug and alcohol services always appear."""
    order = [ServiceType.MENTAL_HEALTH.value, ServiceType.DRUG_AND_ALCOHOL.value]
    order += sorted(k for k in kinds if k not in order)
    joint_working = list(OUTCOMES).index("joint_working")
    rows = []
    for key in order:
        t = kinds.get(key) or _empty()
        rows.append({"service_type": key, "label": ServiceType(key).label, "requests": t["raised"],
                     "responded": t["responded"],
                     "hours_to_first_reply": round(t["wait_seconds"] / t["responded"] / 3600, 1) if t["responded"] else None,
                     "joint_working": t["outcomes"][joint_working], "attendances": t["attendances"]})
    return rows


def figures(session: Session, scope: Scope, now: datetime) -> dict:
    """The chosen period's figures on their own."""
    return report(session, scope, now).current


def joint_kpis(session: Session, scope: Scope, now: datetime | None = None) -> list[dict]:
    return report(session, scope, now or scope.end).joint

