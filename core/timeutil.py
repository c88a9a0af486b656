"""Times are stored in UTC and shown in Europe/London."""
from __future__ import annotations

from datetime import datetime, timezone
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
    date_part = f"{local.day} {local:%B %Y}"
    if not with_time:
        return date_part
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{date_part}, {hour}:{local:%M}{suffix}"
