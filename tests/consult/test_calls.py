"""Calls on a request: either person moves or cancels one (both get the updated invitation or its
cancellation), and a call that can no longer happen (the request closed, or changed hands) is cancelled."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from consult import calls, services
from consult.models import CallSlot
from core.notifications import Notification, OutboxMessage
from core.timeutil import LONDON, utcnow
from tests.factories import raise_request, reload
from tests.pages import open_page
from tests.support import date_boxes, person, post_form, shows_date, sign_in


def _booked_call(app, session, days_ahead: int = 2):
    now = utcnow()
    c = raise_request(app, session, now=now)
    with app.app_context():
        services.take(session, c, person(session, "psychologist"), now)
        starts = datetime.combine((now + timedelta(days=days_ahead)).astimezone(LONDON).date(),
                                  datetime.min.time().replace(hour=14), tzinfo=LONDON)
        call = calls.book_call(session, c, person(session, "psychologist"), starts, "phone", now)
        session.commit()
    return c, call


def _invitations_to(session, key: str) -> list[tuple[str, int]]:
    """(METHOD, SEQUENCE) of each calendar invitation emailed to this person, oldest first."""
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == person(session, key).email,
                                                           OutboxMessage.calendar.is_not(None))
                               .order_by(OutboxMessage.id)).all()
    found = []
    for message in messages:
        invite = Calendar.from_ical(message.calendar)
        found.append((str(invite["METHOD"]), int(invite.walk("VEVENT")[0]["SEQUENCE"])))
    return found


def test_booking_a_call_emails_the_invitation_to_both(app, session):
    _booked_call(app, session)
    assert _invitations_to(session, "frontline") == [("REQUEST", 0)]
    assert _invitations_to(session, "psychologist") == [("REQUEST", 0)]


def test_the_worker_moves_a_call_and_both_get_the_updated_invitation(app, session):
    c, call = _booked_call(app, session)
    worker = app.test_client()
    sign_in(worker, "frontline")
    change = f"/consultations/{c.id}/calls/{call.id}/change"
    assert f'href="{change}"' in open_page(worker, "consult.show", consultation_id=c.id)
    local = call.starts_at.astimezone(LONDON)
    same = post_form(worker, f"/consultations/{c.id}/calls/{call.id}/move",
                     {"move-day": local.date().isoformat(), "move-start": local.strftime("%H:%M")}, page_url=change)
    assert "There is a problem" in same.get_data(as_text=True)
    assert "The call is already booked for" in same.get_data(as_text=True)
    far = (local + timedelta(days=3650)).date()
    too_far = post_form(worker, f"/consultations/{c.id}/calls/{call.id}/move",
                        {**date_boxes("move-day", far), "move-start": "10:00"}, page_url=change).get_data(as_text=True)
    assert "Choose a time within the next year" in too_far and shows_date(too_far, "move-day", far)
    later = (local + timedelta(days=1)).date().isoformat()
    moved = post_form(worker, f"/consultations/{c.id}/calls/{call.id}/move",
                      {"move-day": later, "move-start": "15:30"}, page_url=change)
    assert moved.status_code == 302
    call = session.scalars(select(CallSlot).where(CallSlot.id == call.id)).one()
    session.refresh(call)
    assert call.starts_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == f"{later} 15:30" and call.sequence == 1
    assert _invitations_to(session, "psychologist")[-1] == ("REQUEST", 1)
    assert _invitations_to(session, "frontline")[-1] == ("REQUEST", 1)
    told = session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "psychologist").id)).all()
    assert any(title.startswith("A call has been moved") for title in told)


def test_the_psychologist_cancels_a_call_and_it_leaves_both_calendars(app, session):
    c, call = _booked_call(app, session)
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    change = f"/consultations/{c.id}/calls/{call.id}/change"
    assert post_form(psychologist, f"/consultations/{c.id}/calls/{call.id}/cancel",
                     {"cancel-reason": "Clashes with a clinic"}, page_url=change).status_code == 302
    session.expire_all()
    assert session.get(CallSlot, call.id).status == "cancelled"
    assert _invitations_to(session, "frontline")[-1] == ("CANCEL", 1)
    assert _invitations_to(session, "psychologist")[-1] == ("CANCEL", 1)
    page = open_page(psychologist, "consult.show", consultation_id=c.id)
    assert "cancelled." in page and "Add to your calendar" not in page and "Clashes with a clinic" in page
    again = post_form(psychologist, f"/consultations/{c.id}/calls/{call.id}/cancel", {"cancel-reason": ""},
                      page_url=change).get_data(as_text=True)
    assert "This call was cancelled, so it cannot be changed" in again


def test_closing_a_request_cancels_the_calls_still_to_come(app, session):
    c, call = _booked_call(app, session)
    with app.app_context():
        services.give_advice(session, c, person(session, "psychologist"), "Try asking about mornings.")
        services.close(session, c, person(session, "psychologist"), "advice_only", 20, "")
        session.commit()
    session.expire_all()
    assert session.get(CallSlot, call.id).status == "cancelled"
    assert _invitations_to(session, "frontline")[-1] == ("CANCEL", 1)
    worker_told = session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "frontline").id)).all()
    assert any(title.startswith("A call has been cancelled") for title in worker_told)


def test_a_call_with_a_psychologist_who_no_longer_holds_the_request_is_cancelled(app, session):
    c, call = _booked_call(app, session)
    with app.app_context():
        services.reassign(session, reload(session, c), person(session, "psychologist"),
                          person(session, "other_psychologist"), "Going on leave")
        session.commit()
    session.expire_all()
    assert session.get(CallSlot, call.id).status == "cancelled"
    assert _invitations_to(session, "frontline")[-1] == ("CANCEL", 1)
