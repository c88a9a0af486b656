"""Supervision agreements and their versions, the sessions their rhythm gives (real rows), the session records
(versions: corrected only by a new one), and reflective accounts for revalidation."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow


class AgreementStatus(enum.StrEnum):
    OFFERED = "offered"  # waiting for the supervisee to accept the first version
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


LIVE = (AgreementStatus.OFFERED, AgreementStatus.ACTIVE)
MODES = {"in_person": "In person", "video": "By video", "phone": "By phone"}


class SupervisionAgreement(Base):
    """A supervision agreement (contract) between a supervisor and a supervisee. Its terms are its versions;
    `version` is the one both accepted that is in force (0 until the first is)."""

    __tablename__ = "supervision_agreements"
    __table_args__ = (
        Index("ix_supervision_agreements_supervisee", "supervisee_id", "status"),
        Index("ix_supervision_agreements_supervisor", "supervisor_id", "status"),
        Index("ix_supervision_agreements_due", "status", "next_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(10), default=AgreementStatus.OFFERED)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Kept as sessions are recorded and terms change, so "overdue" is an indexed comparison, not a scan.
    last_held_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    overdue_told_for: Mapped[date | None] = mapped_column(Date)  # the due date the sweep has told everyone about
    review_told_for: Mapped[date | None] = mapped_column(Date)  # the review date both have been reminded of
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_note: Mapped[str] = mapped_column(String(300), default="")

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id], lazy="raise_on_sql")
    supervisee: Mapped[Person] = relationship(foreign_keys=[supervisee_id], lazy="raise_on_sql")


class AgreementVersion(Base):
    """One version of the terms: proposed by one person (who accepts it by proposing it), agreed when the other
    accepts too. A version never changes once agreed; a change is a new version."""

    __tablename__ = "supervision_agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number", name="uq_supervision_agreement_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("supervision_agreements.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    every_weeks: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    mode: Mapped[str] = mapped_column(String(10))  # in_person, video, phone
    location: Mapped[str] = mapped_column(String(300), default="")
    covers: Mapped[str] = mapped_column(Text)
    confidentiality: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(String(300), default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    supervisor_accepted_at: Mapped[datetime | None]
    supervisee_accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]  # turned down, or replaced by a later proposal before it was agreed
    declined_note: Mapped[str] = mapped_column(String(300), default="")

    # What the recurrence rules read, shared with group series: weekly every N weeks, in London's wall clock.
    frequency = "weekly"
    ends_on = None
    session_count = None
    time_zone = "Europe/London"

    @property
    def agreed(self) -> bool:
        return self.supervisor_accepted_at is not None and self.supervisee_accepted_at is not None


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class SupervisionSession(Base):
    """One session the agreement's rhythm gave, made by the version in force then: moved or cancelled alone."""

    __tablename__ = "supervision_sessions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", "occurrence", name="uq_supervision_sessions_occurrence"),
        Index("ix_supervision_sessions_agreement", "agreement_id", "starts_at"),
        Index("ix_supervision_sessions_starts", "starts_at"),
        Index("ix_supervision_sessions_to_invite", "invited_at", "starts_at"),
        Index("ix_supervision_sessions_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("supervision_agreements.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[date] = mapped_column(Date)  # the date the rhythm gave it, kept when it is moved
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    change_note: Mapped[str | None] = mapped_column(String(300))
    invited_at: Mapped[datetime | None]  # both people sent the calendar invitation
    reminded_hours: Mapped[int | None] = mapped_column(Integer)
    reminded_for: Mapped[datetime | None]
    recorded_at: Mapped[datetime | None]  # the first record written: the session was held
    record_removed_at: Mapped[datetime | None]  # its records removed at the end of their retention period

    agreement: Mapped[SupervisionAgreement] = relationship(lazy="raise_on_sql")


class SessionRecord(Base):
    """One version of a session's record, written by the supervisor and confirmed by the supervisee."""

    __tablename__ = "supervision_records"
    __table_args__ = (
        UniqueConstraint("session_id", "number", name="uq_supervision_records_number"),
        Index("ix_supervision_records_written", "written_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("supervision_sessions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    caseload: Mapped[str] = mapped_column(Text, default="")
    wellbeing: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    correction_note: Mapped[str] = mapped_column(String(300), default="")
    confirmed_at: Mapped[datetime | None]
    reflection: Mapped[str] = mapped_column(Text, default="")  # the supervisee's own, added when confirming

    cases: Mapped[list[RecordCase]] = relationship(lazy="raise_on_sql", order_by="RecordCase.id")
    actions: Mapped[list[RecordAction]] = relationship(lazy="raise_on_sql", order_by="RecordAction.id")


class RecordCase(Base):
    """A particular case discussed, by pseudonymised reference, with the consultation it came from if any."""

    __tablename__ = "supervision_record_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True)
    client_reference: Mapped[str] = mapped_column(String(40))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"),
                                                        index=True)
    discussion: Mapped[str] = mapped_column(Text, default="")


class RecordAction(Base):
    """An action agreed in the session, with who will do it and by when."""

    __tablename__ = "supervision_record_actions"
    __table_args__ = (Index("ix_supervision_record_actions_owner", "owner_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    due_on: Mapped[date] = mapped_column(Date)


class ReflectiveAccount(Base):
    """A worker's reflective account for revalidation, in their regulator's format, started from a supervision
    session, a reflective-practice session or a case clinic. One per person per activity."""

    __tablename__ = "reflective_accounts"
    __table_args__ = (
        UniqueConstraint("person_id", "source_kind", "source_id", name="uq_reflective_accounts_source"),
        Index("ix_reflective_accounts_person", "person_id", "activity_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    regulator: Mapped[str] = mapped_column(String(10))  # nmc, gphc
    source_kind: Mapped[str] = mapped_column(String(24))  # supervision, reflective_practice, case_clinic
    source_id: Mapped[int] = mapped_column(Integer)
    activity_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    changed: Mapped[str] = mapped_column(Text, default="")
    relevance: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
