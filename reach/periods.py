"""Whole calendar months and quarters: the only periods commissioners and the board report use, so that two
periods either do not overlap or one is made of the other's months (never an arbitrary run of days that could
be subtracted from another to leave one day)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from core.timeutil import LONDON

YEARS_OFFERED = 5
_KEY = re.compile(r"([0-9]{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))")


def month_after(day: date, months: int = 1) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    first: date  # the first day of its first month
    months: int  # 1 or 3

    @property
    def end(self) -> date:
        """The day after its last."""
        return month_after(self.first, self.months)

    @property
    def key(self) -> str:
        if self.months == 1:
            return f"{self.first:%Y-%m}"
        return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.first:%B %Y}"
        last = month_after(self.first, 2)
        return f"{self.first:%B} to {last:%B %Y}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as London midnights."""
        return (datetime.combine(self.first, time(0), tzinfo=LONDON), datetime.combine(self.end, time(0), tzinfo=LONDON))

    def before(self) -> Period:
        return Period(month_after(self.first, -self.months), self.months)

    def each_month(self) -> list[Period]:
        return [Period(month_after(self.first, n), 1) for n in range(self.months)]


def month_of(day: date) -> Period:
    return Period(day.replace(day=1), 1)


def quarter_of(day: date) -> Period:
    return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), 3)


def last_month(today: date) -> Period:
    return month_of(today).before()


def last_quarter(today: date) -> Period:
    return quarter_of(today).before()


def parse(key: str) -> Period | None:
    """`2026-10` for October 2026, `2026-Q4` for October to December 2026; None for anything else."""
    found = _KEY.fullmatch(key[:7]) if len(key) <= 7 else None
    if not found:
        return None
    year, month, quarter = found.groups()
    return Period(date(int(year), int(month), 1), 1) if month else Period(date(int(year), 3 * int(quarter) - 2, 1), 3)


def back_from(latest: Period, count: int) -> list[Period]:
    """`count` periods of `latest`'s length, `latest` first and each the one before."""
    periods = [latest]
    while len(periods) < count:
        periods.append(periods[-1].before())
    return periods


def finished(today: date) -> list[Period]:
    """The months and quarters that have ended, latest first, for the last few years."""
    return back_from(last_month(today), 12 * YEARS_OFFERED) + back_from(last_quarter(today), 4 * YEARS_OFFERED)
