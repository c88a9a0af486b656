"""Distinct counts (how many different clients) from the daily roll-ups: each closed London day's and month's
members as a set, kept as a compressed (Roaring) bitmap of their ids, for the whole partnership, each
organisation and each kind of service. A period's count is the size of the union of its months' and days' sets
and of the members of the parts worked out afresh, so a client seen on many days is counted once, and a year is
the union of a few dozen bitmaps however large the partnership."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from pyroaring import BitMap
from sqlalchemy import Index, LargeBinary, case, literal, or_, select, union, union_all
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from consult.models import Consultation
from core.accounts.models import Organisation, Person, ServiceType, TeamMembership
from core.database import Base
from formulations.models import Formulation, TemplateVersion
from supervision.models import Booking, GroupSeries, GroupSession, SeriesKind

from .daily import Span, within
from .rollups import (
    DAY,
    MONTH,
    StoredDays,
    _in_scope,
    _month_after,
    _partitions,
    _plan,
    _store,
    kind_in_scope,
    midnight,
    stored_ranges,
)


@dataclass(frozen=True)
class Members:
    """A family of sets: who is counted, by the time column `at`."""

    name: str
    at: object
    # A statement of (label, organisation id, member id) rows for the spans, under any conditions of the caller's.
    members: Callable[[list[Span], list], object]
    # The columns whose change moves a record's day; a change to any other column leaves it as it was.
    columns: tuple[str, ...]
    also: object = None  # another time column its members are counted by, in another table
    count: Callable[[BitMap], object] = len  # what a period's union of members gives: by default how many


class DailySet(StoredDays, Base):
    """One family's members for one day or month and one partition."""

    __tablename__ = "reach_daily_sets"
    __table_args__ = (Index("ix_reach_daily_sets_partition", "family", "bucket", "partition", "starts"),)

    members: Mapped[bytes] = mapped_column(LargeBinary)  # a Roaring bitmap, serialised


def pack(members: BitMap) -> bytes:
    return members.serialize()


def unpack(packed: bytes) -> BitMap:
    return BitMap.deserialize(packed)


def _clients(spans: list[Span], where: list):
    """Each client with a request raised in the spans, once a span and organisation, as the id of their first
    request (a client is their organisation's pseudonymised key, so they have one first request however many
    follow)."""
    label, inside = within(Consultation.created_at, spans)
    earlier = aliased(Consultation)
    first = (select(earlier.id).where(earlier.organisation_id == Consultation.organisation_id,
                                      earlier.client_key == Consultation.client_key)
             .order_by(earlier.created_at, earlier.id).limit(1).scalar_subquery())  # on the client's history index
    return (select(label, Consultation.organisation_id, first)
            .where(inside, Consultation.client_key.is_not(None), *where).distinct())


# Who was supported: staff who asked a question (counted by the request's organisation) or attended a group
# session (by the group's; a partnership-wide group by none), as themselves, their organisation or their teams.
def _as(who: str, query, person):
    """The query's rows with the person as themselves, as their organisation or as each of their teams."""
    if who == "organisation":
        return query.add_columns(Person.organisation_id).join(Person, Person.id == person)
    if who == "team":
        return query.add_columns(TeamMembership.team_id).join(TeamMembership, TeamMembership.person_id == person)
    return query.add_columns(person)


def _asked(spans: list[Span], who: str):
    label, inside = within(Consultation.created_at, spans)
    return _as(who, select(label, Consultation.organisation_id), Consultation.requester_id).where(inside)


def _attended(spans: list[Span], who: str):
    label, inside = within(GroupSession.starts_at, spans)
    query = (select(label, GroupSeries.organisation_id).select_from(GroupSession)
             .join(Booking, Booking.session_id == GroupSession.id)
             .join(GroupSeries, GroupSeries.id == GroupSession.series_id))
    return _as(who, query, Booking.person_id).where(inside, GroupSession.status == "scheduled",
                                                    Booking.attendance == "attended")


def _supported(who: str) -> Callable[[list[Span], list], object]:
    def members(spans: list[Span], where: list):
        """(A team lead's figures are worked out in reach.figures, so there are never conditions here.)"""
        return union(_asked(spans, who), _attended(spans, who))
    return members


