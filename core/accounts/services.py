"""Account operations as plain functions of a session, used by views, CLI and tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, render_template
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..database import with_row_locks
from ..notifications import queue_email
from ..refusals import Refused
from ..timeutil import utcnow
from .models import Invitation, PasswordReset, PasswordResetRequest, Person, PersonRole, Role, TeamMembership
from .passwords import hash_password
from .sessions import end_all_sign_ins
from .tokens import hash_token, new_token


def find_person_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


def create_person(session: Session, *, email: str, name: str, organisation_id: int, roles: list[str],
                  password: str | None = None, team_ids: list[int] = (), professional_registration: str | None = None) -> Person:
    person = Person(
        email=email.strip().lower(),
        name=name.strip(),
        organisation_id=organisation_id,
        password_hash=hash_password(password) if password else None,
        professional_registration=professional_registration or None,
    )
    person.role_rows = [PersonRole(role=Role(r).value) for r in sorted(set(roles))]
    session.add(person)
    session.flush()
    for team_id in team_ids:
        session.add(TeamMembership(person_id=person.id, team_id=team_id))
    return person


def set_roles(person: Person, roles: list[str]) -> None:
    wanted = {Role(r).value for r in roles}
    person.role_rows = [row for row in person.role_rows if row.role in wanted] + [
        PersonRole(role=r) for r in sorted(wanted - person.roles)
    ]
    person.signed_in_roles = None


def set_teams(session: Session, person: Person, team_ids: list[int]) -> None:
    # One by one through the session, not in bulk, so that what listens for changes to records (the reach
    # figures' roll-ups, which count teams supported) sees each membership go.
    for membership in session.scalars(select(TeamMembership).where(TeamMembership.person_id == person.id)):
        session.delete(membership)
    session.flush()
    for team_id in sorted(set(team_ids)):
        session.add(TeamMembership(person_id=person.id, team_id=team_id))
    session.flush()
    session.expire(person, ["teams"])


# What the feature areas do when someone is deactivated (hand over their open work, take them off the rota):
# registered by each area, so that accounts need know nothing of them.
# Each says what it did, in words for the admin, or None when it had nothing to do.
_ON_DEACTIVATION: list[Callable[[Session, Person, datetime], str | None]] = []


def update_person(session: Session, person: Person, *, name: str, professional_registration: str,
                  roles: list[str], team_ids: list[int], by: Person) -> None:
    """An admin's changes to someone's details, roles and teams. Nobody removes their own admin role: an
    installation could otherwise be left with no admin at all."""
    if person.id == by.id and Role.ADMIN.value not in roles:
        raise Refused("You cannot remove your own admin role")
    person.name = name
    person.professional_registration = professional_registration or None
    set_roles(person, roles)
    set_teams(session, person, team_ids)
    audit.record(session, "person.updated", "person", person.id, roles=sorted(roles), teams=sorted(team_ids))


def reset_two_factor(session: Session, person: Person) -> None:
    """They set up two-factor sign-in again the next time they sign in (a lost phone, say)."""
    person.totp_secret = None
    person.totp_last_step = None
    audit.record(session, "two_factor.reset", "person", person.id)


def on_deactivation(handler: Callable[[Session, Person, datetime], str | None]) -> None:
    if handler not in _ON_DEACTIVATION:
        _ON_DEACTIVATION.append(handler)


def deactivate(session: Session, person: Person, now: datetime | None = None) -> list[str]:
    """Close the account, end its sign-ins, and let each area hand over what the person held; returns what the
    areas did."""
    now = now or utcnow()
    person.is_active = False
    person.deactivated_at = now
    end_all_sign_ins(session, person.id, "deactivated")
    audit.record(session, "person.deactivated", "person", person.id)
    return [done for handler in _ON_DEACTIVATION if (done := handler(session, person, now))]


def reactivate(session: Session, person: Person) -> None:
    person.is_active = True
    person.deactivated_at = None
    audit.record(session, "person.reactivated", "person", person.id)


# --- Invitations ---------------------------------------------------------------

def create_invitation(session: Session, *, invited_by: Person, email: str, organisation_id: int,
                      team_id: int | None, roles: list[str], professional_registration: str | None,
                      now: datetime | None = None) -> tuple[Invitation, str]:
    now = now or utcnow()
    token, token_hash = new_token()
    # A new invitation replaces any earlier one still open for the same address.
    session.execute(
        update(Invitation)
        .where(func.lower(Invitation.email) == email.lower(), Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    invitation = Invitation(
        email=email.strip().lower(),
        organisation_id=organisation_id,
        team_id=team_id,
        roles=",".join(sorted(set(roles))),
        professional_registration=professional_registration or None,
        token_hash=token_hash,
        invited_by_id=invited_by.id,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_TTL_DAYS"]),
    )
    session.add(invitation)
    session.flush()
    service = current_app.config["SERVICE_NAME"]
    if find_person_by_email(session, invitation.email) is not None:
        # Already has an account: told so, with no link, so that inviting never tells the inviter whether an
        # address is known (the invitation waits in their list like any other, and its link could not be used).
        queue_email(session, invitation.email, f"You already have an account with {service}",
                    render_template("email/already_invited.txt", inviter=invited_by,
                                    sign_in=f"{current_app.config['BASE_URL']}/sign-in"))
    else:
        queue_email(session, invitation.email, f"You have been invited to {service}",
                    render_template("email/invitation.txt", invitation=invitation, inviter=invited_by,
                                    link=f"{current_app.config['BASE_URL']}/invitations/{token}",
                                    days=current_app.config["INVITATION_TTL_DAYS"]))
    audit.record(session, "invitation.created", "invitation", invitation.id, email=invitation.email,
                 roles=invitation.roles)
    return invitation, token


def revoke_invitation(session: Session, invitation: Invitation, now: datetime | None = None) -> bool:
    """The link stops working; False when it was accepted or withdrawn already."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return False
    invitation.revoked_at = now or utcnow()
    audit.record(session, "invitation.revoked", "invitation", invitation.id)
    return True


