"""Duty hours per psychologist for one month, for the lead psychologist: hours on duty, requests allocated,
consultation minutes, facilitation minutes (groups and case clinics) and one-to-one supervision minutes, a page of
psychologists at a time. Each figure is one grouped aggregate over the month's run of an index that starts with
the time and holds the person (and what is added up), so it is read from the index alone."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from consult.models import Consultation
from core.accounts.models import Person, PersonRole, Role
from core.database import seconds_between
from core.pagination import Page, paginate
from core.timeutil import LONDON, as_utc
from rota.models import DutySlot
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.one_to_one.models import SupervisionAgreement, SupervisionSession

COLUMNS = ("duty_minutes", "allocations", "consultation_minutes", "facilitation_minutes", "supervision_minutes")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[the first of the month, the first of the next) at midnight in London, in UTC."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (as_utc(datetime.combine(month.replace(day=1), time(0), tzinfo=LONDON)),
            as_utc(datetime.combine(following, time(0), tzinfo=LONDON)))


def _in_column(n: int, value) -> list:
    """`value` as column n of COLUMNS, zeros in the others: each part of the union fills one column."""
    return [*(literal(0) for _ in range(n)), value, *(literal(0) for _ in range(n + 1, len(COLUMNS)))]


def _totals(session: Session, month: date) -> dict[int, list[int]]:
    """Each figure for everyone who did any of it in the month, by person: a duty counts in the month it
    starts."""
    start, end = month_bounds(month)
    held = select(Booking.id).where(Booking.session_id == GroupSession.id, Booking.attendance == "attended") \
        .correlate(GroupSession).exists()
    parts = union_all(
        select(DutySlot.psychologist_id,
               *_in_column(0, func.sum(seconds_between(session, DutySlot.starts_at, DutySlot.ends_at)) / 60))
        .where(DutySlot.starts_at >= start, DutySlot.starts_at < end, DutySlot.status == "active")
        .group_by(DutySlot.psychologist_id),
        select(Consultation.psychologist_id, *_in_column(1, func.count()))
        .where(Consultation.allocated_at >= start, Consultation.allocated_at < end,
               Consultation.psychologist_id.is_not(None)).group_by(Consultation.psychologist_id),
        select(Consultation.psychologist_id, *_in_column(2, func.coalesce(func.sum(Consultation.minutes_spent), 0)))
        .where(Consultation.closed_at >= start, Consultation.closed_at < end,
               Consultation.psychologist_id.is_not(None)).group_by(Consultation.psychologist_id),
        select(GroupSeries.facilitator_id, *_in_column(3, func.sum(GroupSeries.minutes)))
        .join(GroupSession, GroupSession.series_id == GroupSeries.id)
        .where(GroupSession.starts_at >= start, GroupSession.starts_at < end, GroupSession.status == "scheduled", held)
        .group_by(GroupSeries.facilitator_id),
        select(SupervisionAgreement.supervisor_id, *_in_column(
            4, func.sum(seconds_between(session, SupervisionSession.starts_at, SupervisionSession.ends_at)) / 60))
        .join(SupervisionAgreement, SupervisionAgreement.id == SupervisionSession.agreement_id)
        .where(SupervisionSession.starts_at >= start, SupervisionSession.starts_at < end,
               SupervisionSession.recorded_at.is_not(None), SupervisionSession.status == "scheduled")
        .group_by(SupervisionAgreement.supervisor_id)).subquery()
    totals = {}
    for person_id, *values in session.execute(select(parts)):
        row = totals.setdefault(person_id, [0] * len(COLUMNS))
        for n, value in enumerate(values):
            row[n] += int(round(float(value or 0)))
    return totals


def duty_hours(session: Session, month: date, number: int = 1) -> Page:
    """A page of rows, one per psychologist (everyone with the role, and anyone else who did any of it that month),
    by name."""
    totals = _totals(session, month)
    everyone = select(Person.id, Person.name).where(
        Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == Role.PSYCHOLOGIST.value))
        | Person.id.in_(list(totals))).order_by(Person.name, Person.id)
    page = paginate(session, everyone, number, scalars=False)
    page.items = [{"person_id": pid, "name": name,
                   **dict(zip(COLUMNS, totals.get(pid, [0] * len(COLUMNS)), strict=True))} for pid, name in page.items]
    return page
