"""Building test data through the services, as the app itself would: requests, duties, lead roles."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from consult import services
from consult.models import Consultation
from core.accounts.models import Person, PersonRole, Role
from core.timeutil import LONDON
from rota import services as rota

from .support import person

# Monday 23 November 2026, 10am in London: inside working hours, and a working day.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)

REQUEST = {
    "client_reference": "JB-0412", "consent_basis": "consented", "presenting_needs": ["mental_health", "alcohol"],
    "use_and_mental_health": "Drinking quietens the voices at night; mornings are worse.",
    "tried_so_far": "", "care_coordinator": "", "risks": ["suicide_self_harm"], "immediate_danger": False,
    "urgency": "soon", "preferred_mode": "written", "question": "How do I talk with her about her mornings?",
    "continuity": "duty",
}


# The request form as a browser posts it.
FORM = {**REQUEST, "immediate_danger": "no"}


def make_lead_psychologist(session, key: str) -> Person:
    lead = person(session, key)
    session.add(PersonRole(person_id=lead.id, role=Role.LEAD_PSYCHOLOGIST.value))
    lead.signed_in_roles = None
    session.commit()
    return lead


def put_on_duty(app, session, key: str, day: date | None = None, start: str = "09:00", end: str = "17:00",
                capacity: int = 5):
    """A one-off duty (London wall-clock times) for a psychologist, on MONDAY_10AM's day unless told."""
    with app.app_context():
        slot = rota.add_cover(session, person(session, key).id, day or MONDAY_10AM.date(), start, end, capacity)
        session.commit()
    return slot


def on_duty_throughout(session, key: str, capacity: int = 0) -> None:
    """A duty covering every moment a test travels to. At capacity 0 nothing is allocated to them, so requests
    wait in the pool, where a psychologist on duty may see and take them."""
    from core.timeutil import utcnow
    from rota.models import DutySlot
    session.add(DutySlot(psychologist_id=person(session, key).id, kind="cover", capacity=capacity, status="active",
                         starts_at=datetime(2000, 1, 1, tzinfo=LONDON), ends_at=datetime(2100, 1, 1, tzinfo=LONDON),
                         updated_at=utcnow()))
    session.commit()


def raise_request(app, session, key: str = "frontline", now: datetime = MONDAY_10AM, **changes) -> Consultation:
    """A request raised through the service, committed, as the request form would."""
    with app.app_context():
        c = services.raise_request(session, person(session, key), {**REQUEST, **changes}, now)
        session.commit()
    return c


def reload(session, c: Consultation) -> Consultation:
    """The request as the database has it now. A rollback alone forgets nothing when no transaction is open."""
    session.rollback()
    session.expire_all()
    return session.scalars(select(Consultation).where(Consultation.id == c.id)).one()
