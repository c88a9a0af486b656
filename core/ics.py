"""One calendar invitation holding one event: a stable UID, SEQUENCE raised on every change, REQUEST while it is
on and CANCEL (with STATUS:CANCELLED) once it is not, times in UTC. Text properties are made one line: a lenient
calendar client splits a property at a bare CR."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from .text import one_line
from .timeutil import utcnow


@dataclass(frozen=True)
class Invitation:
    product: str  # "Consultation calls", "Supervision": names the PRODID
    uid: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    summary: str
    description: str
    cancelled: bool
    location: str | None = None


def invitation_ics(invite: Invitation) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//Psychology Reach//{invite.product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", invite.uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", invite.starts_at)
    event.add("dtend", invite.ends_at)
    event.add("sequence", invite.sequence)
    event.add("summary", one_line(invite.summary))
    if invite.location is not None:
        event.add("location", one_line(invite.location))
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
