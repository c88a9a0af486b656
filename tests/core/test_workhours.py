"""Response-target clocks in working hours: weekends, bank holidays and the clock changes."""
from __future__ import annotations

from datetime import datetime, timezone

from core.timeutil import LONDON
from core.workweek import WorkingWeek, add_working_time, working_seconds_between

WEEK = WorkingWeek()
HOUR = 3600


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_four_working_hours_from_friday_afternoon_run_into_monday():
    # Friday 20 November 2026, 3pm: 2 hours left that day, 2 more on Monday.
    due = add_working_time(london(2026, 11, 20, 15, 0), 4 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 11, 23, 11, 0)


def test_a_request_made_at_the_weekend_starts_on_monday_morning():
    due = add_working_time(london(2026, 11, 21, 22, 0), 1 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 11, 23, 10, 0)


def test_bank_holidays_are_skipped():
    # Thursday 24 December 2026, 4pm; Friday 25 and Monday 28 December are bank holidays.
    due = add_working_time(london(2026, 12, 24, 16, 0), 2 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 12, 29, 10, 0)


def test_working_hours_keep_their_london_times_across_the_spring_clock_change():
    # The clocks go forward on Sunday 29 March 2026. Friday 27 March, 4pm, plus 4 hours.
    due = add_working_time(london(2026, 3, 27, 16, 0), 4 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 3, 30, 12, 0)
    assert due == datetime(2026, 3, 30, 11, 0, tzinfo=timezone.utc)  # BST is UTC+1


def test_working_hours_keep_their_london_times_across_the_autumn_clock_change():
    # The clocks go back on Sunday 25 October 2026. Friday 23 October, 4pm, plus 4 hours.
    due = add_working_time(london(2026, 10, 23, 16, 0), 4 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 10, 26, 12, 0)
    assert due == datetime(2026, 10, 26, 12, 0, tzinfo=timezone.utc)  # back on GMT


def test_five_working_days_is_a_working_week():
    due = add_working_time(london(2026, 11, 23, 9, 0), 5 * 8 * HOUR, WEEK)
    assert due.astimezone(LONDON) == london(2026, 11, 27, 17, 0)


def test_time_used_counts_only_working_hours():
    used = working_seconds_between(london(2026, 11, 20, 16, 0), london(2026, 11, 23, 10, 30), WEEK)
    assert used == 2.5 * HOUR
    assert working_seconds_between(london(2026, 11, 21, 9, 0), london(2026, 11, 22, 17, 0), WEEK) == 0
    assert working_seconds_between(london(2026, 11, 23, 12, 0), london(2026, 11, 23, 11, 0), WEEK) == 0
