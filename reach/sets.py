"""Distinct counts (how many different clients) from the daily roll-ups: each closed London day's and month's
members as a set, kept as a compressed bitmap (bit n set for member n), for the whole partnership, each
organisation and each kind of service. A period's count is the size of the union of its months' and days' sets
and of the members of the parts worked out afresh, so a client seen on many days is counted once, and a year is
the union of a few dozen bitmaps however large the partnership."""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import Date, Index, LargeBinary, String, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from consult.models import Consultation
from core.accounts.models import ServiceType
from core.database import Base

from .daily import Span, within
from .rollups import DAY, MONTH, _in_scope, _month_after, _partitions, _plan, _store, midnight, stored_ranges


@dataclass(frozen=True)
class Members:
    """A family of sets: who is counted, by the time column `at`."""

    name: str
    at: object
    # Rows of (label, organisation id, member id) for the spans, under any conditions of the caller's.
    members: Callable[[Session, list[Span], list], list]
    # The columns whose change moves a record's day; a change to any other column leaves it as it was.
    columns: tuple[str, ...]


class DailySet(Base):
    """One family's members for one day or month and one partition ("all", "org:12", "kind:pharmacy")."""

    __tablename__ = "reach_daily_sets"
    # Read by partition before date, as the sums are (reach.rollups.DailyFigures).
    __table_args__ = (Index("ix_reach_daily_sets_partition", "family", "bucket", "partition", "starts"),)

    family: Mapped[str] = mapped_column(String(20), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(1), primary_key=True)
    starts: Mapped[date] = mapped_column(Date, primary_key=True)
    partition: Mapped[str] = mapped_column(String(40), primary_key=True)
    members: Mapped[bytes] = mapped_column(LargeBinary)  # zlib of the bitmap's bytes, least significant first


def bitmap(ids) -> int:
    """The set of ids as an integer with bit n set for id n (set byte by byte: or-ing big integers one id at a
    time would copy the whole set for each)."""
    ids = list(ids)
    if not ids:
        return 0
    bits = bytearray(max(ids) // 8 + 1)
    for n in ids:
        bits[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(bits, "little")


def pack(members: int) -> bytes:
    return zlib.compress(members.to_bytes((members.bit_length() + 7) // 8, "little"))


def unpack(packed: bytes) -> int:
    return int.from_bytes(zlib.decompress(packed), "little")


def _clients(session: Session, spans: list[Span], where: list) -> list:
    """Each client with a request raised in the spans, once a span and organisation, as the id of their first
    request (a client is their organisation's pseudonymised key, so they have one first request however many
    follow)."""
    label, inside = within(Consultation.created_at, spans)
    earlier = aliased(Consultation)
    first = (select(earlier.id).where(earlier.organisation_id == Consultation.organisation_id,
                                      earlier.client_key == Consultation.client_key)
             .order_by(earlier.created_at, earlier.id).limit(1).scalar_subquery())  # on the client's history index
    return session.execute(select(label, Consultation.organisation_id, first)
                           .where(inside, Consultation.client_key.is_not(None), *where).distinct()).all()


CLIENTS = Members("clients", Consultation.created_at, _clients, ("created_at", "organisation_id", "client_key"))
FAMILIES = {CLIENTS.name: CLIENTS}


# Rolling up.

def roll_up_day(session: Session, family: Members, day: date, kinds: dict[int, str]) -> None:
    ids: dict[str, list[int]] = {}
    for _, organisation_id, member in family.members(session, [(0, midnight(day), midnight(day + timedelta(days=1)))],
                                                     []):
        for partition in _partitions(organisation_id, kinds):
            ids.setdefault(partition, []).append(member)
    _store(session, DailySet, "members", family.name, DAY, day,
           {partition: pack(bitmap(members)) for partition, members in ids.items()})


def roll_up_month(session: Session, family: Members, month: date) -> None:
    """A month's members: the union of its days'."""
    unions: dict[str, int] = {}
    for partition, packed in session.execute(
            select(DailySet.partition, DailySet.members).where(
                DailySet.family == family.name, DailySet.bucket == DAY, DailySet.starts >= month,
                DailySet.starts < _month_after(month))):
        unions[partition] = unions.get(partition, 0) | unpack(packed)
    _store(session, DailySet, "members", family.name, MONTH, month,
           {partition: pack(members) for partition, members in unions.items()})


# Reading.

def count(session: Session, family: Members, periods: dict[int, tuple[datetime, datetime]], kinds: dict[int, str],
          rolled_up: tuple[dict[str, date], dict[str, set[date]]], organisation_id: int | None = None,
          service_type: str | None = None) -> dict[int, int]:
    """How many different members each period has, for an organisation, a kind of service or the whole
    partnership: the union of the stored sets where they hold the whole of a day or month (one statement), and
    of the members of the rest worked out afresh (one statement, if there is any)."""
    through, out_of_date = rolled_up
    plan = _plan(periods, through.get(family.name), out_of_date.get(family.name, set()))
    unions = dict.fromkeys(periods, 0)
    if organisation_id and service_type and kinds.get(organisation_id) != service_type:
        return unions  # an organisation of another kind: nobody
    partitions, _ = _in_scope(organisation_id, service_type)
    ranges, label_of = stored_ranges(DailySet, family.name, plan, lambda label: DailySet.partition.in_(partitions))
    if ranges:
        for bucket, starts, packed in session.execute(
                select(DailySet.bucket, DailySet.starts, DailySet.members).where(or_(*ranges))):
            unions[label_of[(bucket, starts)]] |= unpack(packed)
    if plan.afresh:
        ids: dict[int, list[int]] = {}
        for label, org, member in family.members(session, plan.afresh, []):
            kind = kinds.get(org, ServiceType.OTHER.value)
            if (organisation_id and org != organisation_id) or (service_type and kind != service_type):
                continue
            ids.setdefault(label, []).append(member)
        for label, members in ids.items():
            unions[label] |= bitmap(members)
    return {label: members.bit_count() for label, members in unions.items()}


def afresh(session: Session, family: Members, periods: dict[int, tuple[datetime, datetime]], where: list
           ) -> dict[int, int]:
    """How many different members each period has, from the records alone, under the caller's conditions (a
    team lead's teams)."""
    seen: dict[int, set[int]] = {label: set() for label in periods}
    for label, _, member in family.members(session, [(label, *bounds) for label, bounds in periods.items()], where):
        seen[label].add(member)
    return {label: len(members) for label, members in seen.items()}
