"""The reach figures: every one an SQL aggregate over a period, an organisation or service type, and (for a
team lead) their teams.

The headline counts read the period and the one before it together (a `period` column: 1 for the chosen
period, 0 for the one before, for the trend). The detail behind the tables and the joint measures by kind of
service is the chosen period's alone, grouped by organisation. Python only adds up the grouped rows. Requests
raised and closed are read from the daily roll-ups (reach.rollups) for the days they hold.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import and_, case, distinct, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from consult.models import OUTCOMES, WITHOUT_ADVICE, Consultation, FollowUp
from core.accounts.models import Organisation, Person, ServiceType, TeamMembership
from core.database import seconds_between
from formulations.models import Formulation, TemplateVersion
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession

from . import daily, rollups, sets
from .daily import SURVEY_ANSWERS, URGENCIES
from .exclusions import exclusion_figures
from .rollups import kinds_of_service

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
    """The `period` column, and the conditions for the chosen period and the one before it."""
    return (case((when >= scope.start, NOW), else_=BEFORE).label("period"),
            [when >= scope.previous().start, when < scope.end])


def _this_period(scope: Scope, when) -> list:
    return [when >= scope.start, when < scope.end]


def staff_in_scope(scope: Scope, person_column) -> list:
    """Conditions on a person id column (an author, a presenter, a supervisee): their organisation passes the
    organisation and service-type filters, and for a team lead, they are in one of the lead's teams."""
    conditions = []
    if scope.organisation_id or scope.service_type:
        conditions.append(person_column.in_(select(Person.id).where(*_organisations(scope, Person.organisation_id))))
    if scope.team_ids is not None:
        conditions.append(person_column.in_(select(TeamMembership.person_id)
                                            .where(TeamMembership.team_id.in_(scope.team_ids))))
    return conditions


def _for_teams(scope: Scope, column) -> list:
    return [] if scope.team_ids is None else [column.in_(scope.team_ids)]


def _requests_in_scope(scope: Scope) -> list:
    return [*_organisations(scope, Consultation.organisation_id), *_for_teams(scope, Consultation.team_id)]


# The headline counts (both periods, for the trend) are read apart from the detail behind the tables and the
# joint measures (the chosen period only, by organisation): grouping a distinct count, or a dozen sums, by
# period and organisation made the database sort two years of wide rows.

def _rolled_up(session: Session, scope: Scope, now: datetime, service_types: dict[int, str]) -> tuple:
    """Requests raised, requests closed, group sessions held, the different clients and the staff, organisations,
    teams and attendees supported (both periods), from the daily roll-ups, and this period's requests still
    unanswered past their date, by organisation and urgency; and the formulations, templates used and questions
    answered by notes, and the case clinics' figures."""
    from .clinics import clinic_figures, rolled_up_clinic_figures  # they build on this module's scope conditions
    periods = {NOW: (scope.start, scope.end), BEFORE: (scope.previous().start, scope.start)}
    wanted = {family: periods for family in (daily.RAISED, daily.CLOSED, daily.HELD, daily.EXCLUDED,
                                             daily.CASES_EXCLUDED)}
    if scope.team_ids is None:
        rolled_up = rollups.state(session)
        sums = rollups.sums(session, {**wanted, daily.FORMULATED: periods, daily.ANSWERED: periods,
                                      daily.CLINICS: periods},
                            service_types, rolled_up, scope.organisation_id, scope.service_type,
                            by_kind={daily.RAISED: NOW, daily.CLOSED: NOW, daily.HELD: NOW})  # the joint table's
        counted = sets.counts(session, [sets.CLIENTS, *sets.SUPPORTED, sets.TEMPLATES, *sets.CLINIC_SETS], periods,
                              service_types, rolled_up, scope.organisation_id, scope.service_type)
        clients = counted[sets.CLIENTS.name]
        people = {p: tuple(counted[family.name][p] for family in sets.SUPPORTED) for p in periods}
        used = {p: [int(sums[daily.FORMULATED.name].scope.get(p, [0])[0]), counted[sets.TEMPLATES.name][p],
                    int(sums[daily.ANSWERED.name].scope.get(p, [0])[0])] for p in periods}
        clinics = rolled_up_clinic_figures(sums[daily.CLINICS.name], counted[sets.CLINIC_ATTENDEES.name],
                                           counted[sets.CLINIC_ORGANISATIONS.name])
    else:  # a team lead's teams: their own records are few, however large the partnership
        conditions = {daily.HELD: _series_conditions(scope),
                      daily.CASES_EXCLUDED: staff_in_scope(scope, ClinicCase.presenter_id)}
        sums = {family.name: rollups.afresh(session, family, spans, service_types,
                                            conditions.get(family, _requests_in_scope(scope)))
                for family, spans in wanted.items()}
        clients = sets.afresh(session, sets.CLIENTS, periods, _requests_in_scope(scope))
        people = _people(session, scope)
        used = _formulations(session, scope)
        clinics = clinic_figures(session, scope)
    return (sums, clients, people,
            daily.overdue(session, [(NOW, scope.start, scope.end)], now, _requests_in_scope(scope)), used, clinics)