def open_invitation(session: Session, token: str, now: datetime | None = None) -> Invitation | None:
    """The invitation this link belongs to, if it can still be used."""
    now = now or utcnow()
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= now:
        return None
    return invitation


def accept_invitation(session: Session, invitation: Invitation, name: str, password: str) -> Person:
    person = create_person(
        session,
        email=invitation.email,
        name=name,
        organisation_id=invitation.organisation_id,
        roles=invitation.role_list,
        password=password,
        team_ids=[invitation.team_id] if invitation.team_id else [],
        professional_registration=invitation.professional_registration,
    )
    invitation.accepted_at = utcnow()
    invitation.person_id = person.id
    audit.record(session, "invitation.accepted", "invitation", invitation.id, actor_id=person.id)
    return person


# --- Password reset -----------------------------------------------------------

RESETS_PER_HOUR = 3


def request_password_reset(session: Session, email: str, now: datetime | None = None) -> None:
    """Note the request, the same for any address; `send_password_resets` acts on it. Says nothing either way."""
    session.add(PasswordResetRequest(email=email.strip().lower()[:254], requested_at=now or utcnow()))


def send_password_resets(session: Session, now: datetime | None = None) -> int:
    """The scheduler: for each request waiting, email a reset link if an active account has the address (at most
    RESETS_PER_HOUR an hour). Claimed with row locks, so two schedulers never send one twice. Returns how many
    links went."""
    now = now or utcnow()
    query = (select(PasswordResetRequest).where(PasswordResetRequest.handled_at.is_(None))
             .order_by(PasswordResetRequest.id).limit(200))
    sent = 0
    for waiting in session.scalars(with_row_locks(session, query, skip_locked=True)).all():
        waiting.handled_at = now
        person = find_person_by_email(session, waiting.email)
        if person is not None and person.is_active:
            sent += _send_reset_link(session, person, now)
    # The addresses asked about are kept no longer than it takes to act on them.
    session.execute(delete(PasswordResetRequest).where(PasswordResetRequest.handled_at < now - timedelta(days=1)))
    return sent


def _send_reset_link(session: Session, person: Person, now: datetime) -> int:
    recent = session.scalar(
        select(func.count()).select_from(PasswordReset).where(
            PasswordReset.person_id == person.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    )
    if recent >= RESETS_PER_HOUR:
        audit.record(session, "password_reset.limited", "person", person.id, actor_id=person.id)
        return 0
    token, token_hash = new_token()
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    session.add(PasswordReset(person_id=person.id, token_hash=token_hash, created_at=now,
                              expires_at=now + timedelta(minutes=minutes)))
    link = f"{current_app.config['BASE_URL']}/reset-password/{token}"
    queue_email(session, person.email, "Reset your password",
                render_template("email/password_reset.txt", person=person, link=link, minutes=minutes),
                recipient_id=person.id)
    audit.record(session, "password_reset.requested", "person", person.id, actor_id=person.id)
    return 1


def open_password_reset(session: Session, token: str, now: datetime | None = None) -> PasswordReset | None:
    now = now or utcnow()
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None or reset.used_at or reset.expires_at <= now:
        return None
    return reset


def complete_password_reset(session: Session, reset: PasswordReset, password: str) -> Person:
    person = session.get(Person, reset.person_id)
    person.password_hash = hash_password(password)
    now = utcnow()
    # Every link for this person is now spent, and every sign-in ends.
    session.execute(
        update(PasswordReset).where(PasswordReset.person_id == person.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    end_all_sign_ins(session, person.id, "password_reset")
    audit.record(session, "password_reset.completed", "person", person.id, actor_id=person.id)
    return person

