"""Who sees a consultation in full: need to know (Caldicott principle 4).

The requester and their team's leads see their requests, and so does a colleague from another organisation
invited into one (until removed). A psychologist sees in full the requests they hold or
have held, those waiting in the pool while they are on duty (to triage them; a lead psychologist, who places
them, at any time), and an urgent one whose acknowledgement chain has begun (any psychologist may be asked to
take it over). Any other request a psychologist sees only as a summary, until they say why they need it: a grant
lasts GRANT_HOURS, is audited with its reason, and the lead psychologists review them.

One SQL condition decides it (`visible_to`), for lists and for single requests alike (`can_view` runs it for
one row), so the rule is written once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, Role
from core.timeutil import utcnow
from rota.models import DutySlot, SlotStatus

from .models import ACCESS_REASONS, AccessGrant, Consultation, ConsultationGuest, Hold, Status
from .states import TransitionRefused

GRANT_HOURS = 8

_ME, _NOW = bindparam("me"), bindparam("now")
# A colleague from another organisation invited into the thread (consult.guests) sees it until removed.
_INVITED = exists().where(ConsultationGuest.consultation_id == Consultation.id, ConsultationGuest.person_id == _ME,
                          ConsultationGuest.removed_at.is_(None))
_OWN_OR_TEAMS = or_(Consultation.requester_id == _ME,
                    Consultation.team_id.in_(bindparam("my_led_teams", expanding=True)), _INVITED)
_ON_DUTY_NOW = exists().where(DutySlot.psychologist_id == _ME, DutySlot.status == SlotStatus.ACTIVE,
                              DutySlot.starts_at <= _NOW, DutySlot.ends_at > _NOW)
NEEDS_TO_KNOW = or_(
    _OWN_OR_TEAMS,
    Consultation.psychologist_id == _ME,
    exists().where(Hold.consultation_id == Consultation.id, Hold.psychologist_id == _ME),
    and_(Consultation.psychologist_id.is_(None), or_(bindparam("lead"), _ON_DUTY_NOW)),
    and_(Consultation.escalation_step > 0, Consultation.acknowledged_at.is_(None),
         Consultation.status != Status.CLOSED.value),
    exists().where(AccessGrant.consultation_id == Consultation.id, AccessGrant.person_id == _ME,
                   AccessGrant.expires_at > _NOW),
)


def visible_to(person: Person):
    """SQL condition: the consultations this person sees in full; run it with `visible_params(person, now)`."""
    return NEEDS_TO_KNOW if person.has_role(Role.PSYCHOLOGIST) else _OWN_OR_TEAMS


def visible_params(person: Person, now: datetime | None = None) -> dict:
    params = {"me": person.id, "my_led_teams": sorted(person.led_team_ids)}
    if person.has_role(Role.PSYCHOLOGIST):
        params.update(now=now or utcnow(), lead=person.has_role(Role.LEAD_PSYCHOLOGIST))
    return params


def can_view(session: Session, person: Person, consultation_id: int, now: datetime | None = None) -> bool:
    return bool(session.scalar(select(exists().where(Consultation.id == consultation_id, visible_to(person))),
                               visible_params(person, now)))


def exists_for_psychologist(session: Session, person: Person, consultation_id: int) -> bool:
    """Whether to offer this psychologist a reason to see it (the queue already shows them it exists)."""
    return person.has_role(Role.PSYCHOLOGIST) and session.get(Consultation, consultation_id) is not None


def hold(session: Session, c: Consultation, psychologist: Person, now: datetime) -> None:
    """Make this psychologist the holder, and remember that they held it."""
    c.psychologist_id, c.allocated_at = psychologist.id, now
    if session.get(Hold, (c.id, psychologist.id)) is None:
        session.add(Hold(consultation_id=c.id, psychologist_id=psychologist.id, since=now))


def grant(session: Session, consultation_id: int, person: Person, reason: str, details: str,
          now: datetime | None = None) -> AccessGrant:
    """A psychologist says why they need to see a request they are not involved in; audited with the reason."""
    now = now or utcnow()
    if not person.has_role(Role.PSYCHOLOGIST):
        raise TransitionRefused("Only a psychologist can ask to see a request this way.")
    if reason not in ACCESS_REASONS:
        raise TransitionRefused("Choose why you need to see this request")
    if reason == "other" and not details.strip():
        raise TransitionRefused("Say why you need to see this request")
    given = AccessGrant(consultation_id=consultation_id, person_id=person.id, reason=reason, details=details.strip(),
                        granted_at=now, expires_at=now + timedelta(hours=GRANT_HOURS))
    session.add(given)
    session.flush()
    audit.record(session, "consultation.access_granted", "consultation", consultation_id, grant=given.id,
                 reason=reason, details=given.details)
    return given
