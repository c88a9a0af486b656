"""When a series' sessions fall: weekly every N weeks, or monthly on the Nth weekday, in the series' time zone."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.timeutil import as_utc


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The Nth weekday of a month (nth=-1 for the last one), or None if the month has no such day."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if 1 <= nth <= len(days) else None


def occurrence_dates(series, until: date) -> list[date]:
    """Every date the rule gives from the series' start, up to `until`, its end date or its count."""
    dates: list[date] = []
    final = min(until, series.ends_on) if series.ends_on else until
    if series.frequency == "monthly":
        year, month = series.starts_on.year, series.starts_on.month
        while True:
            day = nth_weekday(year, month, series.weekday, series.nth)
            if day is not None and day >= series.starts_on:
                if day > final or (series.session_count and len(dates) >= series.session_count):
                    break
                dates.append(day)
            month += 1
            if month > 12:
                year, month = year + 1, 1
            if date(year, month, 1) > final:
                break
    else:
        day = series.starts_on + timedelta(days=(series.weekday - series.starts_on.weekday()) % 7)
        while day <= final and not (series.session_count and len(dates) >= series.session_count):
            dates.append(day)
            day += timedelta(weeks=series.every_weeks)
    return dates


def wall_clock(day: date, start_time: str, time_zone: str) -> datetime:
    """A wall-clock time ("13:30") on that day in that zone, as UTC."""
    return as_utc(datetime.combine(day, time.fromisoformat(start_time), tzinfo=ZoneInfo(time_zone)))


def session_times(series, day: date) -> tuple[datetime, datetime]:
    """Start and end in UTC for the series' wall-clock time on that day in its zone."""
    starts = wall_clock(day, series.start_time, series.time_zone)
    return starts, starts + timedelta(minutes=series.minutes)
