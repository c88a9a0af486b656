"""The duty rota: recurring patterns, the concrete duty slots they become, leave, cover, swaps, gap alerts and
the secret calendar feed."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow


class SlotStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SlotKind(enum.StrEnum):
    PATTERN = "pattern"  # made from a recurring pattern
    COVER = "cover"  # a one-off duty


class SwapStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DutyPattern(Base):
    """'Mondays and Thursdays, 09:00–17:00, every week from 1 December, 6 new consultations a day.'"""

    __tablename__ = "duty_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    psychologist_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    weekdays: Mapped[str] = mapped_column(String(20))  # "0,3": Monday and Thursday
    start_time: Mapped[str] = mapped_column(String(5))  # London wall-clock "09:00"
    end_time: Mapped[str] = mapped_column(String(5))
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    daily_capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    psychologist: Mapped[Person] = relationship(lazy="raise_on_sql")

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d != ""]


class DutySlot(Base):
    """One concrete duty, start and end in UTC, so 'on duty now' is a range query."""

    __tablename__ = "duty_slots"
    __table_args__ = (
        UniqueConstraint("pattern_id", "starts_at", name="uq_duty_slots_pattern_start"),
        Index("ix_duty_slots_time", "starts_at", "ends_at"),
        Index("ix_duty_slots_month", "starts_at", "status", "psychologist_id", "ends_at"),  # duty hours, index alone
        Index("ix_duty_slots_person_time", "psychologist_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    psychologist_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("duty_patterns.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default=SlotKind.PATTERN)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=SlotStatus.ACTIVE)
    cancelled_reason: Mapped[str | None] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    psychologist: Mapped[Person] = relationship(lazy="raise_on_sql")


class Leave(Base):
    __tablename__ = "duty_leave"
    __table_args__ = (Index("ix_duty_leave_person_dates", "psychologist_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    psychologist_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeed(Base):
    """A secret, revocable address for a psychologist's iCalendar feed of duties."""

    __tablename__ = "duty_calendar_feeds"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address's secret is worked out from this and the app's secret key, so its owner can see it again while
    # the database alone (a backup, say) gives no working address. Feeds made before it was kept have none.
    nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DutySwap(Base):
    """A request to hand one duty to a colleague, who accepts or declines."""

    __tablename__ = "duty_swaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("duty_slots.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    colleague_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=SwapStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    slot: Mapped[DutySlot] = relationship(lazy="raise_on_sql")
    requested_by: Mapped[Person] = relationship(foreign_keys=[requested_by_id], lazy="raise_on_sql")


class GapAlert(Base):
    """A gap in cover the lead psychologist has already been told about (each gap once).

    Keyed by the gap's end: while a gap is under way its start moves on with the
    clock, but its end does not.
    """

    __tablename__ = "duty_gap_alerts"

    gap_end: Mapped[datetime] = mapped_column(primary_key=True)
    gap_start: Mapped[datetime]
    alerted_at: Mapped[datetime] = mapped_column(default=utcnow)