def _attendees(spans: list[Span], where: list):
    return _attended(spans, "person").distinct()


def _templates(spans: list[Span], where: list):
    """The templates formulations were started from, by the author's organisation."""
    label, inside = within(Formulation.created_at, spans)
    return (select(label, Person.organisation_id, TemplateVersion.template_id).select_from(Formulation)
            .join(Person, Person.id == Formulation.author_id)
            .join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
            .where(inside, *where).distinct())


CLIENTS = Members("clients", Consultation.created_at, _clients, ("created_at", "organisation_id", "client_key"))
# Counted by their requests and by their sessions alike (reach.changes marks the days of either).
STAFF = Members("staff", Consultation.created_at, _supported("person"), ("created_at", "organisation_id", "requester_id"),
                also=GroupSession.starts_at)
ORGANISATIONS = Members("organisations", Consultation.created_at, _supported("organisation"), STAFF.columns,
                        also=GroupSession.starts_at)
TEAMS = Members("teams", Consultation.created_at, _supported("team"), STAFF.columns, also=GroupSession.starts_at)
ATTENDEES = Members("attendees", GroupSession.starts_at, _attendees, ("starts_at", "status", "series_id"))
SUPPORTED = (STAFF, ORGANISATIONS, TEAMS, ATTENDEES)  # their days move with a session's or a register's
# A clinic attendee is kept with their kind of service in the member's low bits, so one set gives both how many
# different people attended and how many of each kind.
KINDS_OF_SERVICE = [kind.value for kind in ServiceType]
KIND_BITS = 4


def _clinic_attended(who: str):
    def members(spans: list[Span], where: list):
        """Who attended a case clinic that went ahead, by the organisation the clinic is for: as themselves with
        their kind of service, or as their organisation. The spans' clinic sessions are found first
        (MATERIALIZED): joined in any order, SQLite read every booking to find them."""
        label, inside = within(GroupSession.starts_at, spans)
        held = (select(label.label("label"), GroupSession.id, GroupSeries.organisation_id)
                .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
                .where(inside, GroupSession.status == "scheduled", GroupSeries.kind == SeriesKind.CASE_CLINIC, *where)
                .cte(f"clinics_held_{who}").prefix_with("MATERIALIZED"))
        kind = case(*[(Organisation.service_type == k, n) for n, k in enumerate(KINDS_OF_SERVICE)],
                    else_=KINDS_OF_SERVICE.index(ServiceType.OTHER.value))
        member = Booking.person_id * (1 << KIND_BITS) + kind if who == "person" else Person.organisation_id
        return (select(held.c.label, held.c.organisation_id, member).select_from(held)
                .join(Booking, Booking.session_id == held.c.id)
                .join(Person, Person.id == Booking.person_id)
                .join(Organisation, Organisation.id == Person.organisation_id)
                .where(Booking.attendance == "attended").distinct())
    return members


def _people_by_kind(members: BitMap) -> tuple[int, dict[str, int]]:
    """How many different people, and how many of each kind of service, from members kept with their kind."""
    kinds: dict[str, int] = {}
    for member in members:
        kind = KINDS_OF_SERVICE[member & ((1 << KIND_BITS) - 1)]
        kinds[kind] = kinds.get(kind, 0) + 1
    return len({member >> KIND_BITS for member in members}), kinds


# Whatever moves the sessions held, and an attendee's move to another organisation, moves these (reach.changes).
CLINIC_ATTENDEES = Members("clinic_attendees", GroupSession.starts_at, _clinic_attended("person"),
                           ("starts_at", "status", "series_id"), count=_people_by_kind)
CLINIC_ORGANISATIONS = Members("clinic_orgs", GroupSession.starts_at, _clinic_attended("organisation"),
                               CLINIC_ATTENDEES.columns)
CLINIC_SETS = (CLINIC_ATTENDEES, CLINIC_ORGANISATIONS)
# An author's move to another organisation moves this too (reach.changes).
TEMPLATES = Members("templates", Formulation.created_at, _templates, ("created_at", "author_id", "template_version_id"))
FAMILIES = {family.name: family for family in (CLIENTS, *SUPPORTED, *CLINIC_SETS, TEMPLATES)}


