"""One calendar invitation per attendee: stable UID per booking, SEQUENCE raised on every change,
REQUEST for invitations and updates, CANCEL with STATUS:CANCELLED for cancellations. Times in UTC."""
from __future__ import annotations

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from core.accounts.models import Person
from core.config import base_host
from core.notifications import email_person, notify
from core.text import one_line
from core.timeutil import utcnow

from .models import BOOKED, Booking, GroupSeries, GroupSession, SessionStatus


def booking_invitation(booking: Booking, gs: GroupSession, series: GroupSeries) -> bytes:
    base_url = current_app.config["BASE_URL"]
    cancelled = booking.status != BOOKED or gs.status == SessionStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Psychology Reach//Reflective practice//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"booking-{booking.id}@{base_host(current_app.config)}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", gs.starts_at)
    event.add("dtend", gs.ends_at)
    # Either the booking or the session changing must raise the sequence.
    event.add("sequence", booking.sequence + gs.sequence)
    # One line each, whatever was stored: a lenient calendar client splits a property at a bare CR.
    event.add("summary", one_line(f"Reflective practice: {series.title}"))
    event.add("location", one_line(series.location))
    event.add("description", f"{base_url}/reflective-practice/sessions/{gs.id}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def tell_with_invitation(session: Session, booking: Booking, gs: GroupSession, series: GroupSeries,
                         title: str, body: str, in_app: bool = True) -> None:
    """Tell the person, with their own invitation (or its cancellation) attached to the email."""
    person = session.get(Person, booking.person_id)
    ics = booking_invitation(booking, gs, series).decode()
    if in_app:
        notify(session, person, title, body, link=f"/reflective-practice/sessions/{gs.id}", calendar=ics)
    else:
        email_person(session, person, title, body, ics)