def _safety(session: Session, scope: Scope):
    """This period's urgent requests: how many, how many acknowledged, and the seconds to acknowledge at the median
    and the 90th percentile (nearest rank), counted from when the acknowledgement clock started; and the follow-ups
    opened to re-engage a client who is missing appointments."""
    waited = seconds_between(session, Consultation.ack_started_at, Consultation.acknowledged_at)
    waited = case((waited < 0, 0), else_=waited)  # taken before the clock started: at once
    ranked = (select(waited.label("seconds"),
                     func.row_number().over(partition_by=waited.is_(None), order_by=waited).label("rank"),
                     func.count(waited).over().label("n"))
              .where(Consultation.urgency == "urgent", *_this_period(scope, Consultation.created_at),
                     *_requests_in_scope(scope))).subquery()
    seconds, rank, n = ranked.c.seconds, ranked.c.rank, ranked.c.n
    middle = and_(seconds.is_not(None), rank * 2 >= n, rank * 2 <= n + 2)  # one row, or the two middle ones
    ninetieth = and_(seconds.is_not(None), rank * 10 >= 9 * n, (rank - 1) * 10 < 9 * n)
    re_engage = (select(func.count()).select_from(FollowUp).join(Consultation, Consultation.id == FollowUp.consultation_id)
                 .where(FollowUp.kind == "re_engage", *_this_period(scope, FollowUp.created_at),
                        *_requests_in_scope(scope)).scalar_subquery())
    return session.execute(select(func.count(), func.count(seconds), func.avg(case((middle, seconds))),
                                  func.max(case((ninetieth, seconds))), re_engage).select_from(ranked)).one()


def _series_conditions(scope: Scope) -> list:
    return [*_organisations(scope, GroupSeries.organisation_id), *_for_teams(scope, GroupSeries.team_id)]


def _in_series_scope(query, scope: Scope):
    """The query's sessions limited to the groups in scope, joining their series only when a filter needs it."""
    conditions = _series_conditions(scope)
    return query.join(GroupSeries, GroupSeries.id == GroupSession.series_id).where(*conditions) if conditions else query


def _formulations(session: Session, scope: Scope):
    period, within = _both_periods(scope, Formulation.created_at)
    conditions = [*within, *staff_in_scope(scope, Formulation.author_id)]
    # With the questions answered by practice notes: the other reuse of what psychologists wrote, one statement.
    from .notes import answered_by_notes
    used = {NOW: [0, 0, 0], BEFORE: [0, 0, 0]}  # formulations, templates used, questions answered by notes
    for what, p, n, templates in session.execute(union_all(
            select(literal("formulations"), period, func.count(), func.count(distinct(TemplateVersion.template_id)))
            .select_from(Formulation).join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
            .where(*conditions).group_by(period), answered_by_notes(scope))):
        if what == "formulations":
            used[p][0], used[p][1] = n, templates
        else:
            used[p][2] = n
    return used


