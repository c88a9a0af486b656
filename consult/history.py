"""The client's history, for the psychologist: the earlier requests about the same client in the same
organisation, so advice builds on what went before. The same client is the same reference, case and spaces
aside (its client key), never a near match; the advice itself is shown only where this psychologist may see
that request in full (need to know), and every other one says who holds it and how it ended."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session, aliased

from core.accounts.models import Person

from .access import visible_params, visible_to
from .models import Consultation, Message, reference_of

SHOWN = 10


@dataclass(frozen=True)
class EarlierRequest:
    id: int
    created_at: datetime
    status: str
    outcome: str | None
    psychologist: str | None
    advice: str | None  # None when this person may not see that request in full, or there was none

    @property
    def reference(self) -> str:
        return reference_of(self.id)


# Built once for each visibility rule, with the request bound: building it and its cache key on every view was
# a third of the request's page.
@lru_cache(maxsize=None)
def _history_query(visible):
    latest_advice = (select(Message.body).where(Message.consultation_id == Consultation.id, Message.kind == "advice")
                     .order_by(Message.created_at.desc(), Message.id.desc()).limit(1).correlate(Consultation)
                     .scalar_subquery())
    psychologist = aliased(Person)
    return (select(Consultation.id, Consultation.created_at, Consultation.status,
                   Consultation.outcome, psychologist.name, case((visible, latest_advice), else_=None))
            .outerjoin(psychologist, psychologist.id == Consultation.psychologist_id)
            .where(Consultation.organisation_id == bindparam("organisation"),
                   Consultation.client_key == bindparam("client_key"),
                   Consultation.created_at < bindparam("before"), Consultation.id != bindparam("consultation"))
            .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(SHOWN))


def client_history(session: Session, c: Consultation, person: Person, now: datetime) -> list[EarlierRequest]:
    """Up to SHOWN earlier requests about this client in this organisation, newest first."""
    if c.client_key is None:
        return []
    rows = session.execute(_history_query(visible_to(person)), {
        "organisation": c.organisation_id, "client_key": c.client_key, "before": c.created_at, "consultation": c.id,
        **visible_params(person, now)})
    return [EarlierRequest(*row) for row in rows]
