"""Calendar invitations (.ics) for consultation calls."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from core.timeutil import utcnow

from .models import CALL_MODES, CallSlot, Consultation


def call_invitation(c: Consultation, call: CallSlot, base_url: str, domain: str) -> bytes:
    """One VEVENT with a stable UID and a SEQUENCE raised on every change, in UTC; REQUEST while the call is on,
    CANCEL once it is cancelled. No client details beyond the reference."""
    cancelled = call.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//Psychology Reach//Consultation calls//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"consultation-call-{call.id}@{domain}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", call.starts_at)
    event.add("dtend", call.starts_at + timedelta(minutes=call.minutes))
    event.add("sequence", call.sequence)
    event.add("summary", f"Consultation call {c.reference} ({CALL_MODES[call.mode].lower()})")
    event.add("description", f"Consultation {c.reference}: {base_url}/consultations/{c.id}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
