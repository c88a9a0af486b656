"""A psychologist's duties as an iCalendar feed: stable UIDs, SEQUENCE raised on change, cancellations kept."""
from __future__ import annotations

from icalendar import Calendar, Event

from core.timeutil import utcnow

from .rota_models import DutySlot


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
        event.add("summary", "Consultation duty" + (" (cover)" if slot.kind == "cover" else ""))
        event.add("status", "CANCELLED" if slot.status == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
