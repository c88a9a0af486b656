"""Times are stored in UTC and shown in Europe/London."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC (how SQLite hands them back)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def london(value: datetime) -> datetime:
    return as_utc(value).astimezone(LONDON)


def format_london(value: datetime | None, with_time: bool = True) -> str:
    """'23 November 2026, 2:05pm' in London time, as NHS.UK style asks."""
    if value is None:
        return ""
    local = london(value)
    date_part = format_day(local.date())
    if not with_time:
        return date_part
    return f"{date_part}, {_clock(local)}"


def format_day(day: date) -> str:
    """A calendar date (no time, so no time zone): '3 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def _clock(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def format_soon(value: datetime, now: datetime) -> str:
    """'today at 2:30pm', 'tomorrow at 9:00am', or the date and time: what a reminder says, in London time."""
    local, today = london(value), london(now).date()
    if local.date() == today:
        return f"today at {_clock(local)}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {_clock(local)}"
    return format_london(value)


def format_time_left(left: timedelta) -> str:
    """'in 2 minutes', 'in about an hour', 'in about 23 hours', 'in 3 days': counted, never a rounded promise."""
    minutes = max(1, int(left.total_seconds() // 60))
    if minutes < 60:
        return f"in {minutes} minute{'' if minutes == 1 else 's'}"
    hours = round(minutes / 60)
    if hours < 48:
        return "in about an hour" if hours == 1 else f"in about {hours} hours"
    return f"in {round(hours / 24)} days"


FURTHEST_AHEAD = timedelta(days=365)


def time_to_come_problem(starts_at: datetime, now: datetime, what: str) -> str | None:
    """Why `starts_at` cannot be booked for `what` ("the call", "the session"): it has passed, or is more than
    a year ahead (a year typed as 2062 for 2026). None when it can."""
    if starts_at <= now:
        return f"Choose a time in the future for {what}"
    if starts_at > now + FURTHEST_AHEAD:
        return f"Choose a time within the next year for {what}"
    return None


def move_problem(starts_at: datetime, new_start: datetime, now: datetime, what: str) -> str | None:
    """Why `what` ("session") cannot move from `starts_at` to `new_start`: it is already there (so nobody is told
    anything), or the new time is past or over a year ahead. None when it can."""
    if new_start == starts_at:
        return (f"The {what} is already at {format_london(new_start)}: choose a different date or time to move it. "
                "Nobody has been told anything.")
    return time_to_come_problem(new_start, now, f"the {what}")
