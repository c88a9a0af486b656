"""The groups someone runs or leads ("your groups"), and one group's sessions, for the people who run it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from core import audit
from core.accounts.models import Organisation, Person, Role, Team

from .models import HOLDING_SEAT, Booking, GroupSeries, GroupSession, SeriesMember, SeriesOrganisation, SessionStatus
from .services import make_sessions


def run_or_led_by(person: Person):
    """SQL: the series this person scheduled, facilitates or leads the people of (as `register.can_manage_series`
    decides, in one condition)."""
    conditions = [GroupSeries.created_by_id == person.id, GroupSeries.facilitator_id == person.id]
    if person.led_team_ids:
        conditions.append(GroupSeries.team_id.in_(person.led_team_ids))
    if person.has_role(Role.TEAM_LEAD):
        conditions.append(GroupSeries.team_id.is_(None) & (GroupSeries.organisation_id == person.organisation_id))
    if person.has_role(Role.LEAD_PSYCHOLOGIST):
        conditions.append(GroupSeries.organisation_id.is_(None))
    return or_(*conditions)


def _next_session(now: datetime):
    return (select(func.min(GroupSession.starts_at))
            .where(GroupSession.series_id == GroupSeries.id, GroupSession.status == SessionStatus.SCHEDULED,
                   GroupSession.starts_at > now).correlate(GroupSeries).scalar_subquery())


def your_groups(person: Person, now: datetime):
    """Rows of (series, its facilitator's name, audience organisation name, audience team name, next session
    start), groups still running first, then by title; paginate with `counting=your_groups_counted(person)`."""
    facilitator = aliased(Person)
    return (select(GroupSeries, facilitator.name, Organisation.name, Team.name, _next_session(now).label("next_at"))
            .outerjoin(Organisation, Organisation.id == GroupSeries.organisation_id)
            .outerjoin(Team, Team.id == GroupSeries.team_id)
            .join(facilitator, facilitator.id == GroupSeries.facilitator_id)
            .where(run_or_led_by(person))
            .order_by(GroupSeries.ended_at.is_not(None), GroupSeries.title, GroupSeries.id))


def your_groups_counted(person: Person):
    return select(GroupSeries.id).where(run_or_led_by(person))


def sessions_of(series: GroupSeries, upcoming: bool, now: datetime):
    """A series' sessions with the seats taken: those still to come soonest first, or those past latest first."""
    taken = (select(func.count()).select_from(Booking)
             .where(Booking.session_id == GroupSession.id, Booking.status.in_(HOLDING_SEAT))
             .correlate(GroupSession).scalar_subquery())
    when = GroupSession.ends_at > now if upcoming else GroupSession.ends_at <= now
    order = (GroupSession.starts_at, GroupSession.id) if upcoming else (GroupSession.starts_at.desc(),
                                                                        GroupSession.id.desc())
    return (select(GroupSession, taken.label("taken")).where(GroupSession.series_id == series.id, when)
            .order_by(*order))


def schedule(session, person: Person, values: dict, member_ids: list[int], organisation_id: int | None,
             team_id: int | None, chosen_organisation_ids: list[int] | None = None) -> tuple[GroupSeries, int]:
    """A new series and its first sessions; returns the series and how many sessions are open for booking. With
    `chosen_organisation_ids` it is open to those organisations' staff only."""
    series = GroupSeries(**values, created_by_id=person.id, organisation_id=organisation_id, team_id=team_id,
                         for_chosen_organisations=bool(chosen_organisation_ids))
    session.add(series)
    session.flush()
    session.add_all(SeriesOrganisation(series_id=series.id, organisation_id=org_id)
                    for org_id in sorted(set(chosen_organisation_ids or [])))
    if not series.open_round:
        session.add_all(SeriesMember(series_id=series.id, person_id=person_id) for person_id in member_ids)
    made = make_sessions(session)
    audit.record(session, "series.created", "group_series", series.id, sessions=made)
    return series, made
