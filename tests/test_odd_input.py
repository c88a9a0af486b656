"""Input that is allowed by its type but makes no sense is refused on the form, with the error summary, and
what was typed is kept: a series starting in the past, an end date and a count together, a duty that ends
before it starts, cover that is over already or lasts no time, dates decades ahead, advice past its length."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult.forms import ADVICE_LENGTH
from core.timeutil import LONDON
from rota.models import DutyPattern, DutySlot
from supervision.models import GroupSeries
from tests.factories import newest, series_form, taken_request
from tests.support import date_boxes, person, post_form, shows_date, sign_in

TODAY = datetime.now(LONDON).date()

SERIES_FORM_URL = "/reflective-practice/series/new"


def _client(app, key):
    client = app.test_client()
    sign_in(client, key)
    return client


def _refused(response, message: str, kept: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body, body[:300]
    assert message in body and kept in body


@pytest.mark.parametrize("changes, message", [
    ({"starts_on": (TODAY - timedelta(days=3)).isoformat()}, "The first date must be today or later"),
    ({"starts_on": (TODAY + timedelta(days=400)).isoformat()}, "Choose a first date within the next year"),
    ({"ends_on": (TODAY + timedelta(days=60)).isoformat(), "session_count": "6"},
     "Give an end date or a number of sessions, not both"),
])
def test_a_series_that_makes_no_sense_is_refused(app, session, changes, message):
    client = _client(app, "psychologist")
    _refused(post_form(client, SERIES_FORM_URL, series_form(session, title="Odd round", **changes)), message, 'value="Odd round"')
    session.rollback()
    assert session.scalar(select(func.count()).select_from(GroupSeries)) == 0


PATTERN = {"pattern-weekdays": ["0"], "pattern-start_time": "17:00", "pattern-end_time": "09:00",
           "pattern-every_weeks": "1", "pattern-daily_capacity": "4"}


def test_a_duty_that_ends_before_it_starts_is_refused(app, session):
    client = _client(app, "psychologist")
    data = {**PATTERN, "pattern-psychologist_id": person(session, "psychologist").id,
            "pattern-starts_on": TODAY.isoformat()}
    _refused(post_form(client, "/consultations/rota/patterns", data, page_url="/consultations/rota"),
             "The end time must be after the start time", 'value="17:00"')
    far = {**data, "pattern-end_time": "18:00", "pattern-starts_on": (TODAY + timedelta(days=500)).isoformat()}
    _refused(post_form(client, "/consultations/rota/patterns", far, page_url="/consultations/rota"),
             "Choose a first date within the next year", 'value="18:00"')
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DutyPattern)) == 0


@pytest.mark.parametrize("day, start, end, message", [
    (TODAY - timedelta(days=2), "09:00", "17:00", "This cover would have ended already"),
    (TODAY + timedelta(days=1), "09:00", "09:00", "The end time must be after the start time"),
    (TODAY + timedelta(days=3), "13:00", "12:00", "The end time must be after the start time"),
    (TODAY.replace(year=2062), "09:00", "17:00", "Choose a date within the next year for the cover"),
])
def test_cover_that_is_over_lasts_no_time_or_is_decades_away_is_refused(app, session, day, start, end, message):
    client = _client(app, "psychologist")
    data = {"cover-psychologist_id": person(session, "psychologist").id, **date_boxes("cover-day", day),
            "cover-start_time": start, "cover-end_time": end, "cover-capacity": "2"}
    response = post_form(client, "/consultations/rota/cover", data, page_url="/consultations/rota")
    _refused(response, message, f'value="{end}"')
    assert shows_date(response.get_data(as_text=True), "cover-day", day)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DutySlot)) == 0


def test_advice_past_its_length_is_refused_and_kept(app, session):
    _, psychologist, url = taken_request(app, session)
    long_advice = "Try asking about mornings. " * (ADVICE_LENGTH // 20)
    response = post_form(psychologist, f"{url}/advice", {"advice-body": long_advice}, page_url=url)
    _refused(response, f"Keep this to {ADVICE_LENGTH:,} characters or fewer", long_advice[:200])
    assert newest(session).status == "allocated"
