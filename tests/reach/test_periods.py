"""Whole months and quarters: read from their keys (and nothing else), labelled, stepped back, offered only once
ended, and bounded at London midnights across the clock changes."""
from __future__ import annotations

from datetime import date, datetime, timezone

from reach import periods


def test_keys_read_back_as_months_and_quarters_and_nothing_else_does():
    assert periods.parse("2026-10") == periods.Period(date(2026, 10, 1), 1)
    assert periods.parse("2026-Q4") == periods.Period(date(2026, 10, 1), 3)
    for bad in ("2026-13", "2026-Q5", "2026-1", "26-10", "2026-10-01", "", "x" * 300, "٢٠٢٦-10"):
        assert periods.parse(bad) is None, bad
    assert periods.Period(date(2026, 7, 1), 3).label == "July to September 2026"
    assert periods.Period(date(2026, 7, 1), 3).key == "2026-Q3"


def test_only_ended_months_and_quarters_are_offered_latest_first():
    offered = periods.finished(date(2026, 12, 3))
    assert offered[0].key == "2026-11" and offered[60].key == "2026-Q3"
    assert len(offered) == 60 + 20 and all(p.end <= date(2026, 12, 1) for p in offered)
    assert periods.Period(date(2026, 1, 1), 3).before().key == "2025-Q4"


def test_bounds_are_london_midnights_across_the_clock_changes():
    start, end = periods.Period(date(2026, 10, 1), 1).bounds()
    assert start.astimezone(timezone.utc) == datetime(2026, 9, 30, 23, 0, tzinfo=timezone.utc)  # BST
    assert end.astimezone(timezone.utc) == datetime(2026, 11, 1, 0, 0, tzinfo=timezone.utc)  # GMT
    assert periods.Period(date(2026, 1, 1), 3).bounds()[1].astimezone(timezone.utc).hour == 23  # 1 April, BST
