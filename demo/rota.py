"""The duty rota: Dr Hale on Mondays, Wednesdays and Fridays, Dr Rahman on Tuesdays and Thursdays, from five
weeks ago, so the past requests found someone on duty; and, outside those hours, a cover duty so that someone
is on duty now."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.timeutil import LONDON
from rota import services as rota
from rota.models import DutyPattern

HISTORY_DAYS = 35


def seed(session: Session, people: dict, now: datetime) -> None:
    today = now.astimezone(LONDON).date()
    start = today - timedelta(days=HISTORY_DAYS)
    for email, weekdays in (("psychologist@example.org", "0,2,4"), ("psychologist2@example.org", "1,3")):
        session.add(DutyPattern(psychologist_id=people[email].id, weekdays=weekdays, start_time="09:00",
                                end_time="17:00", every_weeks=1, starts_on=start, daily_capacity=6,
                                created_at=now, updated_at=now))
    session.flush()
    history_start = datetime.combine(start, datetime.min.time(), LONDON)
    rota.materialise(session, history_start, days=HISTORY_DAYS + rota.WINDOW_DAYS)
    if not rota.on_duty(session, now):
        local = now.astimezone(LONDON)
        begins = max(local.hour - 1, 0)
        ends = "23:59" if local.hour >= 20 else f"{local.hour + 4:02d}:00"
        rota.add_cover(session, people["psychologist2@example.org"].id, today, f"{begins:02d}:00", ends, 6)
