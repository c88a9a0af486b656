"""The half-way point of a two-factor sign-in: the password has been checked, the code is still to come.

Kept on the server (PendingSignIn) and found by a random token in the cookie: a cookie alone, even one signed
with a known key, names nobody. It lasts PENDING_MINUTES, is used once, and says which step it is waiting for,
so setting up two-factor at sign-in is offered only to someone whose role requires it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask import session as flask_session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .models import PendingSignIn, Person
from .tokens import hash_token, new_token

COOKIE_KEY = "pending_sign_in"
PENDING_MINUTES = 5
ENTER_CODE, ENROL = "code", "enrol"


def two_factor_required_by_role(person: Person) -> bool:
    return bool(current_app.config["REQUIRE_2FA_ROLES"] & person.roles)


def next_step(person: Person) -> str | None:
    """What a person whose password is right must still do: enter a code, set two-factor up, or nothing."""
    if person.two_factor_enabled:
        return ENTER_CODE
    return ENROL if two_factor_required_by_role(person) else None


def begin(session: Session, person: Person, step: str, next_url: str | None, now: datetime | None = None) -> None:
    """Record that this person's password step passed, and give the browser the token for it."""
    now = now or utcnow()
    session.execute(delete(PendingSignIn).where(
        (PendingSignIn.person_id == person.id) | (PendingSignIn.expires_at < now)))
    token, token_hash = new_token()
    session.add(PendingSignIn(token_hash=token_hash, person_id=person.id, step=step, next_url=next_url,
                              created_at=now, expires_at=now + timedelta(minutes=PENDING_MINUTES)))
    flask_session[COOKIE_KEY] = token


def find(session: Session, step: str, now: datetime | None = None) -> tuple[Person, PendingSignIn] | tuple[None, None]:
    """The person this browser is half-way through signing in, waiting at `step`; or nobody."""
    token = flask_session.get(COOKIE_KEY)
    if not isinstance(token, str) or len(token) > 100:
        return None, None
    pending = session.scalar(select(PendingSignIn).where(PendingSignIn.token_hash == hash_token(token)))
    if pending is None or pending.step != step or pending.expires_at <= (now or utcnow()):
        return None, None
    person = session.get(Person, pending.person_id)
    if person is None or not person.is_active or next_step(person) != step:
        return None, None
    return person, pending


def finish(session: Session, pending: PendingSignIn) -> None:
    """Used once: gone from the server and the cookie."""
    session.delete(pending)
    flask_session.pop(COOKIE_KEY, None)
