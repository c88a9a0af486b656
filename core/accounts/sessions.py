"""Server-side sign-in sessions behind Flask-Login.

The cookie carries a per-sign-in token. Every request looks it up; signing
out, deactivation, a password reset, or the idle and absolute limits end the
row, and with it every copy of the cookie.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, request
from flask import session as flask_session
from flask_login import LoginManager, login_user
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ..database import db
from ..notifications import Notification
from ..timeutil import utcnow
from .models import Person, PersonRole, SignInSession
from .tokens import hash_token, new_token

LAST_SEEN_GRANULARITY = timedelta(minutes=1)

login_manager = LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
# Our own server-side check replaces Flask-Login's IP/agent heuristics.
login_manager.session_protection = None


def start_sign_in(session: Session, person: Person) -> SignInSession:
    token, token_hash = new_token()
    sign_in = SignInSession(
        person_id=person.id,
        token_hash=token_hash,
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:300],
    )
    session.add(sign_in)
    session.flush()
    sign_in.token = token
    person.sign_in = sign_in
    # A new cookie for a new sign-in: nothing from before survives (session fixation).
    flask_session.clear()
    login_user(person)
    return sign_in


def end_sign_in(session: Session, sign_in: SignInSession, reason: str) -> None:
    if sign_in.ended_at is None:
        sign_in.ended_at = utcnow()
        sign_in.ended_reason = reason


def end_all_sign_ins(session: Session, person_id: int, reason: str, keep: SignInSession | None = None) -> None:
    """End every open sign-in of this person, except `keep` (the one making the change)."""
    query = update(SignInSession).where(SignInSession.person_id == person_id, SignInSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(SignInSession.id != keep.id)
    session.execute(query.values(ended_at=utcnow(), ended_reason=reason))


def _expired(sign_in: SignInSession, now: datetime) -> str | None:
    config = current_app.config
    if now - sign_in.created_at > timedelta(hours=config["ABSOLUTE_TIMEOUT_HOURS"]):
        return "expired"
    if now - sign_in.last_seen_at > timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]):
        return "idle"
    return None


def _update_later(session: Session, sign_in_id: int, **values) -> None:
    db.defer_write(session, lambda s: s.execute(
        update(SignInSession).where(SignInSession.id == sign_in_id, SignInSession.ended_at.is_(None)).values(**values)))


# Built once: this runs before every page, and a statement object reused keeps SQLAlchemy's cache key for it.
# The sign-in, the person, their organisation and roles come in one statement; teams load on first use
# (a few pages need them), since joining a many-to-many here made SQLite build every membership. The roles
# come as one text column rather than rows: eager-loading a collection cost half this statement's time.
_ROLES = (select(func.aggregate_strings(PersonRole.role, ",")).where(PersonRole.person_id == Person.id)
          .scalar_subquery())
_UNREAD = (select(func.count()).select_from(Notification)
           .where(Notification.person_id == Person.id, Notification.read_at.is_(None)).scalar_subquery())
_SIGNED_IN = (select(SignInSession, Person, _ROLES, _UNREAD).join(Person, Person.id == SignInSession.person_id)
              .where(SignInSession.token_hash == bindparam("token_hash")))


@login_manager.user_loader
def load_person(token: str) -> Person | None:
    session = db.session
    row = session.execute(_SIGNED_IN, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        return None
    sign_in, person, roles, unread = row
    if sign_in.ended_at is not None:
        return None
    now = utcnow()
    reason = "deactivated" if not person.is_active else _expired(sign_in, now)
    if reason:
        _update_later(session, sign_in.id, ended_at=now, ended_reason=reason)
        return None
    if now - sign_in.last_seen_at > LAST_SEEN_GRANULARITY:
        _update_later(session, sign_in.id, last_seen_at=now)
    sign_in.token = token
    person.sign_in = sign_in
    person.signed_in_roles = frozenset(roles.split(",")) if roles else frozenset()
    person.unread_notifications = unread or 0
    return person
