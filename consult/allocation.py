"""Fair allocation of new consultation requests among the psychologists on duty.

Among those on duty now and under today's capacity, the request goes to the
person furthest below their fair share of this month's allocations, where a
share is scaled by the hours each person has been on duty this month (so time
on leave never counts against anyone); ties go to whoever was allocated least
recently. Every decision is recorded with the candidates and their figures.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts.models import Person
from core.timeutil import LONDON, as_utc, format_london, utcnow
from rota import services as rota
from rota.models import DutySlot

from .models import AllocationDecision, Consultation


@dataclass
class Candidate:
    id: int
    name: str
    capacity: int
    today: int
    month: int
    hours: float
    share: float = 0.0
    below_share: float = 0.0
    last_allocated: str | None = None


def _month_start(now: datetime) -> datetime:
    local = now.astimezone(LONDON)
    return as_utc(datetime.combine(local.date().replace(day=1), time(0), LONDON))


def _day_start(now: datetime) -> datetime:
    return as_utc(datetime.combine(now.astimezone(LONDON).date(), time(0), LONDON))


def duty_hours(session: Session, since: datetime, now: datetime) -> dict[int, float]:
    """Hours each psychologist has been on duty between `since` and now (cancelled slots do not count)."""
    hours: dict[int, float] = {}
    rows = session.execute(select(DutySlot.psychologist_id, DutySlot.starts_at, DutySlot.ends_at)
                           .where(DutySlot.status == "active", DutySlot.ends_at > since, DutySlot.starts_at < now))
    for person_id, starts, ends in rows:
        span = (min(ends, now) - max(starts, since)).total_seconds() / 3600
        hours[person_id] = hours.get(person_id, 0.0) + max(span, 0.0)
    return hours


def allocation_counts(session: Session, since: datetime) -> dict[int, int]:
    return dict(session.execute(select(Consultation.psychologist_id, func.count())
                                .where(Consultation.allocated_at >= since, Consultation.psychologist_id.is_not(None))
                                .group_by(Consultation.psychologist_id)).all())


def last_allocations(session: Session, person_ids: list[int]) -> dict[int, datetime]:
    return dict(session.execute(select(Consultation.psychologist_id, func.max(Consultation.allocated_at))
                                .where(Consultation.psychologist_id.in_(person_ids))
                                .group_by(Consultation.psychologist_id)).all())


def choose(session: Session, now: datetime | None = None) -> tuple[Person | None, list[Candidate], str]:
    """The psychologist who should get the next request, the candidates considered, and why."""
    now = now or utcnow()
    slots = rota.on_duty(session, now, lock=True)
    if not slots:
        nxt = rota.next_duty_start(session, now)
        when = f"The next duty starts {format_london(nxt)}." if nxt else "No duty is planned yet."
        return None, [], f"Nobody is on duty. {when}"
    capacity: dict[int, int] = {}
    for slot in slots:
        capacity[slot.psychologist_id] = max(capacity.get(slot.psychologist_id, 0), slot.capacity)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(capacity), Person.is_active.is_(True)))}
    today = allocation_counts(session, _day_start(now))
    month_start = _month_start(now)
    month = allocation_counts(session, month_start)
    hours = duty_hours(session, month_start, now)
    last = last_allocations(session, list(people))
    total_allocations = sum(month.values()) + 1  # counting the one being placed now
    total_hours = sum(hours.values()) or 1.0
    candidates = []
    for person_id, person in people.items():
        c = Candidate(id=person_id, name=person.name, capacity=capacity[person_id], today=today.get(person_id, 0),
                      month=month.get(person_id, 0), hours=round(hours.get(person_id, 0.0), 2))
        c.share = round(total_allocations * hours.get(person_id, 0.0) / total_hours, 2)
        c.below_share = round(c.share - c.month, 2)
        c.last_allocated = last[person_id].isoformat() if last.get(person_id) else None
        candidates.append(c)
    available = [c for c in candidates if c.today < c.capacity]
    if not available:
        return None, candidates, "Everyone on duty has reached today's capacity."
    best = max(available, key=lambda c: (c.below_share, -_timestamp(c.last_allocated), -c.id))
    reason = (f"{best.name} was furthest below their fair share this month "
              f"({best.month} allocated against a share of {best.share}).")
    return people[best.id], candidates, reason


def _timestamp(iso: str | None) -> float:
    return datetime.fromisoformat(iso).timestamp() if iso else 0.0


def record(session: Session, consultation: Consultation, chosen: Person | None, candidates: list[Candidate],
           reason: str, now: datetime | None = None, route: str | None = None) -> AllocationDecision:
    """Keep why a request went where it did; `route` is how (AllocationDecision.route)."""
    decision = AllocationDecision(consultation_id=consultation.id, chosen_id=chosen.id if chosen else None,
                                  route=route, reason=reason,
                                  candidates_json=json.dumps([asdict(c) for c in candidates]),
                                  created_at=now or utcnow())
    session.add(decision)
    return decision


def continuity_reachable(session: Session, psychologist_id: int, now: datetime | None = None) -> bool:
    """On duty now, or starting a duty within the configured wait."""
    now = now or utcnow()
    wait = timedelta(hours=current_app.config["CONTINUITY_WAIT_HOURS"])
    return session.scalar(select(func.count()).select_from(DutySlot).where(
        DutySlot.psychologist_id == psychologist_id, DutySlot.status == "active",
        DutySlot.ends_at > now, DutySlot.starts_at <= now + wait)) > 0