def _asked(scope: Scope, since: datetime, until: datetime):
    return (select(literal(1)).where(Consultation.requester_id == Person.id, Consultation.created_at >= since,
                                     Consultation.created_at < until, *_requests_in_scope(scope)).exists())


def _attended(scope: Scope, since: datetime, until: datetime):
    query = select(literal(1)).select_from(Booking).join(GroupSession, GroupSession.id == Booking.session_id)
    return _in_series_scope(query, scope).where(
        Booking.person_id == Person.id, Booking.attendance == "attended", GroupSession.starts_at >= since,
        GroupSession.starts_at < until, GroupSession.status == "scheduled").exists()


def _attendees(scope: Scope):
    """Who attended in each period, in one pass over both periods' sessions. Each session's attendees are read
    from the bookings index (OFFSET 0 keeps PostgreSQL from flattening the lateral subquery into a join, for
    which it would scan every booking)."""
    period, within = _both_periods(scope, GroupSession.starts_at)
    attended = (select(Booking.person_id).where(Booking.session_id == GroupSession.id, Booking.attendance == "attended")
                .offset(0).lateral())
    query = select(period, attended.c.person_id).select_from(GroupSession).join(attended, true())
    return _in_series_scope(query, scope).where(*within, GroupSession.status == "scheduled") \
        .distinct().cte("attendees").prefix_with("MATERIALIZED")


def _people(session: Session, scope: Scope) -> dict:
    """Distinct staff, organisations and teams supported (asked a question, or attended), and distinct
    attendees, by period. Each person is checked for a request and an attendance in each period, instead of
    two years of requests and attendances being gathered into one list and made distinct. SQLite looks each
    person up by the indexes by person; PostgreSQL would scan every booking once per period to hash that
    period's attendees, so it is given both periods' attendees from one pass."""
    periods = {NOW: (scope.start, scope.end), BEFORE: (scope.previous().start, scope.start)}
    if session.get_bind().dialect.name == "postgresql":
        attendees = _attendees(scope)
        attended = {p: select(literal(1)).where(attendees.c.person_id == Person.id, attendees.c.period == p).exists()
                    for p in periods}
    else:
        attended = {p: _attended(scope, since, until) for p, (since, until) in periods.items()}
    flags = select(Person.id, Person.organisation_id, *[
        column for p, (since, until) in periods.items()
        for column in (_asked(scope, since, until).label(f"asked_{p}"), attended[p].label(f"attended_{p}"))
    ]).cte("flags").prefix_with("MATERIALIZED")  # each lookup once, however many sums read it
    counts = []
    for p in periods:
        supported, attended_then = or_(flags.c[f"asked_{p}"], flags.c[f"attended_{p}"]), flags.c[f"attended_{p}"]
        counts += [func.count(distinct(case((supported, column))))
                   for column in (flags.c.id, flags.c.organisation_id, TeamMembership.team_id)]
        counts.append(func.count(distinct(case((attended_then, flags.c.id)))))
    row = session.execute(select(*counts).select_from(flags)
                          .outerjoin(TeamMembership, TeamMembership.person_id == flags.c.id)).one()
    return {NOW: tuple(row[:4]), BEFORE: tuple(row[4:])}


def _detail() -> dict:
    return {"raised": 0, "wait_seconds": 0.0, "responded": 0, "compliance": [0] * (2 * len(URGENCIES)),
            "outcomes": [0] * len(OUTCOMES), "survey": [0] * (2 * len(SURVEY_ANSWERS)), "attendances": 0,
            "worker": [0] * (len(WITHOUT_ADVICE) + 3),
            "clinic_attendees": 0, "supervisees": 0}


def _add(totals: dict, key: str, values) -> None:
    if isinstance(values, list):
        totals[key] = [a + int(b or 0) for a, b in zip(totals[key], values, strict=True)]
    else:
        totals[key] += values or 0


