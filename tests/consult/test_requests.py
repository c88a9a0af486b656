"""Raising a request: the reference and due time, identifiers refused, the error summary, immediate danger."""
from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from consult.models import Consultation
from core.notifications import Notification
from core.timeutil import LONDON
from tests.factories import MONDAY_10AM, newest, post_request
from tests.pages import open_page
from tests.support import person, post_form, sign_in


def test_a_worker_raises_a_request_and_gets_a_reference_and_a_due_time(frontline, session):
    with time_machine.travel(MONDAY_10AM, tick=False):
        sign_in(frontline, "frontline")  # a fresh sign-in at the travelled-to time
        response = post_request(frontline)
        assert response.status_code == 302
        c = newest(session)
        page = frontline.get(response.headers["Location"]).get_data(as_text=True)
        listing = open_page(frontline, "consult.mine")
    assert f"Your reference is<br><strong>{c.reference}</strong>" in page
    assert c.status == "received" and c.urgency == "soon"
    # "Soon" is 2 working days: Wednesday 25 November, 10am.
    assert c.due_at.astimezone(LONDON) == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
    assert "25 November 2026, 10:00am" in page
    assert c.reference in listing and "Received" in listing and "Duty psychologists" in listing


@pytest.mark.parametrize("reference, why", [
    ("943 476 5919", "looks like an NHS number"),
    ("12/03/1980", "looks like a date of birth"),
    ("jo.bloggs@example.org", "looks like an email address"),
])


def test_identifiable_client_references_are_refused_with_the_reason(frontline, session, reference, why):
    response = post_request(frontline, client_reference=reference)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and why in body
    # What they typed elsewhere is kept.
    assert "Drinking quietens the voices" in body
    assert session.scalars(select(Consultation)).all() == []


def test_an_nhs_number_in_free_text_is_refused_too(frontline, session):
    response = post_request(frontline, question="Her NHS number is 943 476 5919, can you look her up?")
    assert "Remove it" in response.get_data(as_text=True)
    assert session.scalars(select(Consultation)).all() == []


def test_missing_answers_are_listed_in_the_error_summary(frontline):
    response = post_form(frontline, "/consultations/new", {"client_reference": "JB-1"})
    body = response.get_data(as_text=True)
    for message in ["Select at least one need", "Describe how the person sees their use",
                    "Say whether anyone is in immediate danger now", "Enter the question you want answered"]:
        assert message in body
    assert 'value="JB-1"' in body


def test_immediate_danger_shows_emergency_guidance_first_and_tells_psychologists_and_the_team_lead(app, frontline, session):
    response = post_request(frontline, immediate_danger="yes", urgency="routine")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    main = page.split('id="maincontent"', 1)[1]
    assert main.index("If someone is in danger now, act now") < main.index("Request sent")
    assert "999" in main and "crisis line" in main and "safeguarding lead" in main
    c = newest(session)
    assert c.urgency == "urgent" and c.immediate_danger
    told = session.scalars(select(Notification.person_id).where(
        Notification.title.like("URGENT – immediate danger reported%"))).all()
    # Nobody is on duty and there is no lead psychologist, so every psychologist is told; and the team lead.
    assert sorted(told) == sorted([person(session, "psychologist").id, person(session, "other_psychologist").id,
                                   person(session, "team_lead").id])
    queue = app.test_client()
    sign_in(queue, "psychologist")
    rows = open_page(queue, "consult.queue")
    assert "Immediate danger" in rows


# --- The conversation -----------------------------------------------------------
