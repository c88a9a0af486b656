"""Daily roll-ups of the reach figures, so a year's figures are read from a few hundred small rows instead of
a year of records.

Each family's sums (reach.daily) are stored for every closed London day, and again for every month, for the
whole partnership, each organisation and each kind of service. A page reads the whole months and days it can
and works out the rest as it always did: the days not yet rolled up (today, say), the edges of a period that do
not start or end at midnight, and any day a later change has marked as out of date.

The roll-ups are kept up to date three ways. The scheduler rolls up each day once it has closed. A change to a
record that moves a closed day's figures (advice given today on yesterday's request, a survey answered after the
request closed) marks that day out of date in the same transaction, and pages work it out afresh until the
scheduler rolls it up again. A change to an organisation's kind of service drops every family's roll-ups, to be
rolled up again from the start. `flask reach roll-up --from-scratch` does that by hand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import Date, Index, Integer, String, Text, and_, delete, insert, literal, or_, select, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.accounts.models import Organisation, ServiceType
from core.database import Base
from core.timeutil import LONDON

from .daily import FAMILIES, Family, Span

MONTH, DAY = "m", "d"
WHOLE = "all"
KINDS = [f"kind:{kind.value}" for kind in ServiceType]
DAYS_PER_SWEEP = 400  # a first roll-up of five years takes a few sweeps, so no one sweep holds the database long
# A day is rolled up only this long after its midnight: a change made just before midnight marks nothing (its day
# is still open) and must have been committed by the time its day is read.
SETTLING = timedelta(minutes=10)


class StoredDays:
    """What a stored value is for: one family, one day ("d") or month ("m") by its first day, and one
    partition: the whole partnership ("all"), an organisation ("org:12") or a kind of service
    ("kind:pharmacy"). A page reads a few partitions of a run of days, so each table is indexed by partition
    before date too: it seeks each partition's run instead of reading every organisation's row of every day."""

    family: Mapped[str] = mapped_column(String(20), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(1), primary_key=True)
    starts: Mapped[date] = mapped_column(Date, primary_key=True)
    partition: Mapped[str] = mapped_column(String(40), primary_key=True)


class DailyFigures(StoredDays, Base):
    """One family's sums for one day or month and one partition."""

    __tablename__ = "reach_daily_figures"
    __table_args__ = (Index("ix_reach_daily_figures_partition", "family", "bucket", "partition", "starts"),)

    body: Mapped[str] = mapped_column(Text)  # the sums, as a JSON list


class RolledUpThrough(Base):
    """Every day before `through` is rolled up for the family (a day with no records has no rows: zero)."""

    __tablename__ = "reach_rolled_up_through"

    family: Mapped[str] = mapped_column(String(20), primary_key=True)
    through: Mapped[date] = mapped_column(Date)


