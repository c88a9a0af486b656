"""In Chromium: a pharmacy worker takes a consultation to a partnership case clinic; the psychologist accepts it;
a hostel worker books the session; the register is kept; the recommendations reach the consultation."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from core.timeutil import LONDON, utcnow
from supervision.models import GroupSeries, GroupSession
from tests.browser.helpers import raise_directly, schedule_weekly_group, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def _schedule_clinic(page, live) -> None:
    page.goto(f"{live.url}/reflective-practice/series/new")
    page.get_by_label("Title").fill("Pharmacy and hostel case clinic")
    page.get_by_label("Facilitator").select_option(label="Dr Morgan Hale")
    page.get_by_label("Who is it for?").select_option(label="Everyone in the partnership")
    page.get_by_label("Case clinic: workers present cases").check()
    page.get_by_label("Cases each session (case clinics)").select_option(label="Two cases")
    schedule_weekly_group(page, 12, "https://meet.example.org/clinic", datetime.now(LONDON).date() + timedelta(days=2),
                          "12:30", 60)
    assert "Pharmacy and hostel case clinic is scheduled" in page.locator("main").inner_text()


def test_a_case_goes_from_a_pharmacy_consultation_through_the_clinic_and_back(browser, live):
    psychologist = browser.new_context(bypass_csp=True).new_page()  # bypass only to run axe-core
    sign_in_page(psychologist, live, "psychologist@example.org")
    _schedule_clinic(psychologist, live)

    consultation_id = raise_directly(live, "pharmacist@example.org")
    pharmacist = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(pharmacist, live, "pharmacist@example.org")
    pharmacist.goto(f"{live.url}/consultations/{consultation_id}")
    pharmacist.get_by_role("link", name="Take this to a case clinic").click()
    pharmacist.get_by_role("link", name="Pharmacy and hostel case clinic").first.click()
    assert pharmacist.get_by_label("Client reference").input_value() == "PS-3"  # carried over
    assert serious_violations(pharmacist) == []
    pharmacist.get_by_label("What do you want the group to help you with?").fill(
        "How do we keep him coming for his daily dose when he misses mornings?")
    pharmacist.get_by_role("button", name="Offer this case").click()
    assert "Offered: waiting for the psychologist" in pharmacist.locator("main").inner_text()
    case_url = pharmacist.url

    psychologist.goto(case_url)
    psychologist.get_by_label("Accept it into a slot").check()
    psychologist.get_by_label("Slot", exact=True).select_option(label="Case 1")
    psychologist.get_by_label("Summary the group will see").fill("Keeping a man on daily dosing engaged.")
    assert serious_violations(psychologist) == []
    psychologist.get_by_role("button", name="Save decision").click()
    assert "Accepted (case 1)" in psychologist.locator("main").inner_text()

    hostel = browser.new_context().new_page()
    sign_in_page(hostel, live, "outreach@example.org")
    hostel.goto(f"{live.url}/reflective-practice/")
    hostel.get_by_role("link", name="Pharmacy and hostel case clinic").first.click()
    session_url = hostel.url
    hostel.get_by_role("button", name="Book a seat").click()
    assert "Keeping a man on daily dosing engaged." in hostel.locator("main").inner_text()
    assert "PS-3" not in hostel.locator("main").inner_text()

    # The session takes place: it is moved to have begun an hour ago.
    session_id = int(session_url.rstrip("/").rsplit("/", 1)[1])
    began = utcnow() - timedelta(hours=1)
    with live.app.extensions["database"]["session_factory"]() as session:
        session.execute(update(GroupSession).where(GroupSession.id == session_id)
                        .values(starts_at=began, ends_at=began + timedelta(minutes=60)))
        session.commit()

    psychologist.goto(session_url)
    psychologist.get_by_role("link", name="Open the register").click()
    psychologist.get_by_role("group", name="Jo Evans").get_by_label("Attended").check()
    psychologist.get_by_role("button", name="Save register").click()
    psychologist.goto(case_url)
    psychologist.get_by_label("The group's recommendations").fill(
        "Agree a **later collection time** with him, and the same pharmacist each day.")
    psychologist.get_by_role("button", name="Send recommendations").click()
    assert "The recommendations have been sent to 2 people" in psychologist.locator("main").inner_text()

    pharmacist.goto(f"{live.url}/consultations/{consultation_id}")
    thread = pharmacist.locator("main").inner_text()
    assert "Case clinic recommendations from Dr Morgan Hale" in thread and "later collection time" in thread
    assert serious_violations(pharmacist) == []
    with live.app.extensions["database"]["session_factory"]() as session:
        assert session.query(GroupSeries).filter_by(title="Pharmacy and hostel case clinic").one().kind == "case_clinic"
