"""Reflective practice: sessions from the series' rule, booking, the waitlist and its promotions."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from core.notifications import Notification
from core.timeutil import LONDON
from supervision import services
from supervision.models import Booking, GroupSession, SeriesMember
from supervision.recurrence import nth_weekday, occurrence_dates
from tests.factories import one_session, series, starting_tomorrow
from tests.pages import open_page
from tests.support import count_queries, person, post_form, sign_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def test_weekly_sessions_keep_their_london_time_across_the_clock_changes(session):
    s = series(session, starts_on=date(2026, 3, 17), weekday=1)
    days = occurrence_dates(s, date(2026, 4, 7))
    assert days == [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7)]
    from supervision.recurrence import session_times
    utc_hours = [session_times(s, d)[0].astimezone(timezone.utc).hour for d in days]
    assert utc_hours == [13, 13, 12, 12]  # 13:30 GMT, then 13:30 BST
    assert {session_times(s, d)[0].astimezone(LONDON).strftime("%H:%M") for d in days} == {"13:30"}


def test_monthly_on_the_nth_weekday_until_a_count(session):
    s = series(session, frequency="monthly", weekday=1, nth=2, starts_on=date(2026, 11, 1), session_count=3)
    assert occurrence_dates(s, date(2027, 12, 31)) == [date(2026, 11, 10), date(2026, 12, 8), date(2027, 1, 12)]
    assert nth_weekday(2026, 11, 0, -1) == date(2026, 11, 30)  # the last Monday


def test_every_other_week_until_a_date(session):
    s = series(session, every_weeks=2, ends_on=date(2026, 12, 31))
    assert occurrence_dates(s, date(2027, 6, 1)) == [date(2026, 11, 24), date(2026, 12, 8), date(2026, 12, 22)]


def test_sessions_are_made_once_a_window_ahead(app, session):
    series(session)
    with app.app_context():
        assert services.make_sessions(session, NOW, days=21) == 3
        assert services.make_sessions(session, NOW, days=21) == 0


def _book(session, key, gs_id):
    with time_machine.travel(NOW, tick=False):
        b = services.book(session, gs_id, person(session, key))
        session.commit()
        return b


def test_a_full_session_offers_the_waitlist_and_a_freed_seat_promotes_the_first(app, session):
    series(session, capacity=1)
    with app.app_context():
        services.make_sessions(session, NOW, days=7)
        session.commit()
        gs = session.scalars(select(GroupSession)).one()
        first = _book(session, "frontline", gs.id)
        second = _book(session, "team_lead", gs.id)
        assert (first.status, second.status) == ("booked", "waitlisted")
        with time_machine.travel(NOW, tick=False):
            promoted = services.cancel(session, first)
            session.commit()
    assert promoted.id == second.id and session.get(Booking, second.id).status == "booked"
    note = session.scalars(select(Notification).where(Notification.person_id == person(session, "team_lead").id)).one()
    assert note.title.startswith("You have a place")


def test_booking_twice_or_after_the_cut_off_is_refused(app, session):
    series(session)
    with app.app_context():
        services.make_sessions(session, NOW, days=7)
        session.commit()
        gs = session.scalars(select(GroupSession)).one()
        _book(session, "frontline", gs.id)
        with pytest.raises(services.BookingRefused, match="already have a place"):
            _book(session, "frontline", gs.id)
        session.rollback()
        with time_machine.travel(gs.starts_at - timedelta(hours=1), tick=False), \
                pytest.raises(services.BookingRefused, match="closed"):
            services.book(session, gs.id, person(session, "team_lead"))


def test_closed_groups_and_other_organisations_cannot_book(app, session):
    closed = series(session, open_round=False)
    session.add(SeriesMember(series_id=closed.id, person_id=person(session, "team_lead").id))
    with app.app_context():
        services.make_sessions(session, NOW, days=7)
        session.commit()
        gs = session.scalars(select(GroupSession)).one()
        for key in ("frontline", "other_frontline"):
            with pytest.raises(services.BookingRefused, match="not open to you"):
                _book(session, key, gs.id)
            session.rollback()
        assert _book(session, "team_lead", gs.id).status == "booked"


def _hammer(app, seats, people):
    factory = app.extensions["database"]["session_factory"]
    with app.app_context(), factory() as s:
        lead = person(s, "team_lead")
        org_id = lead.organisation_id
        gs_series = series(s, capacity=seats, team_id=None)
        from core.accounts.services import create_person
        ids = [create_person(s, email=f"staff{n}@example.org", name=f"Staff {n}", organisation_id=org_id,
                             roles=["frontline"]).id for n in range(people)]
        services.make_sessions(s, NOW, days=7)
        s.commit()
        gs_id = s.scalars(select(GroupSession.id).where(GroupSession.series_id == gs_series.id)).one()
    barrier, errors = threading.Barrier(people), []

    def book_one(person_id):
        try:
            with app.app_context(), factory() as s:
                from core.accounts.models import Person
                barrier.wait()
                services.book(s, gs_id, s.get(Person, person_id))
                s.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=book_one, args=(pid,)) for pid in ids]
    with time_machine.travel(NOW, tick=False):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    with factory() as s:
        statuses = s.scalars(select(Booking.status).where(Booking.session_id == gs_id)).all()
    return sorted(statuses)


def test_many_people_booking_the_last_seats_at_once_never_overbook(app):
    assert _hammer(app, seats=3, people=12) == ["booked"] * 3 + ["waitlisted"] * 9


@pytest.mark.postgres
def test_many_people_booking_at_once_never_overbook_on_postgresql(pg_app):
    assert _hammer(pg_app, seats=3, people=12) == ["booked"] * 3 + ["waitlisted"] * 9


def test_booking_through_the_pages(app, session):
    series(session, capacity=1, **starting_tomorrow())
    with app.app_context():
        services.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=21)
        session.commit()
    gs = session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).first()
    worker = app.test_client()
    sign_in(worker, "frontline")
    listing = open_page(worker, "supervision.index")
    assert "Keyworkers&#39; reflective practice" in listing and "1 of 1 seats free" in listing
    post_form(worker, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    assert "You have a place" in open_page(worker, "supervision.show", session_id=gs.id)
    lead = app.test_client()
    sign_in(lead, "team_lead")
    post_form(lead, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    assert "You are on the waitlist" in open_page(lead, "supervision.show", session_id=gs.id)
    outsider = app.test_client()
    sign_in(outsider, "other_frontline")
    open_page(outsider, "supervision.show", status=404, session_id=gs.id)
    assert "Keyworkers" not in open_page(outsider, "supervision.index")


def test_a_team_lead_schedules_a_series(app, session):
    lead = app.test_client()
    sign_in(lead, "team_lead")
    form = {"title": "Thursday round", "facilitator_id": person(session, "psychologist").id,
            "audience": f"org-{person(session, 'team_lead').organisation_id}",
            "kind": "open", "capacity": "8", "location": "https://video.example/room", "time_zone": "Europe/London",
            "frequency": "weekly", "every_weeks": "1", "weekday": "3", "nth": "1", "start_time": "12:30",
            "minutes": "60", "starts_on": (datetime.now(LONDON).date() + timedelta(days=1)).isoformat(),
            "booking_cutoff_hours": "2", "cancellation_cutoff_hours": "24"}
    bad = post_form(lead, "/reflective-practice/series/new", {**form, "kind": "closed", "start_time": "lunch"})
    body = bad.get_data(as_text=True)
    assert "Choose the members of the closed group" in body and "like 13:30" in body and 'value="Thursday round"' in body
    assert post_form(lead, "/reflective-practice/series/new", form).status_code == 302
    session.rollback()
    made = session.scalars(select(GroupSession)).all()
    assert len(made) >= 11 and all(s.starts_at.astimezone(LONDON).strftime("%a %H:%M") == "Thu 12:30" for s in made)
    worker = app.test_client()
    sign_in(worker, "frontline")
    assert "Thursday round" in open_page(worker, "supervision.index")
    assert post_form(worker, "/reflective-practice/series/new", form, page_url="/").status_code == 403


def test_the_session_list_runs_a_fixed_number_of_queries(app, session):
    client = app.test_client()
    sign_in(client, "frontline")
    series(session, **starting_tomorrow())
    with app.app_context():
        services.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=14)
        session.commit()
    few = count_queries(app, client, "/reflective-practice/")
    for n in range(10):
        series(session, title=f"Extra {n}", weekday=n % 7, starts_on=starting_tomorrow()["starts_on"])
    with app.app_context():
        services.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=84)
        session.commit()
    assert count_queries(app, client, "/reflective-practice/") == few
    assert "Page 1 of" in open_page(client, "supervision.index")


def test_the_facilitator_keeps_the_register_and_the_attendee_gets_a_cpd_record(app, session):
    gs = one_session(app, session, capacity=3)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    facilitator = app.test_client()
    sign_in(facilitator, "psychologist")
    url = f"/reflective-practice/sessions/{gs.id}/register"
    page = facilitator.get(url).get_data(as_text=True)
    booking_id = re.search(r'name="attendance-(\d+)"', page).group(1)
    nothing = post_form(facilitator, url, {}, follow_redirects=True).get_data(as_text=True)
    assert "Nothing was saved: choose Attended or Absent" in nothing
    saved = post_form(facilitator, url, {f"attendance-{booking_id}": "attended"}, follow_redirects=True)
    assert "Register saved: 1 person marked." in saved.get_data(as_text=True)
    empty = post_form(facilitator, url, {"walk_in-email": ""}).get_data(as_text=True)
    assert "There is a problem" in empty and "Enter the work email address of the person who came" in empty
    assert "Register saved" not in empty
    walk_in = post_form(facilitator, url, {"walk_in-email": "team.lead@example.org"}, follow_redirects=True)
    assert "Team Lead is on the register as a walk-in who attended." in walk_in.get_data(as_text=True)
    stranger = post_form(facilitator, url, {"walk_in-email": "other.frontline@example.org"}).get_data(as_text=True)
    assert "There is a problem" in stranger and "no one with that email address in this organisation" in stranger
    assert 'value="other.frontline@example.org"' in stranger
    record = open_page(worker, "supervision.record")
    assert "Keyworkers&#39; reflective practice" in record and "1 group session, 1.5 hours in all" in record
    csv_text = open_page(worker, "supervision.record_csv")
    assert csv_text.splitlines()[0] == "Date,Start (UK time),Session,Facilitator,Hours"
    assert csv_text.splitlines()[1].endswith(",13:30,Keyworkers' reflective practice,Psychologist,1.5")
    lead_record = app.test_client()
    sign_in(lead_record, "team_lead")
    assert "(walk-in)" in facilitator.get(url).get_data(as_text=True)
    assert "1 group session" in open_page(lead_record, "supervision.record")
    session.rollback()
    from core.audit import AuditEvent
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "session.register_viewed")).all()


def test_only_the_facilitator_and_the_series_team_leads_see_the_register(app, session):
    gs = one_session(app, session)
    for key, expected in [("psychologist", 200), ("team_lead", 200), ("frontline", 404),
                          ("other_psychologist", 404), ("other_team_lead", 404)]:
        client = app.test_client()
        sign_in(client, key)
        assert client.get(f"/reflective-practice/sessions/{gs.id}/register").status_code == expected, key


def test_csv_cells_that_look_like_formulas_are_defused(app, session):
    gs = one_session(app, session, title="=HYPERLINK(\"https://evil.example\")")
    with app.app_context():
        b = services.book(session, gs.id, person(session, "frontline"))
        b.attendance = "attended"
        session.commit()
    worker = app.test_client()
    sign_in(worker, "frontline")
    import csv
    rows = list(csv.reader(open_page(worker, "supervision.record_csv").splitlines()))
    assert rows[1][2] == "'=HYPERLINK(\"https://evil.example\")"


def test_each_attendee_gets_their_own_calendar_invitation_and_a_cancellation(app, session):
    from icalendar import Calendar
    gs = one_session(app, session, capacity=3)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    page = open_page(worker, "supervision.show", session_id=gs.id)
    link = re.search(r'href="(/reflective-practice/bookings/\d+\.ics)"', page).group(1)
    invite = Calendar.from_ical(worker.get(link).data)
    event = invite.walk("VEVENT")[0]
    assert invite["METHOD"] == "REQUEST" and event["STATUS"] == "CONFIRMED"
    assert "ATTENDEE" not in event  # attendee lists stay private
    assert event.decoded("DTSTART") == gs.starts_at
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
    booking_id = int(re.search(r"bookings/(\d+)", link).group(1))
    post_form(worker, f"/reflective-practice/bookings/{booking_id}/cancel", page_url=f"/reflective-practice/sessions/{gs.id}")
    cancelled = Calendar.from_ical(worker.get(link).data)
    event = cancelled.walk("VEVENT")[0]
    assert cancelled["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) > sequence
    other = app.test_client()
    sign_in(other, "team_lead")
    assert other.get(link).status_code == 404