class OutOfDateDay(Base):
    """A closed day whose records changed after it was rolled up. `generation` counts the changes, so the
    scheduler clears only a mark that no change has renewed while it worked the day out."""

    __tablename__ = "reach_out_of_date_days"

    family: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _month_after(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _partitions(organisation_id: int | None, kinds: dict[int, str]) -> list[str]:
    if organisation_id is None:
        return [WHOLE]
    return [WHOLE, f"org:{organisation_id}", f"kind:{kinds.get(organisation_id, ServiceType.OTHER.value)}"]


def _add_into(totals: dict, key, values) -> None:
    held = totals.get(key)
    totals[key] = [float(v or 0) for v in values] if held is None else [a + float(b or 0) for a, b in zip(held, values)]


# Rolling up.

def kinds_of_service(session: Session) -> dict[int, str]:
    """Each organisation's kind of service, by its id."""
    return dict(session.execute(select(Organisation.id, Organisation.service_type)).all())


def _store(session: Session, model, column: str, family: str, bucket: str, starts: date, values: dict) -> None:
    """One day's or month's stored values for a family (in `model`'s `column`), by partition, in place of any
    stored before."""
    session.execute(delete(model).where(model.family == family, model.bucket == bucket, model.starts == starts))
    if values:
        session.execute(insert(model), [{"family": family, "bucket": bucket, "starts": starts, "partition": partition,
                                         column: value} for partition, value in values.items()])


def roll_up_day(session: Session, family: Family, day: date, kinds: dict[int, str]) -> None:
    sums: dict[str, list] = {}
    for _, organisation_id, *values in family.sums(session, [(0, midnight(day), midnight(day + timedelta(days=1)))], []):
        for partition in _partitions(organisation_id, kinds):
            _add_into(sums, partition, values)
    _store(session, DailyFigures, "body", family.name, DAY, day,
           {partition: json.dumps(values) for partition, values in sums.items()})


def roll_up_month(session: Session, family: Family, month: date) -> None:
    """A month's sums, added up from its days' (each already split by partition)."""
    sums: dict[str, list] = {}
    for partition, body in session.execute(
            select(DailyFigures.partition, DailyFigures.body).where(
                DailyFigures.family == family.name, DailyFigures.bucket == DAY, DailyFigures.starts >= month,
                DailyFigures.starts < _month_after(month))):
        _add_into(sums, partition, json.loads(body))
    _store(session, DailyFigures, "body", family.name, MONTH, month,
           {partition: json.dumps(values) for partition, values in sums.items()})


def families() -> list:
    """The families of sums, and the families of sets (reach.sets, which builds on this module's days)."""
    from . import sets
    return [*FAMILIES.values(), *sets.FAMILIES.values()]


def _roll_up_days(session: Session, family, days: list[date], kinds: dict[int, str]) -> None:
    """The days' sums or sets, then their months'."""
    from . import sets
    day_of, month_of = (roll_up_day, roll_up_month) if isinstance(family, Family) else (sets.roll_up_day,
                                                                                       sets.roll_up_month)
    for day in days:
        day_of(session, family, day, kinds)
    for month in sorted({_month_of(day) for day in days}):
        month_of(session, family, month)


def _first_day(session: Session, family, today: date) -> date:
    """The day of the family's first record (by either of its time columns, for a family that has two)."""
    days = [today]
    for at in (family.at, getattr(family, "also", None)):
        first = session.scalar(select(at).order_by(at).where(at.is_not(None)).limit(1)) if at is not None else None
        if first is not None:
            days.append(london_day(first))
    return min(days)


def roll_up(session: Session, now: datetime, limit: int = DAYS_PER_SWEEP) -> int:
    """Roll up the days that have closed and the days marked out of date, up to `limit` days in all; returns
    how many. Run again until it returns 0 to catch up completely."""
    today, kinds, done = london_day(now - SETTLING), kinds_of_service(session), 0
    for family in families():
        state = session.get(RolledUpThrough, family.name)
        if state is None:
            state = RolledUpThrough(family=family.name, through=_first_day(session, family, today))
            session.add(state)
        marks = session.execute(select(OutOfDateDay.day, OutOfDateDay.generation).where(
            OutOfDateDay.family == family.name).order_by(OutOfDateDay.day).limit(max(0, limit - done))).all()
        days = [day for day, _ in marks if day < state.through]
        closing = []
        while state.through + timedelta(days=len(closing)) < today and done + len(days) + len(closing) < limit:
            closing.append(state.through + timedelta(days=len(closing)))
        _roll_up_days(session, family, days + closing, kinds)
        if closing:
            state.through = closing[-1] + timedelta(days=1)
        for day, generation in marks:
            session.execute(delete(OutOfDateDay).where(OutOfDateDay.family == family.name, OutOfDateDay.day == day,
                                                       OutOfDateDay.generation == generation))
        done += len(days) + len(closing)
        session.flush()
    return done


def from_scratch(session: Session) -> None:
    """Forget every roll-up, so that the next sweeps roll every day up again (pages work them out meanwhile)."""
    from .sets import DailySet
    for model in (DailyFigures, DailySet, RolledUpThrough, OutOfDateDay):
        session.execute(delete(model))


# Reading.

@dataclass
class Plan:
    """Which parts of the periods come from the roll-ups and which are worked out afresh."""

    months: list[tuple[int, date]] = field(default_factory=list)  # (period, month)
    days: list[tuple[int, date]] = field(default_factory=list)
    afresh: list[Span] = field(default_factory=list)


def _plan(periods: dict[int, tuple[datetime, datetime]], through: date | None, out_of_date: set[date]) -> Plan:
    plan = Plan()
    for label, (start, end) in periods.items():
        first, last = london_day(start), london_day(end)  # whole days [first, last)
        if midnight(first) < start:
            first += timedelta(days=1)
        if first >= last or through is None:
            plan.afresh.append((label, start, end))
            continue
        if start < midnight(first):
            plan.afresh.append((label, start, midnight(first)))
        day = first
        while day < last:
            month = _month_of(day)
            month_end = _month_after(month)
            if day == month and month_end <= min(last, through) and not any(
                    month <= d < month_end for d in out_of_date):
                plan.months.append((label, month))
                day = month_end
            elif day < through and day not in out_of_date:
                plan.days.append((label, day))
                day += timedelta(days=1)
            else:
                plan.afresh.append((label, midnight(day), midnight(day + timedelta(days=1))))
                day += timedelta(days=1)
        if midnight(last) < end:
            plan.afresh.append((label, midnight(last), end))
    plan.afresh = _joined(plan.afresh)
    return plan


def _joined(spans: list[Span]) -> list[Span]:
    """Adjacent spans of the same period as one, so the records are read in as few ranges as possible."""
    joined: list[Span] = []
    for label, start, end in spans:
        if joined and joined[-1][0] == label and joined[-1][2] == start:
            joined[-1] = (label, joined[-1][1], end)
        else:
            joined.append((label, start, end))
    return joined


@dataclass
class Sums:
    """One family's sums for each period: for the scope as a whole, and by kind of service."""

    scope: dict[int, list] = field(default_factory=dict)
    kinds: dict[int, dict[str, list]] = field(default_factory=dict)

    def add(self, label: int, kind: str | None, values) -> None:
        if kind is None:
            _add_into(self.scope, label, values)
        else:
            _add_into(self.kinds.setdefault(label, {}), kind, values)


def state(session: Session) -> tuple[dict[str, date], dict[str, set[date]]]:
    """How far each family is rolled up, and its days marked out of date. One statement."""
    through: dict[str, date] = {}
    out_of_date: dict[str, set[date]] = {}
    for what, family, day in session.execute(union_all(
            select(literal("through"), RolledUpThrough.family, RolledUpThrough.through),
            select(literal("out of date"), OutOfDateDay.family, OutOfDateDay.day))):
        if what == "through":
            through[family] = day
        else:
            out_of_date.setdefault(family, set()).add(day)
    return through, out_of_date


def _in_scope(organisation_id: int | None, service_type: str | None) -> tuple[list[str], bool]:
    """The stored partition that holds the scope's figures, and whether the kinds of service are stored too."""
    if organisation_id:
        return [f"org:{organisation_id}"], False
    if service_type:
        return [f"kind:{service_type}"], False
    return [WHOLE], True


def sums(session: Session, wanted: dict[Family, dict[int, tuple[datetime, datetime]]], kinds: dict[int, str],
         rolled_up: tuple[dict[str, date], dict[str, set[date]]], organisation_id: int | None = None,
         service_type: str | None = None, by_kind: dict[Family, int] | None = None) -> dict[str, Sums]:
    """Each family's sums for the periods wanted of it, for an organisation, a kind of service or the whole
    partnership, and for the families in `by_kind`, their period it labels by kind of service too (reading the
    kinds' stored rows only where they are wanted: most of the rows there are): from the roll-ups where they
    hold the whole of a day or month (one statement for all the families), and worked out afresh for the rest
    (one statement per family that has any)."""
    through, out_of_date = rolled_up
    families = list(wanted)
    plans = {family.name: _plan(periods, through.get(family.name), out_of_date.get(family.name, set()))
             for family, periods in wanted.items()}
    results = {family.name: Sums() for family in families}
    if organisation_id and service_type and kinds.get(organisation_id) != service_type:
        return results  # an organisation of another kind: nothing
    _read_stored(session, plans, results, kinds, organisation_id, service_type,
                 {family.name: label for family, label in (by_kind or {}).items()})
    for family in families:
        if plans[family.name].afresh:
            _add_rows(results[family.name], family.sums(session, plans[family.name].afresh, []), kinds,
                      organisation_id, service_type)
    return results


def afresh(session: Session, family: Family, periods: dict[int, tuple[datetime, datetime]], kinds: dict[int, str],
           where: list) -> Sums:
    """The family's sums for each period worked out from the records alone, under conditions of the caller's
    (a team lead's teams, whose own records are few however large the partnership)."""
    result = Sums()
    _add_rows(result, family.sums(session, [(label, *bounds) for label, bounds in periods.items()], where), kinds)
    return result


def kind_in_scope(org: int | None, kinds: dict[int, str], organisation_id: int | None,
                  service_type: str | None) -> tuple[bool, str | None]:
    """Whether a record of the organisation passes the organisation and kind-of-service filters, and its kind of
    service (none for a partnership-wide record, which is no one kind's, as the stored partitions have it)."""
    kind = kinds.get(org, ServiceType.OTHER.value) if org is not None else None
    return not ((organisation_id and org != organisation_id) or (service_type and kind != service_type)), kind


def _add_rows(result: Sums, rows, kinds: dict[int, str], organisation_id: int | None = None,
              service_type: str | None = None) -> None:
    for label, org, *values in rows:
        passes, kind = kind_in_scope(org, kinds, organisation_id, service_type)
        if not passes:
            continue
        result.add(label, None, values)
        if kind is not None:
            result.add(label, kind, values)


def stored_ranges(model, family: str, plan: Plan, partitions: Callable[[int], object]) -> tuple[list, dict]:
    """Conditions on `model` that read the family's months and days in the plan, one for each period and
    bucket (`partitions` gives the condition on the partition for a period's label), and the period that each
    (bucket, starts) belongs to. Each lists its months or days, so a statement is a handful of conditions
    however many runs of days there are: quick to build, and its compiled form reused."""
    ranges = []
    for label in sorted({label for label, _ in plan.months + plan.days}):
        for bucket, items in ((MONTH, plan.months), (DAY, plan.days)):
            if chosen := [starts for item_label, starts in items if item_label == label]:
                ranges.append(and_(model.family == family, model.bucket == bucket, partitions(label),
                                   model.starts.in_(chosen)))
    label_of = {(bucket, starts): label for bucket, items in ((MONTH, plan.months), (DAY, plan.days))
                for label, starts in items}
    return ranges, label_of


def _read_stored(session: Session, plans: dict[str, Plan], results: dict[str, Sums], kinds: dict[int, str],
                 organisation_id: int | None, service_type: str | None, by_kind: dict[str, int]) -> None:
    scope_partitions, with_kinds = _in_scope(organisation_id, service_type)
    partition = DailyFigures.partition
    ranges, label_of = [], {}
    for family, plan in plans.items():
        family_ranges, labels = stored_ranges(DailyFigures, family, plan, lambda label, split=by_kind.get(family): (
            partition.in_(scope_partitions + (KINDS if with_kinds and label == split else []))))
        ranges += family_ranges
        label_of.update({(family, *key): label for key, label in labels.items()})
    if not ranges:
        return
    for family, bucket, starts, stored, body in session.execute(
            select(DailyFigures.family, DailyFigures.bucket, DailyFigures.starts, partition, DailyFigures.body)
            .where(or_(*ranges))):
        label, values, result = label_of[(family, bucket, starts)], json.loads(body), results[family]
        if stored in scope_partitions:
            result.add(label, None, values)
        if organisation_id:
            result.add(label, kinds.get(organisation_id, ServiceType.OTHER.value), values)
        elif stored.startswith("kind:"):
            result.add(label, stored.removeprefix("kind:"), values)
