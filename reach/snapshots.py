"""The dashboard's figures, kept for a few minutes (REACH_CACHE_SECONDS) so repeat views and other
people asking for the same period, filters and scope do not add up a year of records again. A snapshot
is the raw figures: small-number suppression is applied when they are shown, never stored."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import Connection, String, Text, delete, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.database import Base, db

from .figures import Report, Scope, report

KEPT_FOR = timedelta(days=1)  # older snapshots are deleted when a new one is stored


class FigureSnapshot(Base):
    __tablename__ = "reach_snapshots"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    computed_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


# Raised whenever the figures a report holds change, so snapshots stored by earlier code are never read back.
FIGURES_VERSION = 5


def _key(scope: Scope) -> str:
    described = json.dumps([FIGURES_VERSION, scope.start.isoformat(), scope.end.isoformat(), scope.organisation_id,
                            scope.service_type, scope.team_ids])
    return hashlib.sha256(described.encode()).hexdigest()


def cached_report(session: Session, scope: Scope, now: datetime, max_age_seconds: int,
                  service_types: dict[int, str] | None = None) -> tuple[Report, datetime]:
    """The figures and when they were worked out: a snapshot younger than `max_age_seconds`, or fresh ones
    (stored at the end of the request). 0 turns the snapshots off."""
    key = _key(scope)
    if max_age_seconds > 0:
        stored = session.get(FigureSnapshot, key)
        if stored is not None and now - stored.computed_at < timedelta(seconds=max_age_seconds):
            return Report(**json.loads(stored.body)), stored.computed_at
    fresh = report(session, scope, now, service_types, run_all=db.read_apart)
    if max_age_seconds > 0:
        def store(s: Session | Connection) -> None:
            s.execute(delete(FigureSnapshot).where(
                (FigureSnapshot.key == key) | (FigureSnapshot.computed_at < now - KEPT_FOR)))
            s.execute(insert(FigureSnapshot), {"key": key, "computed_at": now, "body": json.dumps(asdict(fresh))})
        db.defer_write(session, store)
    return fresh, now
