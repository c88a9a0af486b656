"""Retention periods set by admins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base
from core.timeutil import utcnow

# What can be set, in the order the admin page shows it.
KINDS = {
    "closed_consultations": "Closed consultations",
    "formulations": "Formulations",
    "session_notes": "Reflective practice notes and themes",
}


class RetentionPolicy(Base):
    __tablename__ = "retention_policies"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    days: Mapped[int | None] = mapped_column(Integer)  # None: kept until an admin sets a period
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
