"""The local service directory: the services a worker may refer a person to, kept by admins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow

SERVICE_KINDS = {
    "crisis": "Crisis and urgent mental health",
    "secondary_mental_health": "Secondary mental health (community mental health team)",
    "talking_therapies": "NHS Talking Therapies",
    "drug_alcohol": "Drug and alcohol treatment",
    "harm_reduction": "Harm reduction and needle exchange",
    "primary_care": "GP and primary care",
    "pharmacy": "Community pharmacy",
    "housing": "Housing and homelessness",
    "peer_support": "Peer support and mutual aid",
    "voluntary": "Voluntary and community sector",
    "other": "Other",
}

# How long each part may be: enough for a worker to act on, short enough to read on shift.
TEXT_LIMITS = {"who_for": 1000, "how_to_refer": 2000, "criteria": 2000, "not_for": 1000}


class LocalService(Base):
    """A service in the directory. "No wrong door": when it says who it is not for, it names (`instead`) the
    service that is."""

    __tablename__ = "local_services"
    __table_args__ = (Index("ix_local_services_listed", "retired_at", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    who_for: Mapped[str] = mapped_column(Text)
    how_to_refer: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(300))
    opening_hours: Mapped[str] = mapped_column(String(300))
    not_for: Mapped[str] = mapped_column(Text, default="")
    instead_id: Mapped[int | None] = mapped_column(ForeignKey("local_services.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # A retired service is offered nowhere, but the requests referred to it keep showing what it was.
    retired_at: Mapped[datetime | None]

    instead: Mapped[LocalService | None] = relationship(remote_side=[id], lazy="raise_on_sql")
    updated_by: Mapped[Person | None] = relationship(lazy="raise_on_sql")

    @property
    def kind_label(self) -> str:
        return SERVICE_KINDS.get(self.kind, self.kind)
