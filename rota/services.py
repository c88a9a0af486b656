"""Turning duty patterns into concrete duty slots, and the changes that win over a pattern.

Slots are made a rolling window ahead by a scheduler sweep. Local wall-clock
times are kept: a 09:00–17:00 duty is 09:00–17:00 in London in both GMT and BST.
Editing a pattern changes future slots only; leave cancels the slots it covers;
one-off cover adds slots of its own.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.database import with_row_locks
from core.refusals import Refused
from core.timeutil import LONDON, as_utc, utcnow

from .models import DutyPattern, DutySlot, Leave, SlotKind, SlotStatus

WINDOW_DAYS = 56  # eight weeks ahead
HANDED_OVER = ("swapped", "overridden")


class RotaRefused(Refused):
    """A change to the rota that cannot happen; the message is shown to the person."""


# What happens elsewhere when someone's leave has begun (consultations pass on the requests they hold): each
# listener takes (session, person, why, now) and returns how many things it passed on.
_AWAY_LISTENERS: list = []


def when_away(listener) -> None:
    if listener not in _AWAY_LISTENERS:
        _AWAY_LISTENERS.append(listener)


def someone_away(session: Session, person, why: str, now: datetime) -> int:
    return sum(listener(session, person, why, now) for listener in _AWAY_LISTENERS)


def local_span(day: date, start: str, end: str) -> tuple[datetime, datetime]:
    """A London wall-clock span on a day, in UTC (an end at or before the start runs past midnight)."""
    starts = datetime.combine(day, time.fromisoformat(start), tzinfo=LONDON)
    end_day = day if time.fromisoformat(end) > time.fromisoformat(start) else day + timedelta(days=1)
    ends = datetime.combine(end_day, time.fromisoformat(end), tzinfo=LONDON)
    return as_utc(starts), as_utc(ends)


def pattern_days(pattern: DutyPattern, first: date, last: date) -> list[date]:
    days = []
    day = max(first, pattern.starts_on)
    final = min(last, pattern.ends_on) if pattern.ends_on else last
    while day <= final:
        weeks = (day - pattern.starts_on).days // 7
        if day.weekday() in pattern.weekday_list and weeks % pattern.every_weeks == 0:
            days.append(day)
        day += timedelta(days=1)
    return days


def on_leave_days(session: Session, psychologist_id: int, first: date, last: date) -> set[date]:
    days = set()
    for leave in session.scalars(select(Leave).where(Leave.psychologist_id == psychologist_id,
                                                     Leave.ends_on >= first, Leave.starts_on <= last)):
        day = max(leave.starts_on, first)
        while day <= min(leave.ends_on, last):
            days.add(day)
            day += timedelta(days=1)
    return days


def materialise(session: Session, now: datetime | None = None, days: int = WINDOW_DAYS) -> int:
    """Make the slots every pattern asks for over the window ahead. Safe to run again: returns how many were new."""
    now = now or utcnow()
    first = now.astimezone(LONDON).date()
    last = first + timedelta(days=days)
    made = 0
    for pattern in session.scalars(select(DutyPattern)):
        # One duty per pattern per day: a day that already has one (even if it started under
        # an earlier version of the pattern, or was cancelled) is left as it is.
        existing = {starts.astimezone(LONDON).date() for starts in session.scalars(
            select(DutySlot.starts_at).where(DutySlot.pattern_id == pattern.id,
                                             DutySlot.starts_at >= as_utc(datetime.combine(first, time(0), LONDON))))}
        leave = on_leave_days(session, pattern.psychologist_id, first, last)
        for day in pattern_days(pattern, first, last):
            starts, ends = local_span(day, pattern.start_time, pattern.end_time)
            if day in existing or ends <= now:
                continue
            session.add(DutySlot(psychologist_id=pattern.psychologist_id, pattern_id=pattern.id, kind=SlotKind.PATTERN,
                                 starts_at=starts, ends_at=ends, capacity=pattern.daily_capacity,
                                 status=SlotStatus.CANCELLED if day in leave else SlotStatus.ACTIVE,
                                 cancelled_reason="leave" if day in leave else None, updated_at=now))
            made += 1
    session.flush()
    return made


def replace_future_slots(session: Session, pattern: DutyPattern, now: datetime | None = None) -> None:
    """After a pattern changes, bring its slots not yet started into line; past slots stay as they were.

    Slots are changed or cancelled rather than deleted, so calendar feeds can
    show an update (SEQUENCE raised) or a cancellation.
    """
    now = now or utcnow()
    first = now.astimezone(LONDON).date()
    leave = on_leave_days(session, pattern.psychologist_id, first, first + timedelta(days=WINDOW_DAYS))
    wanted = {}
    for day in pattern_days(pattern, first, first + timedelta(days=WINDOW_DAYS)):
        starts, ends = local_span(day, pattern.start_time, pattern.end_time)
        wanted[starts] = (ends, day in leave)
    for slot in session.scalars(select(DutySlot).where(DutySlot.pattern_id == pattern.id, DutySlot.starts_at > now)):
        if slot.cancelled_reason in HANDED_OVER:
            wanted.pop(slot.starts_at, None)  # a swap or override wins over the pattern
            continue
        if slot.starts_at not in wanted:
            _cancel(slot, "pattern changed", now)
            continue
        ends, on_leave = wanted.pop(slot.starts_at)
        status = SlotStatus.CANCELLED if on_leave else SlotStatus.ACTIVE
        if (slot.ends_at, slot.capacity, slot.status) != (ends, pattern.daily_capacity, status):
            slot.ends_at, slot.capacity, slot.status = ends, pattern.daily_capacity, status
            slot.cancelled_reason = "leave" if on_leave else None
            slot.sequence += 1
            slot.updated_at = now
    for starts, (ends, on_leave) in wanted.items():
        if starts > now:
            session.add(DutySlot(psychologist_id=pattern.psychologist_id, pattern_id=pattern.id, kind=SlotKind.PATTERN,
                                 starts_at=starts, ends_at=ends, capacity=pattern.daily_capacity,
                                 status=SlotStatus.CANCELLED if on_leave else SlotStatus.ACTIVE,
                                 cancelled_reason="leave" if on_leave else None, updated_at=now))
    session.flush()


def _cancel(slot: DutySlot, reason: str, now: datetime) -> None:
    if slot.status != SlotStatus.CANCELLED:
        slot.status = SlotStatus.CANCELLED
        slot.cancelled_reason = reason
        slot.sequence += 1
        slot.updated_at = now


PATTERN_FIELDS = ("start_time", "end_time", "every_weeks", "starts_on", "ends_on", "daily_capacity")


def _fill_pattern(pattern: DutyPattern, data: dict, now: datetime) -> None:
    pattern.weekdays = ",".join(sorted(data["weekdays"]))
    for name in PATTERN_FIELDS:
        setattr(pattern, name, data[name])
    pattern.updated_at = now


def add_pattern(session: Session, psychologist_id: int, data: dict,
                now: datetime | None = None) -> tuple[DutyPattern, int]:
    """A recurring duty, and its duties over the weeks ahead; returns the pattern and how many duties it made."""
    now = now or utcnow()
    pattern = DutyPattern(psychologist_id=psychologist_id, created_at=now)
    _fill_pattern(pattern, data, now)
    session.add(pattern)
    session.flush()
    made = materialise(session, now)
    audit.record(session, "rota.pattern_added", "duty_pattern", pattern.id, slots=made)
    return pattern, made


def change_pattern(session: Session, pattern: DutyPattern, data: dict, now: datetime | None = None) -> None:
    """Duties already started stay as they were; the rest follow the changed pattern."""
    now = now or utcnow()
    _fill_pattern(pattern, data, now)
    replace_future_slots(session, pattern, now)
    audit.record(session, "rota.pattern_changed", "duty_pattern", pattern.id)


def end_pattern(session: Session, pattern: DutyPattern, now: datetime | None = None) -> None:
    """The pattern ends today: its duties after today are cancelled."""
    now = now or utcnow()
    pattern.ends_on = now.astimezone(LONDON).date()
    replace_future_slots(session, pattern, now)
    audit.record(session, "rota.pattern_ended", "duty_pattern", pattern.id)


class LeaveRecorded(NamedTuple):
    leave: Leave
    passed_on: int  # open requests passed on at once, because the leave has begun


def record_leave(session: Session, psychologist_id: int, starts_on: date, ends_on: date,
                 now: datetime | None = None) -> LeaveRecorded:
    """Leave removes the person from every slot it covers (calendar feeds show them cancelled). Leave that has
    begun already passes on what they hold now; later leave does so on its first day (a sweep)."""
    now = now or utcnow()
    leave = Leave(psychologist_id=psychologist_id, starts_on=starts_on, ends_on=ends_on, created_at=now)
    session.add(leave)
    first = as_utc(datetime.combine(starts_on, time(0), LONDON))
    after = as_utc(datetime.combine(ends_on + timedelta(days=1), time(0), LONDON))
    for slot in session.scalars(select(DutySlot).where(DutySlot.psychologist_id == psychologist_id,
                                                       DutySlot.starts_at >= first, DutySlot.starts_at < after,
                                                       DutySlot.status == SlotStatus.ACTIVE)):
        _cancel(slot, "leave", now)
    session.flush()
    audit.record(session, "rota.leave_recorded", "person", psychologist_id, starts_on=starts_on, ends_on=ends_on)
    passed_on = 0
    if starts_on <= now.astimezone(LONDON).date() <= ends_on:
        away = session.get(Person, psychologist_id)
        passed_on = someone_away(session, away, f"{away.name} is on leave.", now)
    return LeaveRecorded(leave, passed_on)


def add_cover(session: Session, psychologist_id: int, day: date, start: str, end: str, capacity: int,
              now: datetime | None = None) -> DutySlot:
    now = now or utcnow()
    starts, ends = local_span(day, start, end)
    slot = DutySlot(psychologist_id=psychologist_id, pattern_id=None, kind=SlotKind.COVER, starts_at=starts, ends_at=ends,
                    capacity=capacity, status=SlotStatus.ACTIVE, updated_at=now)
    session.add(slot)
    session.flush()
    audit.record(session, "rota.cover_added", "duty_slot", slot.id)
    return slot


def on_duty(session: Session, now: datetime | None = None, lock: bool = False) -> list[DutySlot]:
    """The active slots covering this moment."""
    now = now or utcnow()
    query = (select(DutySlot).where(DutySlot.status == SlotStatus.ACTIVE, DutySlot.starts_at <= now, DutySlot.ends_at > now)
             .order_by(DutySlot.psychologist_id, DutySlot.id))
    return list(session.scalars(with_row_locks(session, query) if lock else query))


def next_duty_start(session: Session, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    return session.scalar(select(DutySlot.starts_at).where(DutySlot.status == SlotStatus.ACTIVE, DutySlot.starts_at > now)
                          .order_by(DutySlot.starts_at).limit(1))


def cancel_pattern_future(session: Session, pattern: DutyPattern, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(update(DutySlot).where(DutySlot.pattern_id == pattern.id, DutySlot.starts_at > now,
                                           DutySlot.status == SlotStatus.ACTIVE)
                    .values(status=SlotStatus.CANCELLED, cancelled_reason="pattern ended", sequence=DutySlot.sequence + 1,
                            updated_at=now))


# --- Swaps and overrides: both win over the pattern --------------------------------------

def hand_over(session: Session, slot: DutySlot, to_id: int, kind: str, reason: str,
              now: datetime | None = None) -> DutySlot:
    """Give a duty to someone else: the old one shows as cancelled, the new one is theirs.

    The new slot belongs to no pattern, so later pattern edits leave it alone.
    """
    now = now or utcnow()
    _cancel(slot, reason, now)
    new = DutySlot(psychologist_id=to_id, pattern_id=None, kind=kind, starts_at=slot.starts_at, ends_at=slot.ends_at,
                   capacity=slot.capacity, status=SlotStatus.ACTIVE, updated_at=now)
    session.add(new)
    session.flush()
    return new


def cancel_slot(session: Session, slot: DutySlot, reason: str, now: datetime | None = None) -> None:
    _cancel(slot, reason, now or utcnow())


def cancel_remaining_duties(session: Session, psychologist_id: int, reason: str, now: datetime | None = None) -> int:
    """Take someone who has left off every duty not yet over, so the coverage view shows the gap they leave."""
    now = now or utcnow()
    slots = session.scalars(select(DutySlot).where(DutySlot.psychologist_id == psychologist_id,
                                                   DutySlot.status == SlotStatus.ACTIVE, DutySlot.ends_at > now)).all()
    for slot in slots:
        _cancel(slot, reason, now)
    return len(slots)


# --- Gaps in cover ------------------------------------------------------------------------------

def uncovered_spans(session: Session, week, now: datetime | None = None, days: int = 14) -> list[tuple[datetime, datetime]]:
    """Working hours in the next `days` with nobody on duty, joined into spans."""
    now = now or utcnow()
    first = now.astimezone(LONDON).date()
    last = first + timedelta(days=days)
    horizon_start = as_utc(datetime.combine(first, time(0), LONDON))
    horizon_end = as_utc(datetime.combine(last + timedelta(days=1), time(0), LONDON))
    busy = session.execute(select(DutySlot.starts_at, DutySlot.ends_at).where(
        DutySlot.status == SlotStatus.ACTIVE, DutySlot.ends_at > horizon_start, DutySlot.starts_at < horizon_end)).all()
    spans: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        if week.is_working_day(day):
            opens, closes = week.window(day)
            cursor = opens
            hour = timedelta(hours=1)
            while cursor < closes:
                step_end = min(cursor + hour, closes)
                covered = any(s <= cursor and e >= step_end for s, e in busy)
                if not covered and step_end > now:
                    if spans and spans[-1][1] == cursor:
                        spans[-1] = (spans[-1][0], step_end)
                    else:
                        spans.append((max(cursor, now), step_end))
                cursor = step_end
        day += timedelta(days=1)
    return spans
