"""Dates are typed as the NHS.UK date input asks (day, month, year), in that order whatever the browser's
language: every mistake is explained in plain words and what was typed is shown again."""
from __future__ import annotations

from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired

from core.forms import DayField
from tests.factories import taken_request
from tests.support import post_form


class _Form(FlaskForm):
    class Meta:
        csrf = False

    when = DayField("Date", validators=[InputRequired(message="Enter the date")])


@pytest.mark.parametrize("day, month, year, expected", [
    ("24", "11", "2026", date(2026, 11, 24)), ("1", "3", "2027", date(2027, 3, 1)),
    ("01", "Mar", "2027", date(2027, 3, 1)), ("9", "september", "2026", date(2026, 9, 9)),
    (" 24 ", "11", "2026", date(2026, 11, 24)),
])
def test_a_date_is_read_from_its_three_boxes(app, day, month, year, expected):
    with app.test_request_context():
        form = _Form(MultiDict({"when-day": day, "when-month": month, "when-year": year}))
        assert form.validate() and form.when.data == expected


@pytest.mark.parametrize("day, month, year, message", [
    ("", "", "", "Enter the date"),
    ("24", "", "2026", "The date must include a month"),
    ("", "", "2026", "The date must include a day and a month"),
    ("31", "2", "2026", "Enter a real date, like 24 11 2026"),
    ("24", "13", "2026", "Enter a real date, like 24 11 2026"),
    ("24", "11", "26", "Enter the year as 4 numbers, like 2026"),
    ("2٤", "11", "2026", "Enter a real date, like 24 11 2026"),  # a digit from another script
    ("x" * 10_000, "11", "2026", "Enter a real date, like 24 11 2026"),
    ("1", "1", "1850", "Enter a year between 2000 and 2100"),
    ("9" * 20, "9" * 20, "0000", "Enter a real date, like 24 11 2026"),  # too large for a C long, not just wrong
])
def test_each_mistake_in_a_date_is_explained_and_kept(app, day, month, year, message):
    with app.test_request_context():
        form = _Form(MultiDict({"when-day": day, "when-month": month, "when-year": year}))
        assert not form.validate() and form.when.errors == [message]
        assert form.when.parts()["month"] == month.strip()


def test_a_page_shows_the_date_boxes_keeps_what_was_typed_and_links_the_summary_to_the_day(app, session):
    frontline, psychologist, url = taken_request(app, session)
    page = psychologist.get(url).get_data(as_text=True)
    assert 'name="call-day-day"' in page and 'name="call-day-month"' in page and 'name="call-day-year"' in page
    assert 'type="date"' not in page
    bad = post_form(psychologist, f"{url}/calls", {"call-day-day": "31", "call-day-month": "2",
                                                    "call-day-year": "2027", "call-start": "14:30",
                                                    "call-mode": "phone"}, page_url=url).get_data(as_text=True)
    assert "Enter a real date, like 24 11 2026" in bad and 'href="#call-day-day"' in bad
    assert 'value="31"' in bad and 'value="2027"' in bad and 'value="14:30"' in bad
