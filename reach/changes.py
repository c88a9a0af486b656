"""Marking rolled-up days out of date when a change to a record moves their figures, in the transaction that
makes the change: pages then work those days out afresh until the scheduler rolls them up again. Records come
and go through the ORM (retention's bulk updates touch only free text the figures never read)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect, select, tuple_, union
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from consult.models import CloseOutSurvey, Consultation
from core.accounts.models import Organisation, Person, TeamMembership
from core.timeutil import utcnow
from formulations.models import Formulation
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession

from . import sets
from .daily import ASKED, CASES_EXCLUDED, CLINICS, CLOSED, FORMULATED, HELD
from .rollups import OutOfDateDay, families, from_scratch, london_day

FAMILIES = families()


def _values(record, name: str, new: bool) -> list:
    """The column's value now and, for a change, what it was before."""
    if new:
        return [getattr(record, name)]
    history = inspect(record).attrs[name].history
    return [*history.added, *history.unchanged, *history.deleted]


def _changed(record, names: tuple[str, ...], new: bool) -> bool:
    return new or any(inspect(record).attrs[name].history.has_changes() for name in names)


def _moved(record, family, new: bool) -> set[date]:
    """The days whose figures a new, changed or deleted record of the family's own table moves."""
    if not _changed(record, family.columns, new):
        return set()
    return {london_day(at) for at in _values(record, family.at.key, new) if at is not None}


def _changes(session: Session) -> set[tuple[str, date]]:
    marks: set[tuple[str, date]] = set()
    surveyed, registers, groups = set(), set(), set()  # requests, sessions and group series whose days moved
    presented = set()  # clinic sessions whose cases changed
    clients = set()  # (organisation, key): a client is counted as their first request, which such a change moves
    moved: dict[str, set[int]] = {sets.ORGANISATIONS.name: set(), sets.TEAMS.name: set()}  # people, by family
    for records, new, added in ((session.new, True, True), (session.dirty, False, False),
                                (session.deleted, True, False)):
        for record in records:
            for family in FAMILIES:
                if isinstance(record, family.at.class_):
                    marks |= {(family.name, day) for day in _moved(record, family, new)}
            if isinstance(record, Consultation) and not added and _changed(
                    record, ("organisation_id", "client_key"), new):
                clients |= {(org, key) for org in _values(record, "organisation_id", False)
                            for key in _values(record, "client_key", False)}
            elif isinstance(record, CloseOutSurvey):
                surveyed.add(record.consultation_id)
            elif isinstance(record, Booking) and (record.attendance is not None if new
                                                  else _changed(record, ("attendance", "session_id"), False)):
                registers |= set(_values(record, "session_id", new))
            elif isinstance(record, GroupSeries) and not new and _changed(record, ("organisation_id", "minutes"), False):
                groups.add(record.id)
            elif isinstance(record, Person) and not new and _changed(record, ("organisation_id",), False):
                moved[sets.ORGANISATIONS.name].add(record.id)
            elif isinstance(record, TeamMembership):
                moved[sets.TEAMS.name] |= set(_values(record, "person_id", new))
            elif isinstance(record, ClinicCase) and _changed(record, ("status", "session_id"), new):
                presented |= set(_values(record, "session_id", new))
    # One look-up each for the days of the records these hang from, however many changed in the flush: a survey's
    # request gives the day it was closed and the day it was raised in one.
    lookups = [([(CLOSED, Consultation.closed_at), (ASKED, Consultation.created_at)], Consultation.id, surveyed),
               ([(HELD, GroupSession.starts_at)], GroupSession.id, registers),
               ([(HELD, GroupSession.starts_at)], GroupSession.series_id, groups),
               ([(CLINICS, GroupSession.starts_at)], GroupSession.id, presented)]
    for counted, key, ids in lookups:
        if ids:
            for moments in session.connection().execute(
                    select(*(at for _, at in counted)).where(key.in_(ids)).distinct()):
                marks |= {(family.name, london_day(moment)) for (family, _), moment in zip(counted, moments)
                          if moment is not None}
    if clients:
        marks |= {(sets.CLIENTS.name, london_day(moment)) for moment in session.connection().scalars(
            select(Consultation.created_at).where(tuple_(Consultation.organisation_id, Consultation.client_key)
                                                  .in_(clients)).distinct())}
    for family, people in moved.items():  # someone who moved organisation or team: every day they were supported
        if people:
            also = [f.name for f in sets.CLINIC_SETS] if family == sets.ORGANISATIONS.name else []  # and attended
            marks |= {(name, london_day(moment)) for moment in session.connection().scalars(union(
                select(Consultation.created_at).where(Consultation.requester_id.in_(people)),
                select(GroupSession.starts_at).join(Booking, Booking.session_id == GroupSession.id)
                .where(Booking.person_id.in_(people), Booking.attendance == "attended"))) for name in [family, *also]}
    if movers := moved[sets.ORGANISATIONS.name]:  # and every day they started a formulation or presented a case
        marks |= {(family.name, london_day(moment)) for moment in session.connection().scalars(
            select(Formulation.created_at).where(Formulation.author_id.in_(movers)).distinct())
            for family in (FORMULATED, sets.TEMPLATES)}
        marks |= {(CASES_EXCLUDED.name, london_day(moment)) for moment in session.connection().scalars(
            select(ClinicCase.created_at).where(ClinicCase.presenter_id.in_(movers)).distinct())}
    # Who was supported, and the clinics, move with every session and register that the sessions held do.
    marks |= {(family.name, day) for name, day in list(marks) if name == HELD.name
              for family in (*sets.SUPPORTED, CLINICS, *sets.CLINIC_SETS)}
    return marks


def _kind_changed(session: Session) -> bool:
    return any(isinstance(record, Organisation) and inspect(record).attrs["service_type"].history.has_changes()
               for record in session.dirty)


def _mark(session: Session, _flush_context) -> None:
    if _kind_changed(session):
        from_scratch(session)  # the kinds of service are stored split by organisation's kind
        return
    today = london_day(utcnow())
    marks = [{"family": family, "day": day} for family, day in _changes(session) if day < today]
    if not marks:
        return
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutOfDateDay).values(marks)
    session.connection().execute(statement.on_conflict_do_update(
        index_elements=[OutOfDateDay.family, OutOfDateDay.day],
        set_={"generation": OutOfDateDay.generation + 1}))


def listen() -> None:
    """Mark days out of date on every flush (once, however many apps are made)."""
    if not event.contains(Session, "after_flush", _mark):
        event.listen(Session, "after_flush", _mark)
