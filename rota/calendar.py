"""A psychologist's duties as an iCalendar feed: stable UIDs, SEQUENCE raised on change, cancellations kept;
and its secret address, made, shown again to its owner, or turned off."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person
from core.accounts.tokens import hash_token
from core.timeutil import utcnow

from .models import CalendarFeed, DutySlot, SlotKind, SlotStatus


def _token(secret_key: str, person_id: int, nonce: str) -> str:
    digest = hmac.new(secret_key.encode(), f"duty-feed:{person_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def feed_path(feed: CalendarFeed, secret_key: str) -> str | None:
    """The feed's address (after the site's), or None for a feed made before addresses could be shown again."""
    return f"/consultations/rota/feed/{_token(secret_key, feed.person_id, feed.nonce)}.ics" if feed.nonce else None


def make_feed(session: Session, person: Person, secret_key: str, now: datetime | None = None) -> CalendarFeed:
    """A new secret address for the person's duties; any earlier one stops working."""
    nonce = secrets.token_urlsafe(32)
    token_hash = hash_token(_token(secret_key, person.id, nonce))
    feed = session.get(CalendarFeed, person.id)
    if feed is None:
        feed = CalendarFeed(person_id=person.id)
        session.add(feed)
    feed.token_hash, feed.nonce, feed.created_at = token_hash, nonce, now or utcnow()
    audit.record(session, "rota.feed_created", "person", person.id)
    return feed


def revoke_feed_of(session: Session, person: Person) -> None:
    """The person's feed address stops working (there is none until they make a new one)."""
    feed = session.get(CalendarFeed, person.id)
    if feed is not None:
        session.delete(feed)
        audit.record(session, "rota.feed_revoked", "person", person.id)


def duty_feed(slots: list[DutySlot], domain: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Psychology Reach//Duty rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Consultation duty")
    stamp = utcnow()
    for slot in slots:
        event = Event()
        event.add("uid", f"duty-{slot.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        event.add("sequence", slot.sequence)
        event.add("summary", "Consultation duty" + (" (cover)" if slot.kind == SlotKind.COVER else ""))
        event.add("status", "CANCELLED" if slot.status == SlotStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
