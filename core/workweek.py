"""Response-target clocks counted in working hours (London time, England's bank holidays).

A target such as "2 working days" is a number of working seconds. Given the
moment the clock (re)starts and the working seconds still to run, `add_working_time`
finds the due moment; `working_seconds_between` measures the time used up.
Both walk London calendar days, so a 09:00–17:00 day is 09:00–17:00 in
both GMT and BST.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flask import current_app

from .bank_holidays import ENGLAND_AND_WALES
from .timeutil import LONDON, as_utc


@dataclass(frozen=True)
class WorkingWeek:
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday to Friday
    holidays: frozenset[date] = ENGLAND_AND_WALES

    @property
    def day_seconds(self) -> int:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).seconds

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of a London day, in UTC."""
        opens = datetime.combine(day, self.start, tzinfo=LONDON).astimezone(LONDON)
        closes = datetime.combine(day, self.end, tzinfo=LONDON).astimezone(LONDON)
        return as_utc(opens), as_utc(closes)


# Far enough for any target; stops a mis-set calendar from looping for ever.
MAX_DAYS = 3 * 366


def add_working_time(start: datetime, seconds: float, week: WorkingWeek) -> datetime:
    start = as_utc(start)
    remaining = timedelta(seconds=max(seconds, 0))
    day = start.astimezone(LONDON).date()
    for _ in range(MAX_DAYS):
        if week.is_working_day(day):
            opens, closes = week.window(day)
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("No working time found in the calendar")


def working_seconds_between(start: datetime, end: datetime, week: WorkingWeek) -> float:
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return 0.0
    total = timedelta(0)
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        if week.is_working_day(day):
            opens, closes = week.window(day)
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds()


DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def working_week() -> WorkingWeek:
    """The working week from configuration (WORKING_DAYS, WORKING_DAY_START, WORKING_DAY_END)."""
    config = current_app.config
    return _week(config["WORKING_DAYS"], config["WORKING_DAY_START"], config["WORKING_DAY_END"])


@lru_cache(maxsize=8)
def _week(days: str, start: str, end: str) -> WorkingWeek:
    return WorkingWeek(
        start=time.fromisoformat(start), end=time.fromisoformat(end),
        days=frozenset(DAY_NAMES.index(d.strip().lower()[:3]) for d in days.split(",") if d.strip()))
