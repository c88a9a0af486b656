"""The case clinics' figures: sessions held, cases presented, and who attended, by period and, for the chosen
period, by the attendee's kind of service (a clinic brings workers of several services into one room). Their
hours are already in the psychologist hours and the reach multiplier, with every other group session's."""
from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from core.accounts.models import Organisation, Person
from supervision.models import Booking, CaseStatus, ClinicCase, GroupSeries, GroupSession, SeriesKind

from .figures import BEFORE, NOW, Scope, _both_periods, _series_conditions

PRESENTED = (CaseStatus.PRESENTED, CaseStatus.RECOMMENDATIONS_SENT)


def _clinic_sessions(scope: Scope):
    """SQL conditions: the clinic sessions of both periods that went ahead, within the groups in scope."""
    period, within = _both_periods(scope, GroupSession.starts_at)
    return period, [*within, GroupSession.status == "scheduled", GroupSeries.kind == SeriesKind.CASE_CLINIC,
                    *_series_conditions(scope)]


def clinic_figures(session: Session, scope: Scope) -> dict:
    """{NOW: {...}, BEFORE: {...}} with clinic_sessions, cases_presented, clinic_attendees and the organisations
    they came from (clinic_organisations), and for NOW the distinct attendees by kind of service."""
    period, conditions = _clinic_sessions(scope)
    joined = (lambda query: query.join(GroupSession, GroupSession.id == Booking.session_id)
              .join(GroupSeries, GroupSeries.id == GroupSession.series_id))
    attended = joined(select(period, func.count(distinct(GroupSession.id)), func.count(distinct(Booking.person_id)),
                             func.count(distinct(Person.organisation_id))).select_from(Booking)) \
        .join(Person, Person.id == Booking.person_id) \
        .where(*conditions, Booking.attendance == "attended").group_by(period)
    presented = (select(period, func.count()).select_from(ClinicCase)
                 .join(GroupSession, GroupSession.id == ClinicCase.session_id)
                 .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
                 .where(*conditions, ClinicCase.status.in_(PRESENTED)).group_by(period))
    by_kind = joined(select(Organisation.service_type, func.count(distinct(Booking.person_id))).select_from(Booking)) \
        .join(Person, Person.id == Booking.person_id).join(Organisation, Organisation.id == Person.organisation_id) \
        .where(*conditions, GroupSession.starts_at >= scope.start, Booking.attendance == "attended") \
        .group_by(Organisation.service_type)
    figures = {p: {"clinic_sessions": 0, "clinic_attendees": 0, "clinic_organisations": 0, "cases_presented": 0}
               for p in (NOW, BEFORE)}
    for p, sessions, people, organisations in session.execute(attended):
        figures[p].update(clinic_sessions=sessions, clinic_attendees=people, clinic_organisations=organisations)
    for p, cases in session.execute(presented):
        figures[p]["cases_presented"] = cases
    figures[NOW]["clinic_attendees_by_kind"] = dict(session.execute(by_kind).all())
    return figures
