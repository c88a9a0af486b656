"""The case clinics' figures: sessions held, cases presented, and who attended, by period and, for the chosen
period, by the attendee's kind of service (a clinic brings workers of several services into one room). Their
hours are already in the psychologist hours and the reach multiplier, with every other group session's.

Read from the daily roll-ups (reach.daily.CLINICS, reach.sets.CLINIC_SETS), or for a team lead's teams worked
out from the records."""
from __future__ import annotations

from sqlalchemy import distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from core.accounts.models import Organisation, Person
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession, SeriesKind

from .daily import PRESENTED
from .figures import BEFORE, NOW, Scope, _both_periods, _series_conditions
from .rollups import Sums


def _sessions(scope: Scope) -> tuple:
    """The `period` column, and the clinic sessions of both periods that went ahead, within the groups in scope.
    Read from the clinic series (one in ten, say) to their sessions, not from every session of two years."""
    period, within = _both_periods(scope, GroupSession.starts_at)
    clinics = select(GroupSeries.id).where(GroupSeries.kind == SeriesKind.CASE_CLINIC, *_series_conditions(scope))
    return period, [GroupSession.series_id.in_(clinics), *within, GroupSession.status == "scheduled"]


def _empty() -> dict:
    return {p: {"clinic_sessions": 0, "clinic_attendees": 0, "clinic_organisations": 0, "cases_presented": 0}
            for p in (NOW, BEFORE)}


def rolled_up_clinic_figures(held: Sums, attendees: dict[int, tuple], organisations: dict[int, int]) -> dict:
    """The same figures from the roll-ups: the clinics' sums, and each period's attendees (how many, and how many
    of each kind of service) and their organisations."""
    figures = _empty()
    for p, numbers in figures.items():
        sessions, cases = held.scope.get(p, [0, 0])
        people, by_kind = attendees[p]
        numbers.update(clinic_sessions=int(sessions), cases_presented=int(cases), clinic_attendees=people,
                       clinic_organisations=organisations[p])
    figures[NOW]["clinic_attendees_by_kind"] = attendees[NOW][1]
    return figures


def clinic_figures(session: Session, scope: Scope) -> dict:
    """{NOW: {...}, BEFORE: {...}} with clinic_sessions, cases_presented, clinic_attendees and the organisations
    they came from (clinic_organisations), and for NOW the distinct attendees by kind of service. One query."""
    period, held = _sessions(scope)
    attended = (select(GroupSession.starts_at, Booking.person_id, Person.organisation_id, GroupSession.id.label("gs"))
                .select_from(GroupSession).join(Booking, Booking.session_id == GroupSession.id)
                .join(Person, Person.id == Booking.person_id)
                .where(*held, Booking.attendance == "attended")).cte("attended")
    attended_period = _both_periods(scope, attended.c.starts_at)[0]
    rows = union_all(
        select(literal("people"), attended_period, literal(""), func.count(distinct(attended.c.gs)),
               func.count(distinct(attended.c.person_id)), func.count(distinct(attended.c.organisation_id)))
        .group_by(attended_period),
        select(literal("cases"), period, literal(""), func.count(), literal(0), literal(0)).select_from(GroupSession)
        .join(ClinicCase, ClinicCase.session_id == GroupSession.id)
        .where(*held, ClinicCase.status.in_(PRESENTED)).group_by(period),
        select(literal("kinds"), literal(NOW), Organisation.service_type, func.count(distinct(attended.c.person_id)),
               literal(0), literal(0))
        .join(Organisation, Organisation.id == attended.c.organisation_id)
        .where(attended.c.starts_at >= scope.start).group_by(Organisation.service_type))
    figures = _empty()
    figures[NOW]["clinic_attendees_by_kind"] = {}
    for what, p, service_type, first, people, organisations in session.execute(rows):
        if what == "people":
            figures[p].update(clinic_sessions=first, clinic_attendees=people, clinic_organisations=organisations)
        elif what == "cases":
            figures[p]["cases_presented"] = first
        else:
            figures[NOW]["clinic_attendees_by_kind"][service_type] = first
    return figures
