"""The append-only audit log: who viewed or changed which record, when and from where.

Rows are only ever inserted. The ORM refuses updates and deletes, and the
migration adds database triggers that refuse them too.
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, Text, event, insert, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .database import Base, db
from .timeutil import utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str | None] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(60))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)

    actor = relationship("Person", lazy="raise_on_sql")

    @property
    def detail_items(self) -> dict:
        return json.loads(self.detail) if self.detail else {}


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, _ctx, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("Audit events cannot be changed or deleted.")


def client_address() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    session: Session,
    action: str,
    record_type: str | None = None,
    record_id: object = None,
    /,
    actor_id: int | None = None,
    **detail,
) -> None:
    """Write one audit row with the caller's work (at the end of the request, for a page that only reads).

    The actor defaults to the signed-in person of the current request.
    """
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    row = {"at": utcnow(), "actor_id": actor_id, "action": action, "record_type": record_type,
           "record_id": None if record_id is None else str(record_id), "ip_address": client_address(),
           "detail": json.dumps(detail, default=str, sort_keys=True) if detail else None}
    # A plain INSERT: the row is never read back here, and the unit of work for one object cost more than
    # the rest of writing it (a twentieth of every page under load).
    db.defer_write(session, lambda s: s.execute(insert(AuditEvent.__table__), [row]))


def record_refusal(session: Session, action: str, record_type: str | None = None, record_id: object = None,
                   /, **detail) -> None:
    """Record an event that must survive a refused request, discarding its other work.

    Uses the request's own session: on SQLite a second connection would wait
    for the write lock this request already holds.
    """
    session.rollback()
    record(session, action, record_type, record_id, **detail)
    session.commit()  # a no-op on a read request, whose write comes at its end


# Each distinct value read by jumping along the column's index, one seek per value, so listing the few hundred
# actions ever recorded costs the same however many million events there are.
_DISTINCT = """
WITH RECURSIVE seen(value, n) AS (
  SELECT MIN({column}), 1 FROM audit_events
  UNION ALL
  SELECT (SELECT MIN({column}) FROM audit_events WHERE {column} > seen.value), n + 1
  FROM seen WHERE seen.value IS NOT NULL AND n < 1000
)
SELECT value FROM seen WHERE value IS NOT NULL
"""
_DISTINCT_QUERIES = {column: text(_DISTINCT.format(column=column)) for column in ("action", "record_type")}


def recorded(session: Session, column: str) -> list[str]:
    """The actions (or record types) the log holds, in order: what an admin can search for."""
    return list(session.scalars(_DISTINCT_QUERIES[column]))


def describe(action: str) -> str:
    """'consultation.call_moved' as 'Consultation call moved (consultation.call_moved)'."""
    words = action.replace(".", " ").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]} ({action})"
