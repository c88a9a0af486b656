"""Reflective practice after booking: offers that expire, emailed invitations, moving and cancelling sessions, ending a series."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.mail import build_email
from core.notifications import Notification
from core.timeutil import LONDON
from supervision import changes, services
from supervision.models import Booking, GroupSeries, GroupSession
from tests.factories import SERIES_NOW, book_as, one_session, weekly_sessions
from tests.support import (
    at_moment,
    calendar_event,
    date_boxes,
    form_as_shown,
    mail_to,
    person,
    post_form,
    shows_date,
    sign_in,
)

# --- Offers after the cancellation cut-off ---------------------------------------------------


def test_a_seat_freed_after_the_cancellation_cut_off_is_offered_and_passed_on_when_the_offer_runs_out(app, session):
    gs = weekly_sessions(app, session, capacity=1, cancellation_cutoff_hours=24, team_id=None,
                   facilitator_id=person(session, "other_psychologist").id)[0]
    first = book_as(app, session, "frontline", gs)
    waiting = [book_as(app, session, key, gs) for key in ("team_lead", "admin")]
    late = gs.starts_at - timedelta(hours=6)

    offered = at_moment(late, app, session, lambda: services.cancel(session, first))
    assert offered.id == waiting[0].id and offered.status == "offered"
    assert offered.offer_expires_at == late + timedelta(hours=4)
    assert session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "team_lead").id)).all() == [
        "A place is offered to you: Keyworkers' reflective practice"]
    # The offered seat is held: someone booking now joins the waitlist.
    assert book_as(app, session, "psychologist", gs, late).status == "waitlisted"

    assert at_moment(late + timedelta(hours=3), app, session, lambda: services.expire_offers(session)) == 0
    assert at_moment(late + timedelta(hours=4), app, session, lambda: services.expire_offers(session)) == 1
    assert at_moment(late + timedelta(hours=4), app, session, lambda: services.expire_offers(session)) == 0
    assert session.get(Booking, waiting[0].id).status == "cancelled"
    passed = session.get(Booking, waiting[1].id)
    assert passed.status == "offered" and passed.offer_expires_at == gs.starts_at  # never beyond the start
    with pytest.raises(services.BookingRefused, match="no longer open"):
        at_moment(late + timedelta(hours=4), app, session, lambda: services.accept_offer(session, session.get(Booking, waiting[0].id)))
    session.rollback()

    accepted = at_moment(late + timedelta(hours=5), app, session, lambda: services.accept_offer(session, passed))
    assert accepted.status == "booked"
    invite, event = calendar_event(mail_to(session, "admin", "Booked")[-1])
    assert invite["METHOD"] == "REQUEST" and event["STATUS"] == "CONFIRMED"


def test_an_offer_taken_after_it_ran_out_is_refused_even_before_the_sweep_passes_it_on(app, session):
    gs = weekly_sessions(app, session, capacity=1)[0]
    first = book_as(app, session, "frontline", gs)
    waiting = book_as(app, session, "team_lead", gs)
    late = gs.starts_at - timedelta(hours=10)
    at_moment(late, app, session, lambda: services.cancel(session, first))
    with pytest.raises(services.BookingRefused, match="run out"):
        at_moment(late + timedelta(hours=4, minutes=1), app, session,
            lambda: services.accept_offer(session, session.get(Booking, waiting.id)))


def test_the_person_offered_a_place_takes_it_or_turns_it_down_on_the_session_page(app, session):
    gs = one_session(app, session, capacity=1, cancellation_cutoff_hours=336)
    with app.app_context():
        first = services.book(session, gs.id, person(session, "frontline"))
        services.book(session, gs.id, person(session, "team_lead"))
        services.cancel(session, first)
        session.commit()
    lead = app.test_client()
    sign_in(lead, "team_lead")
    url = f"/reflective-practice/sessions/{gs.id}"
    page = lead.get(url).get_data(as_text=True)
    assert "A place is offered to you" in page and "Take the place" in page
    booking_id = re.search(r"/bookings/(\d+)/accept", page).group(1)
    post_form(lead, f"/reflective-practice/bookings/{booking_id}/accept", page_url=url)
    assert "You have a place" in lead.get(url).get_data(as_text=True)
    session.rollback()
    assert session.get(Booking, int(booking_id)).status == "booked"


# --- Emailed invitations -------------------------------------------------------------------------


def test_booking_emails_each_person_their_own_invitation_and_cancelling_withdraws_it(app, session):
    gs = weekly_sessions(app, session, capacity=2)[0]
    mine = book_as(app, session, "frontline", gs)
    book_as(app, session, "team_lead", gs)
    at_moment(SERIES_NOW, app, session, lambda: services.cancel(session, mine))
    booked, cancelled = mail_to(session, "frontline")
    invite, event = calendar_event(booked)
    assert invite["METHOD"] == "REQUEST" and "ATTENDEE" not in event and event.decoded("DTSTART") == gs.starts_at
    withdrawn, gone = calendar_event(cancelled)
    assert withdrawn["METHOD"] == "CANCEL" and gone["STATUS"] == "CANCELLED"
    assert gone["UID"] == event["UID"] and int(gone["SEQUENCE"]) > int(event["SEQUENCE"])
    others = calendar_event(mail_to(session, "team_lead")[0])[1]
    assert others["UID"] != event["UID"]  # one invitation per attendee, each with its own UID

    email = build_email(cancelled, "Reach <no-reply@reach.example>", "reach.example")
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    assert Calendar.from_ical(part.get_content())["METHOD"] == "CANCEL"


# --- Moving and cancelling one session, ending a series -------------------------------------------


def test_moving_one_session_tells_everyone_and_leaves_the_rest_of_the_series(app, session):
    sessions = weekly_sessions(app, session, capacity=1)
    gs, later = sessions[0], sessions[1]
    book_as(app, session, "frontline", gs)
    book_as(app, session, "team_lead", gs)  # waitlisted
    before = calendar_event(mail_to(session, "frontline")[0])[1]
    new_start = datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
    told = at_moment(SERIES_NOW, app, session, lambda: changes.move_session(session, gs, new_start.astimezone(timezone.utc),
                                                               "Room 4 is being repainted"))
    assert told == 2
    moved = session.get(GroupSession, gs.id)
    assert moved.starts_at == new_start and moved.ends_at == new_start + timedelta(minutes=90)
    assert moved.occurrence == date(2026, 11, 24)  # the rule's date, so the sweep does not make it again
    assert session.get(GroupSession, later.id).starts_at == later.starts_at
    with app.app_context():
        assert services.make_sessions(session, SERIES_NOW, days=21) == 0

    update = mail_to(session, "frontline", "Moved")[0]
    invite, event = calendar_event(update)
    assert invite["METHOD"] == "REQUEST" and event["UID"] == before["UID"]
    assert int(event["SEQUENCE"]) > int(before["SEQUENCE"]) and event.decoded("DTSTART") == new_start
    assert "Room 4 is being repainted" in update.body
    waiting = mail_to(session, "team_lead", "Moved")[0]
    assert waiting.calendar is None  # no invitation for someone without a place


def test_a_session_moved_across_the_clock_change_keeps_the_time_the_team_lead_chose(app, session):
    gs = one_session(app, session)
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    response = post_form(lead, f"/reflective-practice/sessions/{gs.id}/move",
                         {"move-day": "2027-03-29", "move-start_time": "13:30"}, page_url=change)
    assert response.status_code == 302
    session.rollback()
    assert session.get(GroupSession, gs.id).starts_at == datetime(2027, 3, 29, 12, 30, tzinfo=timezone.utc)  # BST


def test_the_move_form_keeps_what_was_typed_and_explains_the_problem(app, session):
    gs = one_session(app, session)
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    move = f"/reflective-practice/sessions/{gs.id}/move"
    page = post_form(lead, move, {"move-day": "", "move-start_time": "25:99", "move-reason": "Training day"},
                     page_url=change).get_data(as_text=True)
    assert "There is a problem" in page and "Enter the new date" in page
    assert "Enter the start time as hours and minutes" in page and "Training day" in page
    page = post_form(lead, move, {"move-day": "2020-01-07", "move-start_time": "13:30"},
                     page_url=change).get_data(as_text=True)
    assert "Choose a time in the future for the session" in page
    page = post_form(lead, move, {**date_boxes("move-day", date(2062, 1, 7)), "move-start_time": "13:30"},
                     page_url=change).get_data(as_text=True)
    assert "Choose a time within the next year for the session" in page
    assert shows_date(page, "move-day", date(2062, 1, 7))
    session.rollback()
    assert session.get(GroupSession, gs.id).sequence == 0


def test_moving_a_session_to_the_time_it_already_has_tells_nobody_and_says_so(app, session):
    gs = one_session(app, session)
    book_as(app, session, "frontline", gs, moment=datetime.now(timezone.utc))
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    unchanged = form_as_shown(lead, change, f"/reflective-practice/sessions/{gs.id}/move")
    page = lead.post(f"/reflective-practice/sessions/{gs.id}/move", data=unchanged).get_data(as_text=True)
    assert "There is a problem" in page and "choose a different date or time to move it" in page
    assert "Nobody has been told anything" in page
    session.rollback()
    assert session.get(GroupSession, gs.id).sequence == 0
    assert mail_to(session, "frontline", "Moved") == []


def test_a_reason_everyone_booked_will_see_may_not_name_anyone_on_the_session(app, session):
    gs = one_session(app, session, capacity=3)
    person(session, "frontline").name = "Priya Shah"
    session.commit()
    book_as(app, session, "frontline", gs)
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    page = post_form(lead, f"/reflective-practice/sessions/{gs.id}/cancel",
                     {"cancel-reason": "Priya asked for it to move"}, page_url=change).get_data(as_text=True)
    assert "There is a problem" in page and "must not name anyone: remove \u201cPriya\u201d" in page
    assert "Priya asked for it to move" in page
    session.rollback()
    assert session.get(GroupSession, gs.id).status == "scheduled"
    assert post_form(lead, f"/reflective-practice/sessions/{gs.id}/cancel",
                     {"cancel-reason": "The room is needed for training"}, page_url=change).status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(GroupSession, gs.id).status == "cancelled"


def test_only_the_series_team_leads_can_change_sessions(app, session):
    gs = one_session(app, session)
    for key, expected in [("team_lead", 200), ("psychologist", 404), ("frontline", 404), ("other_team_lead", 404)]:
        client = app.test_client()
        sign_in(client, key)
        assert client.get(f"/reflective-practice/sessions/{gs.id}/change").status_code == expected, key
    frontline = app.test_client()
    sign_in(frontline, "frontline")
    page = f"/reflective-practice/sessions/{gs.id}"
    assert post_form(frontline, f"/reflective-practice/sessions/{gs.id}/cancel", page_url=page).status_code == 404
    session.rollback()
    assert session.get(GroupSession, gs.id).status == "scheduled"


def test_cancelling_one_session_withdraws_every_invitation_and_stops_bookings(app, session):
    sessions = weekly_sessions(app, session, capacity=3)
    gs = sessions[0]
    book_as(app, session, "frontline", gs)
    at_moment(SERIES_NOW, app, session, lambda: changes.cancel_session(session, gs, "Facilitator unwell"))
    invite, event = calendar_event(mail_to(session, "frontline", "Cancelled: Keyworkers")[0])
    assert invite["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    with pytest.raises(services.BookingRefused, match="cancelled"):
        book_as(app, session, "team_lead", gs)
    session.rollback()
    assert session.get(GroupSession, sessions[1].id).status == "scheduled"


def test_ending_a_series_cancels_what_is_still_to_come_and_makes_no_more(app, session):
    sessions = weekly_sessions(app, session, capacity=3)
    for gs in sessions:
        book_as(app, session, "frontline", gs)
    after_first = sessions[0].ends_at + timedelta(hours=1)
    ended = at_moment(after_first, app, session,
                lambda: changes.end_series(session, session.get(GroupSeries, sessions[0].series_id)))
    assert ended == len(sessions) - 1
    statuses = [session.get(GroupSession, gs.id).status for gs in sessions]
    assert statuses == ["scheduled"] + ["cancelled"] * (len(sessions) - 1)  # the past session keeps its record
    assert len(mail_to(session, "frontline", "Cancelled")) == len(sessions) - 1
    with app.app_context():
        assert services.make_sessions(session, after_first, days=84) == 0


def test_single_line_fields_arrive_without_line_breaks_and_calendars_never_carry_one(app, session):
    from werkzeug.datastructures import MultiDict

    from supervision.calendar import booking_invitation
    from supervision.forms import SeriesForm
    with app.test_request_context(method="POST"):
        form = SeriesForm(formdata=MultiDict({"title": "Keyworkers\rround\n", "location": "Room 4\r\nBN1"}),
                          meta={"csrf": False})
        assert (form.title.data, form.location.data) == ("Keyworkers round", "Room 4  BN1")
    gs = weekly_sessions(app, session, capacity=2)[0]
    booking = book_as(app, session, "frontline", gs)
    stored = session.get(GroupSeries, gs.series_id)
    stored.title, stored.location = "Round\rBcc", "Room\r\n4"  # as rows stored before could be
    session.commit()
    with app.app_context():
        ics = booking_invitation(booking, session.get(GroupSession, gs.id), stored).decode()
    summary = next(line for line in ics.split("\r\n") if line.startswith("SUMMARY"))
    location = next(line for line in ics.split("\r\n") if line.startswith("LOCATION"))
    assert "\r" not in summary and summary.endswith("Round Bcc")
    assert location == "LOCATION:Room  4"


def test_ending_a_group_asks_first_and_keeps_the_reason_typed(app, session):
    gs = one_session(app, session)
    book_as(app, session, "frontline", gs, moment=datetime.now(timezone.utc))
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    end = f"/reflective-practice/sessions/{gs.id}/end-series"
    asked = post_form(lead, end, {"end-reason": "The team is moving to a new rota"}, page_url=change)
    page = asked.get_data(as_text=True)
    assert "End Keyworkers&#39; reflective practice?" in page and "You cannot undo this" in page
    assert 'name="end-reason" value="The team is moving to a new rota"' in page
    session.rollback()
    assert session.get(GroupSeries, gs.series_id).ended_at is None and mail_to(session, "frontline", "Cancelled") == []
    done = post_form(lead, end, {"end-reason": "The team is moving to a new rota", "confirmed": "yes"}, page_url=change)
    assert done.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(GroupSeries, gs.series_id).ended_at is not None
    assert "The team is moving to a new rota" in mail_to(session, "frontline", "Cancelled")[0].body
