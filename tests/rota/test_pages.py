"""Rota pages: setting patterns, leave and cover through forms, the coverage view and the calendar feed."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from core.accounts.models import PersonRole
from core.timeutil import LONDON
from rota.models import DutyPattern, DutySlot
from tests.factories import post_request
from tests.pages import open_page
from tests.support import date_boxes, person, post_form, shows_date, sign_in

TODAY = datetime.now(LONDON).date()


def _psychologist(app, key="psychologist"):
    client = app.test_client()
    sign_in(client, key)
    return client


def test_a_psychologist_sets_a_pattern_and_sees_their_duties(app, session):
    client = _psychologist(app)
    response = post_form(client, "/consultations/rota/patterns", {
        "pattern-psychologist_id": person(session, "psychologist").id,
        "pattern-weekdays": ["0", "1", "2", "3", "4", "5", "6"], "pattern-start_time": "00:00",
        "pattern-end_time": "23:59", "pattern-every_weeks": "1", "pattern-starts_on": TODAY.isoformat(),
        "pattern-daily_capacity": "4"}, page_url="/consultations/rota")
    assert response.status_code == 302
    page = open_page(client, "rota.page")
    assert "Psychologist, until" in page  # on duty now
    assert "4 new consultations a day" in page
    session.rollback()
    assert len(session.scalars(select(DutySlot)).all()) >= 56


def test_pattern_mistakes_are_explained_and_kept(app, session):
    client = _psychologist(app)
    response = post_form(client, "/consultations/rota/patterns", {
        "pattern-psychologist_id": person(session, "psychologist").id, "pattern-start_time": "nine",
        "pattern-end_time": "17:00", "pattern-every_weeks": "1",
        **date_boxes("pattern-starts_on", date(2026, 12, 1)), **date_boxes("pattern-ends_on", date(2026, 11, 1)),
        "pattern-daily_capacity": "x"}, page_url="/consultations/rota")
    body = response.get_data(as_text=True)
    for message in ["Select at least one day", "like 09:00", "must be the same as or after",
                    "Enter how many new consultations you can take a day, like 5"]:
        assert message in body, message
    assert shows_date(body, "pattern-starts_on", date(2026, 12, 1))
    assert session.scalars(select(DutyPattern)).all() == []


def test_only_the_lead_psychologist_sets_duties_for_someone_else(app, session):
    client = _psychologist(app)
    other = person(session, "other_psychologist").id
    response = post_form(client, "/consultations/rota/leave", {
        "leave-psychologist_id": other, "leave-starts_on": "2026-12-01", "leave-ends_on": "2026-12-02"},
        page_url="/consultations/rota")
    assert "Choose a psychologist from the list" in response.get_data(as_text=True)
    session.add(PersonRole(person_id=person(session, "psychologist").id, role="lead_psychologist"))
    session.commit()
    lead = _psychologist(app)
    response = post_form(lead, "/consultations/rota/cover", {
        "cover-psychologist_id": other, "cover-day": (TODAY + timedelta(days=1)).isoformat(),
        "cover-start_time": "10:00", "cover-end_time": "12:00", "cover-capacity": "2"}, page_url="/consultations/rota")
    assert response.status_code == 302
    session.rollback()
    assert session.scalars(select(DutySlot.psychologist_id)).all() == [other]


def test_frontline_staff_have_no_rota_pages(app):
    client = app.test_client()
    sign_in(client, "frontline")
    open_page(client, "rota.page", status=403)
    open_page(client, "rota.coverage", status=403)


def test_the_coverage_view_marks_hours_with_nobody_on_duty(app, session):
    client = _psychologist(app)
    tomorrow = TODAY + timedelta(days=1)
    while tomorrow.weekday() > 4:
        tomorrow += timedelta(days=1)
    post_form(client, "/consultations/rota/cover", {
        "cover-psychologist_id": person(session, "psychologist").id, "cover-day": tomorrow.isoformat(),
        "cover-start_time": "09:00", "cover-end_time": "12:00", "cover-capacity": "2"}, page_url="/consultations/rota")
    page = open_page(client, "rota.coverage")
    row = page.split(tomorrow.strftime("%a %-d %b"), 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert [("Psychologist" in c, "No cover" in c) for c in cells] == \
        [(True, False)] * 3 + [(False, True)] * 5


def test_the_calendar_feed_updates_and_cancels_duties_and_can_be_revoked(app, session):
    client = _psychologist(app)
    start = TODAY + timedelta(days=7)
    post_form(client, "/consultations/rota/patterns", {
        "pattern-psychologist_id": person(session, "psychologist").id, "pattern-weekdays": [str(start.weekday())],
        "pattern-start_time": "09:00", "pattern-end_time": "17:00", "pattern-every_weeks": "1",
        "pattern-starts_on": start.isoformat(), "pattern-daily_capacity": "3"}, page_url="/consultations/rota")
    made = post_form(client, "/consultations/rota/feed", page_url="/consultations/rota")
    # The secret never travels in a URL (access logs, history): it is shown on its own page, as often as needed.
    assert made.headers["Location"] == "/consultations/rota/feed"
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    feed_path = re.search(r"http://localhost(/consultations/rota/feed/[^<]+\.ics)", page).group(1)
    assert feed_path in open_page(client, "rota.show_feed")
    assert feed_path not in open_page(client, "rota.page")
    assert "See your calendar address" in open_page(client, "rota.page")
    anonymous = app.test_client()
    first = Calendar.from_ical(anonymous.get(feed_path).data).walk("VEVENT")
    assert first and all(e["STATUS"] == "CONFIRMED" and int(e["SEQUENCE"]) == 0 for e in first)
    assert first[0].decoded("DTSTART").astimezone(LONDON).strftime("%H:%M") == "09:00"
    uid = str(first[0]["UID"])

    post_form(client, "/consultations/rota/leave", {
        "leave-psychologist_id": person(session, "psychologist").id, "leave-starts_on": start.isoformat(),
        "leave-ends_on": start.isoformat()}, page_url="/consultations/rota")
    again = {str(e["UID"]): e for e in Calendar.from_ical(anonymous.get(feed_path).data).walk("VEVENT")}
    assert again[uid]["STATUS"] == "CANCELLED" and int(again[uid]["SEQUENCE"]) == 1  # same UID, raised SEQUENCE

    remade = post_form(client, "/consultations/rota/feed", page_url="/consultations/rota/feed")
    new_path = re.search(r"http://localhost(/consultations/rota/feed/[^<]+\.ics)",
                         client.get(remade.headers["Location"]).get_data(as_text=True)).group(1)
    assert new_path != feed_path and anonymous.get(feed_path).status_code == 404
    assert anonymous.get(new_path).status_code == 200
    post_form(client, "/consultations/rota/feed/revoke", page_url="/consultations/rota")
    assert anonymous.get(new_path).status_code == 404
    assert anonymous.get("/consultations/rota/feed/" + "a" * 5000 + ".ics").status_code == 404


def test_the_lead_psychologist_sees_why_a_request_was_allocated(app, session):
    session.add(PersonRole(person_id=person(session, "psychologist").id, role="lead_psychologist"))
    session.commit()
    lead = _psychologist(app)
    post_form(lead, "/consultations/rota/cover", {
        "cover-psychologist_id": person(session, "other_psychologist").id, "cover-day": TODAY.isoformat(),
        "cover-start_time": "00:00", "cover-end_time": "23:59", "cover-capacity": "2"}, page_url="/consultations/rota")
    worker = app.test_client()
    sign_in(worker, "frontline")
    response = post_request(worker)
    consultation_id = int(re.search(r"/consultations/(\d+)/", response.headers["Location"]).group(1))
    open_page(lead, "consult.show", status=403, consultation_id=consultation_id)  # someone else's: say why first
    post_form(lead, f"/consultations/{consultation_id}/access", {"access-reason": "lead_review"},
              page_url=f"/consultations/{consultation_id}")
    page = open_page(lead, "consult.show", consultation_id=consultation_id)
    assert "Why it was allocated as it was" in page and "furthest below their fair share" in page
    other = _psychologist(app, "other_psychologist")
    assert "Why it was allocated" not in open_page(other, "consult.show", consultation_id=consultation_id)


def test_changing_a_pattern_moves_future_duties_and_keeps_the_past(app, session):
    client = _psychologist(app)
    start = TODAY + timedelta(days=1)
    post_form(client, "/consultations/rota/patterns", {
        "pattern-psychologist_id": person(session, "psychologist").id, "pattern-weekdays": [str(start.weekday())],
        "pattern-start_time": "09:00", "pattern-end_time": "17:00", "pattern-every_weeks": "1",
        "pattern-starts_on": start.isoformat(), "pattern-daily_capacity": "3"}, page_url="/consultations/rota")
    session.rollback()
    pattern = session.scalars(select(DutyPattern)).one()
    url = f"/consultations/rota/patterns/{pattern.id}/edit"
    assert 'value="09:00"' in client.get(url).get_data(as_text=True)
    bad = post_form(client, url, {"pattern-psychologist_id": pattern.psychologist_id, "pattern-start_time": "25:00"})
    assert "like 09:00" in bad.get_data(as_text=True)
    done = post_form(client, url, {
        "pattern-psychologist_id": pattern.psychologist_id, "pattern-weekdays": [str(start.weekday())],
        "pattern-start_time": "10:00", "pattern-end_time": "16:00", "pattern-every_weeks": "1",
        "pattern-starts_on": start.isoformat(), "pattern-daily_capacity": "3"})
    assert done.status_code == 302
    session.rollback()
    active = session.scalars(select(DutySlot).where(DutySlot.status == "active")).all()
    assert active and {s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in active} == {"10:00"}
    other = _psychologist(app, "other_psychologist")
    assert other.get(url).status_code == 403


def test_a_request_made_when_nobody_is_on_duty_says_when_the_next_duty_starts(app, session):
    client = _psychologist(app)
    later = TODAY + timedelta(days=2)
    post_form(client, "/consultations/rota/cover", {
        "cover-psychologist_id": person(session, "psychologist").id, "cover-day": later.isoformat(),
        "cover-start_time": "09:00", "cover-end_time": "12:00", "cover-capacity": "2"}, page_url="/consultations/rota")
    worker = app.test_client()
    sign_in(worker, "frontline")
    response = post_request(worker)
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody is on duty right now" in page and f"{later.day} {later:%B %Y}, 9:00am" in page