def report(session: Session, scope: Scope, now: datetime, service_types: dict[int, str] | None = None,
           run_all: Callable[[list[Callable[[Session], Any]]], list] | None = None) -> Report:
    """Both periods' figures and the chosen period's joint measures. `service_types` maps organisation ids to
    their kind of service (the caller often has it already). `run_all` runs the aggregates, each given a
    session (`db.read_apart` runs them at the same time); by default they run one after another in `session`."""
    if service_types is None:
        service_types = kinds_of_service(session)
    run_all = run_all or (lambda jobs: [job(session) for job in jobs])
    # Longest first, so that run at the same time they finish close together.
    from .supervision import supervision_figures  # it builds on this module's period and scope conditions
    ((rolled_up, clients, people, overdue, used, clinics), safety, supervised) = run_all([
        lambda s: _rolled_up(s, scope, now, service_types), lambda s: _safety(s, scope),
        lambda s: supervision_figures(s, scope)])
    excluded = exclusion_figures(rolled_up, NOW, BEFORE)
    raised, closed, held = rolled_up["raised"], rolled_up["closed"], rolled_up["held"]
    detail = _detail()  # the chosen period's, for the tables
    kinds: dict[str, dict] = {}

    def kind(org_id: int) -> dict:
        return kinds.setdefault(service_types.get(org_id, ServiceType.OTHER.value), _detail())

    _add_consultations(detail, raised.scope.get(NOW), closed.scope.get(NOW))
    for service_type in {*raised.kinds.get(NOW, {}), *closed.kinds.get(NOW, {})}:
        _add_consultations(kinds.setdefault(service_type, _detail()), raised.kinds[NOW].get(service_type),
                           closed.kinds.get(NOW, {}).get(service_type))
    for org, urgency, count in ((org, urgency, count) for _, org, urgency, count in overdue):
        decided = 2 * [key for key, _ in URGENCIES].index(urgency)
        for totals in (detail, kind(org)):
            totals["compliance"][decided] += count
    closures = {p: (int(values[0]), int(values[1])) for p, values in closed.scope.items()}
    groups = {p: [int(n) for n in held.scope.get(p, [0, 0, 0])] for p in (NOW, BEFORE)}
    for service_type, (count, _, _) in held.kinds.get(NOW, {}).items():  # a partnership-wide group is no kind's
        _add(kinds.setdefault(service_type, _detail()), "attendances", int(count))
    requests = {p: (int(raised.scope.get(p, [0])[0]), clients[p]) for p in (NOW, BEFORE)}
    current, previous = (_headlines(requests[p], closures.get(p, (0, 0)), groups[p], used[p],
                                    people[p], supervised[p]["supervision_minutes"])
                         for p in (NOW, BEFORE))
    for key, by_kind in (("clinic_attendees", clinics[NOW].pop("clinic_attendees_by_kind")),
                         ("supervisees", supervised[NOW].pop("supervisees_by_kind"))):
        for service_type, count in by_kind.items():
            kinds.setdefault(service_type, _detail())[key] = count
    return Report({**current, **clinics[NOW], **supervised[NOW], **_tables(detail), "urgent": _urgent(*safety),
                   "exclusions": excluded["exclusions"], "exclusions_recorded": excluded["exclusions_recorded"]},
                  {**previous, **clinics[BEFORE], **supervised[BEFORE],
                   "exclusions_recorded": excluded["exclusions_before"]}, _joint(kinds))


def _add_consultations(totals: dict, raised: list | None, closed: list | None) -> None:
    """Requests raised and closed, from their families' sums (reach.daily), into a period's detail."""
    if raised:
        count, wait, responded, *by_urgency = raised
        answered, met = by_urgency[:len(URGENCIES)], by_urgency[len(URGENCIES):]
        _add(totals, "raised", int(count))
        _add(totals, "wait_seconds", wait)
        _add(totals, "responded", int(responded))
        _add(totals, "compliance", [int(n) for pair in zip(answered, met) for n in pair])
    if closed:
        counts = [int(n) for n in closed[2:]]
        survey_ends = len(OUTCOMES) + 2 * len(SURVEY_ANSWERS)
        _add(totals, "outcomes", counts[:len(OUTCOMES)])
        _add(totals, "survey", counts[len(OUTCOMES):survey_ends])
        _add(totals, "worker", counts[survey_ends:])


