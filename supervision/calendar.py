"""One calendar invitation per attendee: stable UID per booking, SEQUENCE raised on every change,
REQUEST for invitations and updates, CANCEL with STATUS:CANCELLED for cancellations. Times in UTC."""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from core.accounts.models import Person
from core.config import base_host
from core.ics import Invitation, invitation_ics
from core.notifications import email_person, notify

from .models import BOOKED, Booking, GroupSeries, GroupSession, SessionStatus


def booking_invitation(booking: Booking, gs: GroupSession, series: GroupSeries) -> bytes:
    # Either the booking or the session changing must raise the sequence.
    return invitation_ics(Invitation(
        "Reflective practice", f"booking-{booking.id}@{base_host(current_app.config)}", gs.starts_at, gs.ends_at,
        booking.sequence + gs.sequence, f"Reflective practice: {series.title}",
        f"{current_app.config['BASE_URL']}/reflective-practice/sessions/{gs.id}",
        booking.status != BOOKED or gs.status == SessionStatus.CANCELLED, location=series.location))


def tell_with_invitation(session: Session, booking: Booking, gs: GroupSession, series: GroupSeries,
                         title: str, body: str, in_app: bool = True) -> None:
    """Tell the person, with their own invitation (or its cancellation) attached to the email."""
    person = session.get(Person, booking.person_id)
    ics = booking_invitation(booking, gs, series).decode()
    if in_app:
        notify(session, person, title, body, link=f"/reflective-practice/sessions/{gs.id}", calendar=ics)
    else:
        email_person(session, person, title, body, ics)
