"""Reflective practice after booking: offers that expire, moving and cancelling sessions, ending a series,
emailed invitations, reminders exactly once."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from core.mail import build_email
from core.notifications import Notification, OutboxMessage
from core.scheduler import run_sweep, sweeps_of
from core.timeutil import LONDON, as_utc
from supervision import changes, services
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.reminders import send_reminders

from .support import date_boxes, form_as_shown, person, post_form, shows_date, sign_in
from .test_supervision import NOW, _one_session, series


def _sessions(app, session, **changes_):
    """A weekly series from Tuesday 24 November 2026, and its first three sessions."""
    made = series(session, **changes_)
    with app.app_context(), time_machine.travel(NOW, tick=False):
        services.make_sessions(session, NOW, days=21)
        session.commit()
    return session.scalars(select(GroupSession).where(GroupSession.series_id == made.id)
                           .order_by(GroupSession.starts_at)).all()


def _at(moment, app, session, action):
    with app.app_context(), time_machine.travel(moment, tick=False):
        result = action()
        session.commit()
        return result


def _book(app, session, key, gs, moment=NOW):
    return _at(moment, app, session, lambda: services.book(session, gs.id, person(session, key)))


def _mail_to(session, key, subject_start=""):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == person(session, key).email,
                                                       OutboxMessage.subject.startswith(subject_start))
                           .order_by(OutboxMessage.id)).all()


def _event(message):
    invite = Calendar.from_ical(message.calendar)
    return invite, invite.walk("VEVENT")[0]


# --- Offers after the cancellation cut-off ---------------------------------------------------

def test_a_seat_freed_after_the_cancellation_cut_off_is_offered_and_passed_on_when_the_offer_runs_out(app, session):
    gs = _sessions(app, session, capacity=1, cancellation_cutoff_hours=24, team_id=None,
                   facilitator_id=person(session, "other_psychologist").id)[0]
    first = _book(app, session, "frontline", gs)
    waiting = [_book(app, session, key, gs) for key in ("team_lead", "admin")]
    late = gs.starts_at - timedelta(hours=6)

    offered = _at(late, app, session, lambda: services.cancel(session, first))
    assert offered.id == waiting[0].id and offered.status == "offered"
    assert offered.offer_expires_at == late + timedelta(hours=4)
    assert session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "team_lead").id)).all() == [
        "A place is offered to you: Keyworkers' reflective practice"]
    # The offered seat is held: someone booking now joins the waitlist.
    assert _book(app, session, "psychologist", gs, late).status == "waitlisted"

    assert _at(late + timedelta(hours=3), app, session, lambda: services.expire_offers(session)) == 0
    assert _at(late + timedelta(hours=4), app, session, lambda: services.expire_offers(session)) == 1
    assert _at(late + timedelta(hours=4), app, session, lambda: services.expire_offers(session)) == 0
    assert session.get(Booking, waiting[0].id).status == "cancelled"
    passed = session.get(Booking, waiting[1].id)
    assert passed.status == "offered" and passed.offer_expires_at == gs.starts_at  # never beyond the start
    with pytest.raises(services.BookingRefused, match="no longer open"):
        _at(late + timedelta(hours=4), app, session, lambda: services.accept_offer(session, session.get(Booking, waiting[0].id)))
    session.rollback()

    accepted = _at(late + timedelta(hours=5), app, session, lambda: services.accept_offer(session, passed))
    assert accepted.status == "booked"
    invite, event = _event(_mail_to(session, "admin", "Booked")[-1])
    assert invite["METHOD"] == "REQUEST" and event["STATUS"] == "CONFIRMED"


def test_an_offer_taken_after_it_ran_out_is_refused_even_before_the_sweep_passes_it_on(app, session):
    gs = _sessions(app, session, capacity=1)[0]
    first = _book(app, session, "frontline", gs)
    waiting = _book(app, session, "team_lead", gs)
    late = gs.starts_at - timedelta(hours=10)
    _at(late, app, session, lambda: services.cancel(session, first))
    with pytest.raises(services.BookingRefused, match="run out"):
        _at(late + timedelta(hours=4, minutes=1), app, session,
            lambda: services.accept_offer(session, session.get(Booking, waiting.id)))


def test_the_person_offered_a_place_takes_it_or_turns_it_down_on_the_session_page(app, session):
    gs = _one_session(app, session, capacity=1, cancellation_cutoff_hours=336)
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
    gs = _sessions(app, session, capacity=2)[0]
    mine = _book(app, session, "frontline", gs)
    _book(app, session, "team_lead", gs)
    _at(NOW, app, session, lambda: services.cancel(session, mine))
    booked, cancelled = _mail_to(session, "frontline")
    invite, event = _event(booked)
    assert invite["METHOD"] == "REQUEST" and "ATTENDEE" not in event and event.decoded("DTSTART") == gs.starts_at
    withdrawn, gone = _event(cancelled)
    assert withdrawn["METHOD"] == "CANCEL" and gone["STATUS"] == "CANCELLED"
    assert gone["UID"] == event["UID"] and int(gone["SEQUENCE"]) > int(event["SEQUENCE"])
    others = _event(_mail_to(session, "team_lead")[0])[1]
    assert others["UID"] != event["UID"]  # one invitation per attendee, each with its own UID

    email = build_email(cancelled, "Reach <no-reply@reach.example>", "reach.example")
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    assert Calendar.from_ical(part.get_content())["METHOD"] == "CANCEL"


# --- Moving and cancelling one session, ending a series -------------------------------------------

def test_moving_one_session_tells_everyone_and_leaves_the_rest_of_the_series(app, session):
    sessions = _sessions(app, session, capacity=1)
    gs, later = sessions[0], sessions[1]
    _book(app, session, "frontline", gs)
    _book(app, session, "team_lead", gs)  # waitlisted
    before = _event(_mail_to(session, "frontline")[0])[1]
    new_start = datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
    told = _at(NOW, app, session, lambda: changes.move_session(session, gs, new_start.astimezone(timezone.utc),
                                                               "Room 4 is being repainted"))
    assert told == 2
    moved = session.get(GroupSession, gs.id)
    assert moved.starts_at == new_start and moved.ends_at == new_start + timedelta(minutes=90)
    assert moved.occurrence == date(2026, 11, 24)  # the rule's date, so the sweep does not make it again
    assert session.get(GroupSession, later.id).starts_at == later.starts_at
    with app.app_context():
        assert services.make_sessions(session, NOW, days=21) == 0

    update = _mail_to(session, "frontline", "Moved")[0]
    invite, event = _event(update)
    assert invite["METHOD"] == "REQUEST" and event["UID"] == before["UID"]
    assert int(event["SEQUENCE"]) > int(before["SEQUENCE"]) and event.decoded("DTSTART") == new_start
    assert "Room 4 is being repainted" in update.body
    waiting = _mail_to(session, "team_lead", "Moved")[0]
    assert waiting.calendar is None  # no invitation for someone without a place


def test_a_session_moved_across_the_clock_change_keeps_the_time_the_team_lead_chose(app, session):
    gs = _one_session(app, session)
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    response = post_form(lead, f"/reflective-practice/sessions/{gs.id}/move",
                         {"move-day": "2027-03-29", "move-start_time": "13:30"}, page_url=change)
    assert response.status_code == 302
    session.rollback()
    assert session.get(GroupSession, gs.id).starts_at == datetime(2027, 3, 29, 12, 30, tzinfo=timezone.utc)  # BST


def test_the_move_form_keeps_what_was_typed_and_explains_the_problem(app, session):
    gs = _one_session(app, session)
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
    gs = _one_session(app, session)
    _book(app, session, "frontline", gs, moment=datetime.now(timezone.utc))
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    unchanged = form_as_shown(lead, change, f"/reflective-practice/sessions/{gs.id}/move")
    page = lead.post(f"/reflective-practice/sessions/{gs.id}/move", data=unchanged).get_data(as_text=True)
    assert "There is a problem" in page and "choose a different date or time to move it" in page
    assert "Nobody has been told anything" in page
    session.rollback()
    assert session.get(GroupSession, gs.id).sequence == 0
    assert _mail_to(session, "frontline", "Moved") == []


def test_a_reason_everyone_booked_will_see_may_not_name_anyone_on_the_session(app, session):
    gs = _one_session(app, session, capacity=3)
    person(session, "frontline").name = "Priya Shah"
    session.commit()
    _book(app, session, "frontline", gs)
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
    gs = _one_session(app, session)
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
    sessions = _sessions(app, session, capacity=3)
    gs = sessions[0]
    _book(app, session, "frontline", gs)
    _at(NOW, app, session, lambda: changes.cancel_session(session, gs, "Facilitator unwell"))
    invite, event = _event(_mail_to(session, "frontline", "Cancelled: Keyworkers")[0])
    assert invite["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    with pytest.raises(services.BookingRefused, match="cancelled"):
        _book(app, session, "team_lead", gs)
    session.rollback()
    assert session.get(GroupSession, sessions[1].id).status == "scheduled"


def test_ending_a_series_cancels_what_is_still_to_come_and_makes_no_more(app, session):
    sessions = _sessions(app, session, capacity=3)
    for gs in sessions:
        _book(app, session, "frontline", gs)
    after_first = sessions[0].ends_at + timedelta(hours=1)
    ended = _at(after_first, app, session,
                lambda: changes.end_series(session, session.get(GroupSeries, sessions[0].series_id)))
    assert ended == len(sessions) - 1
    statuses = [session.get(GroupSession, gs.id).status for gs in sessions]
    assert statuses == ["scheduled"] + ["cancelled"] * (len(sessions) - 1)  # the past session keeps its record
    assert len(_mail_to(session, "frontline", "Cancelled")) == len(sessions) - 1
    with app.app_context():
        assert services.make_sessions(session, after_first, days=84) == 0


# --- Reminders ----------------------------------------------------------------------------------

def _reminders_to(session, key):
    session.rollback()
    return [m.subject for m in _mail_to(session, key, "Reminder")]


def _sweep(app, moment):
    with time_machine.travel(moment, tick=False):
        run_sweep(app, sweeps_of(app)["group-sessions"])


def test_reminders_go_the_day_before_and_an_hour_before_exactly_once(app, session):
    sessions = _sessions(app, session, capacity=1, team_id=None,
                         facilitator_id=person(session, "other_psychologist").id)
    gs, cancelled = sessions[0], sessions[1]
    _book(app, session, "frontline", gs)
    _book(app, session, "team_lead", gs)  # waitlisted: no reminder
    psychologist = _book(app, session, "psychologist", cancelled)
    _book(app, session, "admin", cancelled)
    _at(NOW, app, session, lambda: services.cancel(session, psychologist))
    _at(NOW, app, session, lambda: changes.cancel_session(session, cancelled))

    for moment in (gs.starts_at - timedelta(hours=23), gs.starts_at - timedelta(hours=22)):
        _sweep(app, moment)
        _sweep(app, moment)
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, tomorrow at 1:30pm"]
    for moment in (gs.starts_at - timedelta(minutes=59), gs.starts_at - timedelta(minutes=30)):
        _sweep(app, moment)
        _sweep(app, moment)
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, tomorrow at 1:30pm",
                                                   "Reminder: Keyworkers' reflective practice, today at 1:30pm"]
    _sweep(app, cancelled.starts_at - timedelta(minutes=30))
    for key in ("team_lead", "psychologist", "admin"):
        assert _reminders_to(session, key) == [], key


def test_a_late_sweep_sends_only_the_nearest_reminder_and_a_moved_session_is_reminded_afresh(app, session):
    gs = _sessions(app, session)[0]
    _book(app, session, "frontline", gs)
    with app.app_context():
        assert send_reminders(session, [24, 1], gs.starts_at - timedelta(minutes=40)) == 1
        session.commit()
    assert _reminders_to(session, "frontline") == ["Reminder: Keyworkers' reflective practice, today at 1:30pm"]
    body = session.scalars(select(Notification.body).where(Notification.title.startswith("Reminder"))).one()
    assert body.startswith("Your reflective practice session starts in 40 minutes (24 November 2026, 1:30pm)")

    other = _sessions(app, session, title="Second group", starts_on=date(2026, 11, 25), weekday=2)[0]
    _book(app, session, "frontline", other)
    with app.app_context():
        assert send_reminders(session, [24, 1], other.starts_at - timedelta(hours=20)) == 1
        changes.move_session(session, other, other.starts_at + timedelta(days=2), now=NOW)
        session.commit()
        moved = session.get(GroupSession, other.id)
        assert send_reminders(session, [24, 1], moved.starts_at - timedelta(hours=20)) == 1
        assert send_reminders(session, [24, 1], moved.starts_at - timedelta(hours=20)) == 0
        session.commit()
    assert _reminders_to(session, "frontline").count("Reminder: Second group, tomorrow at 1:30pm") == 2


def test_a_reminder_says_the_time_actually_left_whenever_the_sweep_runs(app, session):
    gs = _sessions(app, session)[0]
    _book(app, session, "frontline", gs)
    with app.app_context():
        assert send_reminders(session, [24, 1], gs.starts_at - timedelta(minutes=2)) == 1
        session.commit()
    body = session.scalars(select(Notification.body).where(Notification.title.startswith("Reminder"))).one()
    assert body.startswith("Your reflective practice session starts in 2 minutes")


@pytest.mark.parametrize("starts, now, soon, left", [
    (datetime(2026, 10, 25, 9, 0, tzinfo=LONDON), datetime(2026, 10, 24, 23, 0, tzinfo=LONDON),
     "tomorrow at 9:00am", "in about 11 hours"),  # the clocks go back overnight: ten hours on the clock
    (datetime(2026, 3, 29, 9, 0, tzinfo=LONDON), datetime(2026, 3, 28, 21, 0, tzinfo=LONDON),
     "tomorrow at 9:00am", "in about 11 hours"),  # and forward: twelve on the clock
    (datetime(2026, 12, 2, 14, 0, tzinfo=LONDON), datetime(2026, 12, 2, 13, 59, 30, tzinfo=LONDON),
     "today at 2:00pm", "in 1 minute"),
    (datetime(2026, 12, 9, 14, 0, tzinfo=LONDON), datetime(2026, 12, 2, 14, 0, tzinfo=LONDON),
     "9 December 2026, 2:00pm", "in 7 days"),
])
def test_reminder_times_are_said_in_london_across_the_clock_changes(starts, now, soon, left):
    from core.timeutil import format_soon, format_time_left
    starts, now = as_utc(starts), as_utc(now)  # as stored: aware datetimes in one zone subtract by the clock
    assert format_soon(starts, now) == soon and format_time_left(starts - now) == left


def test_two_schedulers_reminding_at_once_on_postgresql_send_each_reminder_once(pg_app):
    from core.accounts.models import Person
    from core.database import db
    with pg_app.app_context(), db.new_session() as s:
        lead = s.scalar(select(Person).where(Person.email == "team.lead@example.org"))
        s.add(GroupSeries(title="Hammered", facilitator_id=lead.id, created_by_id=lead.id,
                          organisation_id=lead.organisation_id, team_id=None, open_round=True, capacity=40,
                          location="Room 1", frequency="weekly", every_weeks=1, weekday=1, start_time="13:30",
                          minutes=60, starts_on=date(2026, 11, 24), booking_cutoff_hours=2,
                          cancellation_cutoff_hours=24))
        s.flush()
        services.make_sessions(s, NOW, days=7)
        gs = s.scalars(select(GroupSession)).one()
        for p in s.scalars(select(Person).where(Person.organisation_id == lead.organisation_id,
                                                Person.id != lead.id)):  # the facilitator needs no seat
            with time_machine.travel(NOW, tick=False):
                services.book(s, gs.id, p)
        s.commit()
        booked = len(s.scalars(select(Booking).where(Booking.status == "booked")).all())
        starts = gs.starts_at
    counts = []

    def sweep():
        with pg_app.app_context(), db.new_session() as s:
            counts.append(send_reminders(s, [24, 1], starts - timedelta(hours=3)))
            s.commit()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with pg_app.app_context(), db.new_session() as s:
        sent = s.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.startswith("Reminder"))).all()
    assert sum(counts) == booked == len(sent) == len(set(sent)) and booked >= 3


def test_single_line_fields_arrive_without_line_breaks_and_calendars_never_carry_one(app, session):
    from werkzeug.datastructures import MultiDict

    from supervision.calendar import booking_invitation
    from supervision.forms import SeriesForm
    with app.test_request_context(method="POST"):
        form = SeriesForm(formdata=MultiDict({"title": "Keyworkers\rround\n", "location": "Room 4\r\nBN1"}),
                          meta={"csrf": False})
        assert (form.title.data, form.location.data) == ("Keyworkers round", "Room 4  BN1")
    gs = _sessions(app, session, capacity=2)[0]
    booking = _book(app, session, "frontline", gs)
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
    gs = _one_session(app, session)
    _book(app, session, "frontline", gs, moment=datetime.now(timezone.utc))
    lead = app.test_client()
    sign_in(lead, "team_lead")
    change = f"/reflective-practice/sessions/{gs.id}/change"
    end = f"/reflective-practice/sessions/{gs.id}/end-series"
    asked = post_form(lead, end, {"end-reason": "The team is moving to a new rota"}, page_url=change)
    page = asked.get_data(as_text=True)
    assert "End Keyworkers&#39; reflective practice?" in page and "You cannot undo this" in page
    assert 'name="end-reason" value="The team is moving to a new rota"' in page
    session.rollback()
    assert session.get(GroupSeries, gs.series_id).ended_at is None and _mail_to(session, "frontline", "Cancelled") == []
    done = post_form(lead, end, {"end-reason": "The team is moving to a new rota", "confirmed": "yes"}, page_url=change)
    assert done.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(GroupSeries, gs.series_id).ended_at is not None
    assert "The team is moving to a new rota" in _mail_to(session, "frontline", "Cancelled")[0].body
