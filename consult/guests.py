"""More than two agencies in a thread: the worker or the psychologist invites a named colleague from another
organisation of the partnership into one consultation. The colleague sees that thread and replies to it, nothing
else of the platform's requests; either inviter (or the colleague) can end it; every step is audited, and the
worker who asked is told."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.accounts.models import Person, Role
from core.accounts.services import find_person_by_email

from . import thread
from .models import Consultation, ConsultationGuest
from .states import TransitionRefused

MOST_PER_REQUEST = 5
MAY_JOIN = (Role.FRONTLINE.value, Role.TEAM_LEAD.value)  # staff who work with clients, not psychologists or admins


def present(session: Session, consultation_id: int) -> list[ConsultationGuest]:
    return list(session.scalars(select(ConsultationGuest).options(joinedload(ConsultationGuest.person))
                                .where(ConsultationGuest.consultation_id == consultation_id,
                                       ConsultationGuest.removed_at.is_(None)).order_by(ConsultationGuest.invited_at)))


def is_guest(session: Session, person: Person, c: Consultation) -> bool:
    return session.scalar(select(ConsultationGuest.id).where(
        ConsultationGuest.consultation_id == c.id, ConsultationGuest.person_id == person.id,
        ConsultationGuest.removed_at.is_(None))) is not None


def may_invite(person: Person, c: Consultation) -> bool:
    return c.is_open and person.id in (c.requester_id, c.psychologist_id)


def invite(session: Session, c: Consultation, by: Person, email: str, role: str, now: datetime) -> ConsultationGuest:
    if not may_invite(by, c):
        raise TransitionRefused("Only the worker who asked or the psychologist holding an open request can invite")
    colleague = find_person_by_email(session, email)
    if colleague is None or not colleague.is_active or not set(colleague.roles) & set(MAY_JOIN):
        raise TransitionRefused("No one with that email address works with clients in the partnership here: "
                                "check it, or ask them to be invited to the platform first")
    if colleague.organisation_id == c.organisation_id:
        raise TransitionRefused("They work in the same organisation as the request: invite colleagues from other "
                                "organisations of the partnership")
    guest = session.scalar(select(ConsultationGuest).where(ConsultationGuest.consultation_id == c.id,
                                                           ConsultationGuest.person_id == colleague.id))
    if guest is not None and guest.removed_at is None:
        raise TransitionRefused(f"{colleague.name} is already in this conversation")
    if len(present(session, c.id)) >= MOST_PER_REQUEST:
        raise TransitionRefused(f"A conversation can have at most {MOST_PER_REQUEST} invited colleagues: remove one "
                                "first")
    if guest is None:
        guest = ConsultationGuest(consultation_id=c.id, person_id=colleague.id)
        session.add(guest)
    guest.role, guest.invited_by_id, guest.invited_at = role.strip(), by.id, now
    guest.removed_at = guest.removed_by_id = None
    session.flush()
    thread.event(session, c, f"{by.name} invited {colleague.name} ({guest.role}) into this conversation.", now, by=by)
    thread.tell(session, colleague, c, "You have been invited into a consultation",
                f"{by.name} invited you, as {guest.role}, into a conversation with a psychologist. You can read it and "
                "reply.")
    if by.id != c.requester_id:
        thread.tell(session, c.requester_id, c, "A colleague joined your request",
                    f"{by.name} invited {colleague.name} ({guest.role}) into the conversation on your request.")
    audit.record(session, "consultation.guest_invited", "consultation", c.id, actor_id=by.id, guest=colleague.id)
    return guest


def remove(session: Session, c: Consultation, guest: ConsultationGuest, by: Person, now: datetime) -> None:
    """The worker who asked, the psychologist holding it, or the colleague themselves ends their part in it."""
    if by.id not in (c.requester_id, c.psychologist_id, guest.person_id):
        raise TransitionRefused("Only the worker who asked, the psychologist or the colleague can do this")
    if guest.removed_at is not None:
        return
    guest.removed_at, guest.removed_by_id = now, by.id
    colleague = session.get(Person, guest.person_id)
    name = colleague.name
    left = by.id == guest.person_id
    thread.event(session, c, f"{name} left this conversation." if left
                 else f"{by.name} removed {name} from this conversation.", now, by=by)
    if not left:
        thread.tell(session, colleague, c, "You are no longer in a consultation",
                    f"{by.name} removed you from the conversation. You can no longer open it.")
    if by.id != c.requester_id:
        thread.tell(session, c.requester_id, c, "A colleague left your request",
                    f"{name} is no longer in the conversation on your request.")
    audit.record(session, "consultation.guest_removed", "consultation", c.id, actor_id=by.id, guest=guest.person_id)


def others_in_thread(session: Session, c: Consultation, author: Person) -> list[int]:
    """Whoever a reply should reach: the worker, the psychologist and the invited colleagues, less its author."""
    everyone = [c.requester_id, c.psychologist_id, *(g.person_id for g in present(session, c.id))]
    return [p for p in dict.fromkeys(everyone) if p is not None and p != author.id]
