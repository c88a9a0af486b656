"""One-to-one supervision's figures: sessions held (recorded) and distinct supervisees, by period, and for the
chosen period the supervisees by their kind of service. Their hours join the psychologist hours."""
from __future__ import annotations

from sqlalchemy import distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from core.accounts.models import Organisation, Person
from core.database import seconds_between
from supervision.one_to_one.models import SessionStatus, SupervisionAgreement, SupervisionSession

from .figures import BEFORE, NOW, Scope, _both_periods, staff_in_scope


def supervision_figures(session: Session, scope: Scope) -> dict:
    """{NOW: {...}, BEFORE: {...}} with supervision_sessions, supervisees and supervision_minutes, and for NOW
    the distinct supervisees by kind of service. One statement, read from the sessions' start-time index."""
    period, within = _both_periods(scope, SupervisionSession.starts_at)
    conditions = [*within, SupervisionSession.recorded_at.is_not(None),
                  SupervisionSession.status == SessionStatus.SCHEDULED,
                  *staff_in_scope(scope, SupervisionAgreement.supervisee_id)]
    held = (select(period, SupervisionSession.starts_at, SupervisionSession.ends_at,
                   SupervisionAgreement.supervisee_id, Person.organisation_id)
            .join(SupervisionAgreement, SupervisionAgreement.id == SupervisionSession.agreement_id)
            .join(Person, Person.id == SupervisionAgreement.supervisee_id)
            .where(*conditions)).cte("held")
    rows = union_all(
        select(literal("periods"), held.c.period, literal(""), func.count(), func.count(distinct(held.c.supervisee_id)),
               func.coalesce(func.sum(seconds_between(session, held.c.starts_at, held.c.ends_at)), 0))
        .group_by(held.c.period),
        select(literal("kinds"), literal(NOW), Organisation.service_type, literal(0),
               func.count(distinct(held.c.supervisee_id)), literal(0))
        .join(Organisation, Organisation.id == held.c.organisation_id)
        .where(held.c.period == NOW).group_by(Organisation.service_type))
    figures = {p: {"supervision_sessions": 0, "supervisees": 0, "supervision_minutes": 0} for p in (NOW, BEFORE)}
    figures[NOW]["supervisees_by_kind"] = {}
    for what, p, service_type, sessions, supervisees, seconds in session.execute(rows):
        if what == "periods":
            figures[p].update(supervision_sessions=sessions, supervisees=supervisees,
                              supervision_minutes=int(round(float(seconds) / 60)))
        else:
            figures[NOW]["supervisees_by_kind"][service_type] = supervisees
    return figures
