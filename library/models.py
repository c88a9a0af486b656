"""Practice notes, and the questions they answered before anyone asked."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow


class NoteStatus(str, enum.Enum):
    ASKED = "asked"  # the psychologist asked the worker's agreement
    DECLINED = "declined"  # the worker said no: nothing of the request is copied
    DRAFT = "draft"  # agreed: the psychologist de-identifies and edits it
    PUBLISHED = "published"
    RETIRED = "retired"


class PracticeNote(Base):
    """A closed consultation's question and advice, de-identified, for the next worker to find. Its source link
    (`consultation_id`) goes when the request's details pass their retention period; the note stays."""

    __tablename__ = "practice_notes"
    __table_args__ = (Index("ix_practice_notes_listed", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"),
                                                        unique=True)
    psychologist_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=NoteStatus.ASKED.value)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]  # when the worker agreed or declined
    title: Mapped[str] = mapped_column(String(200), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(String(200), default="")  # NEEDS keys, comma-separated
    services: Mapped[str] = mapped_column(String(200), default="")  # ServiceType values, comma-separated
    published_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    psychologist: Mapped[Person] = relationship(lazy="raise_on_sql")

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(",") if n]

    @property
    def service_list(self) -> list[str]:
        return [s for s in self.services.split(",") if s]


class NoteAnswer(Base):
    """A worker found their answer in a note and asked no one: counted on the dashboard."""

    __tablename__ = "practice_note_answers"
    __table_args__ = (Index("ix_practice_note_answers_counted", "answered_at", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("practice_notes.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