def _urgent(raised: int, acknowledged: int, median, ninetieth, re_engage: int) -> dict:
    def minutes(seconds) -> float | None:
        return None if seconds is None else round(float(seconds) / 60, 1)

    return {"raised": raised, "acknowledged": acknowledged, "median_minutes": minutes(median),
            "p90_minutes": minutes(ninetieth), "re_engage_follow_ups": int(re_engage or 0)}


def _headlines(requests: tuple, closures: tuple, held: list, used: tuple, people: tuple, supervision_minutes: int
               ) -> dict:
    """One period's headline figures. Psychologist hours are consultations, groups and one-to-one supervision.
    `held` is the attendances, the sessions held and their minutes of facilitation."""
    (raised, clients), (closed, minutes), (attendances, sessions_held, facilitation) = requests, closures, held
    staff, organisations, teams, attendees = people
    hours = (int(minutes) + facilitation + supervision_minutes) / 60
    return {
        "consultations_raised": raised, "consultations_closed": closed,
        "staff_supported": staff, "teams_supported": teams, "organisations_supported": organisations,
        "client_references": clients, "sessions_held": sessions_held, "attendances": attendances,
        "attendees": attendees, "formulations": used[0], "templates_used": used[1], "answered_by_notes": used[2],
        "consultation_minutes": int(minutes), "facilitation_minutes": facilitation,
        "psychologist_hours": round(hours, 1),
        "reach_multiplier": round(staff / hours, 2) if hours else None,
    }


def _tables(t: dict) -> dict:
    """The chosen period's detail: response targets, outcomes and the close-out survey."""
    return {
        "compliance": [{"urgency": key, "label": label, "decided": t["compliance"][2 * n],
                        "met": t["compliance"][2 * n + 1]} for n, (key, label) in enumerate(URGENCIES)],
        "outcomes": [{"outcome": key, "label": label, "count": t["outcomes"][n]}
                     for n, (key, label) in enumerate(OUTCOMES.items())],
        "survey": [{"answer": key, "label": label, "useful": t["survey"][n],
                    "more_confident": t["survey"][len(SURVEY_ANSWERS) + n]}
                   for n, (key, label) in enumerate(SURVEY_ANSWERS)],
        **_worker_side(t["worker"], t["outcomes"][list(OUTCOMES).index("referral_avoided")]),
    }


def _worker_side(worker: list, avoided_by_psychologist: int) -> dict:
    """What workers said they would have done without the advice (so referrals avoided are counted from their
    answer beside the psychologist's outcome), and their confidence before asking and now, on average."""
    answered, before, after = worker[len(WITHOUT_ADVICE):]
    return {"without_advice": [{"answer": key, "label": label, "count": worker[n]}
                               for n, (key, label) in enumerate(WITHOUT_ADVICE.items())],
            "referral_avoided_by_psychologist": avoided_by_psychologist,
            "confidence": {"answered": answered, "before": round(before / answered, 1) if answered else None,
                           "now": round(after / answered, 1) if answered else None}}


def _joint(kinds: dict[str, dict]) -> list[dict]:
    """Each kind of service side by side; mental health and drug and alcohol services always appear."""
    order = [ServiceType.MENTAL_HEALTH.value, ServiceType.DRUG_AND_ALCOHOL.value]
    order += sorted(k for k in kinds if k not in order)
    joint_working = list(OUTCOMES).index("joint_working")
    rows = []
    for key in order:
        t = kinds.get(key) or _detail()
        rows.append({"service_type": key, "label": ServiceType(key).label, "requests": t["raised"],
                     "responded": t["responded"],
                     "hours_to_first_reply": round(t["wait_seconds"] / t["responded"] / 3600, 1) if t["responded"] else None,
                     "joint_working": t["outcomes"][joint_working], "attendances": t["attendances"],
                     "clinic_attendees": t["clinic_attendees"], "supervisees": t["supervisees"]})
    return rows


def figures(session: Session, scope: Scope, now: datetime) -> dict:
    """The chosen period's figures on their own."""
    return report(session, scope, now).current


def joint_kpis(session: Session, scope: Scope, now: datetime | None = None) -> list[dict]:
    return report(session, scope, now or scope.end).joint