# Rolling up.

def roll_up_day(session: Session, family: Members, day: date, kinds: dict[int, str]) -> None:
    ids: dict[str, list[int]] = {}
    for _, organisation_id, member in session.execute(
            family.members([(0, midnight(day), midnight(day + timedelta(days=1)))], [])):
        for partition in _partitions(organisation_id, kinds):
            ids.setdefault(partition, []).append(member)
    _store(session, DailySet, "members", family.name, DAY, day,
           {partition: pack(BitMap(members)) for partition, members in ids.items()})


def roll_up_month(session: Session, family: Members, month: date) -> None:
    """A month's members: the union of its days'."""
    days: dict[str, list[BitMap]] = {}
    for partition, packed in session.execute(
            select(DailySet.partition, DailySet.members).where(
                DailySet.family == family.name, DailySet.bucket == DAY, DailySet.starts >= month,
                DailySet.starts < _month_after(month))):
        days.setdefault(partition, []).append(unpack(packed))
    unions = {partition: BitMap.union(*bitmaps) for partition, bitmaps in days.items()}
    _store(session, DailySet, "members", family.name, MONTH, month,
           {partition: pack(members) for partition, members in unions.items()})


# Reading.

def counts(session: Session, families: list[Members], periods: dict[int, tuple[datetime, datetime]],
           kinds: dict[int, str], rolled_up: tuple[dict[str, date], dict[str, set[date]]],
           organisation_id: int | None = None, service_type: str | None = None) -> dict[str, dict[int, object]]:
    """How many different members each family has in each period (or what else its `count` gives), for an
    organisation, a kind of service or the whole partnership: the union of the stored sets where they hold the
    whole of a day or month, and of the members of the rest worked out afresh. Two statements for all the
    families."""
    through, out_of_date = rolled_up
    plans = {family.name: _plan(periods, through.get(family.name), out_of_date.get(family.name, set()))
             for family in families}
    parts: dict[tuple[str, int], list[BitMap]] = {}  # each family's and period's sets, to be joined
    if organisation_id and service_type and kinds.get(organisation_id) != service_type:
        return {family.name: dict.fromkeys(periods, family.count(BitMap())) for family in families}  # none of its kind
    partitions, _ = _in_scope(organisation_id, service_type)
    ranges, label_of = [], {}
    for family in families:
        family_ranges, labels = stored_ranges(DailySet, family.name, plans[family.name],
                                              lambda label: DailySet.partition.in_(partitions))
        ranges += family_ranges
        label_of.update({(family.name, *key): label for key, label in labels.items()})
    if ranges:
        for name, bucket, starts, packed in session.execute(
                select(DailySet.family, DailySet.bucket, DailySet.starts, DailySet.members).where(or_(*ranges))):
            parts.setdefault((name, label_of[(name, bucket, starts)]), []).append(unpack(packed))
    afresh_parts = [select(literal(family.name).label("family"), *part.subquery().c)
                    for family in families if plans[family.name].afresh
                    for part in [family.members(plans[family.name].afresh, [])]]
    ids: dict[tuple[str, int], list[int]] = {}
    for name, label, org, member in session.execute(union_all(*afresh_parts)) if afresh_parts else []:
        if kind_in_scope(org, kinds, organisation_id, service_type)[0]:
            ids.setdefault((name, label), []).append(member)
    for key, members in ids.items():
        parts.setdefault(key, []).append(BitMap(members))
    return {family.name: {label: family.count(BitMap.union(*parts.get((family.name, label), [BitMap()])))
                          for label in periods} for family in families}


def afresh(session: Session, family: Members, periods: dict[int, tuple[datetime, datetime]], where: list
           ) -> dict[int, int]:
    """How many different members each period has, from the records alone, under the caller's conditions (a
    team lead's teams)."""
    seen: dict[int, set[int]] = {label: set() for label in periods}
    for label, _, member in session.execute(
            family.members([(label, *bounds) for label, bounds in periods.items()], where)):
        seen[label].add(member)
    return {label: len(members) for label, members in seen.items()}
