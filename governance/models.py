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
    "session_notes": "Reflective practice notes and themes, and supervision records",
}

# Until an admin sets a period, these apply: the nearest record types in the Records Management Code of Practice
# for Health and Social Care 2021 (England), Appendix II, as read here. Advice about a client and a formulation of
# their needs are part of their care: "adult health records not covered by any other section", 8 years after the
# conclusion of treatment (here, after closing or the last change). A facilitator's notes of a reflective practice
# session, and the record of a supervision session, are about staff learning: "staff training records", 6 years.
# The README says so, for the deploying organisation's records manager to confirm or change.
EIGHT_YEARS, SIX_YEARS = 2922, 2192
DEFAULT_DAYS = {"closed_consultations": EIGHT_YEARS, "formulations": EIGHT_YEARS, "session_notes": SIX_YEARS}


class RetentionPolicy(Base):
    __tablename__ = "retention_policies"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    days: Mapped[int | None] = mapped_column(Integer)  # None: an admin chose to keep these for ever
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
