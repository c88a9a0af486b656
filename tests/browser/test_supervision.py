"""In Chromium: a team lead schedules a weekly group; the last seat and the waitlist; promotion; the register; CPD."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.timeutil import LONDON
from tests.browser.helpers import fill_date, schedule_weekly_group, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_schedule_book_waitlist_promote_register_and_record(browser, live):
    lead = browser.new_context(bypass_csp=True).new_page()  # bypass only to run axe-core
    sign_in_page(lead, live, "teamlead@example.org")
    lead.goto(f"{live.url}/reflective-practice/")
    lead.get_by_role("link", name="Schedule a group").click()
    assert serious_violations(lead) == []
    lead.get_by_label("Title").fill("Tuesday keyworker round")
    lead.get_by_label("Facilitator").select_option(label="Dr Morgan Hale")
    lead.get_by_label("Recovery Keyworkers").check()
    first_day = datetime.now(LONDON).date() + timedelta(days=3)
    schedule_weekly_group(lead, 1, "Riverside, meeting room 2", first_day, "13:30", 90)
    assert "Tuesday keyworker round is scheduled" in lead.locator("main").inner_text()

    keyworker = browser.new_context().new_page()
    sign_in_page(keyworker, live, "keyworker@example.org")
    keyworker.goto(f"{live.url}/reflective-practice/")
    keyworker.get_by_role("link", name="Tuesday keyworker round").first.click()
    session_url = keyworker.url
    keyworker.get_by_role("button", name="Book a seat").click()
    assert "You have a place" in keyworker.locator("main").inner_text()

    lead.goto(session_url)
    lead.get_by_role("button", name="Join the waitlist").click()
    assert "You are on the waitlist" in lead.locator("main").inner_text()

    keyworker.get_by_role("button", name="Cancel my place").click()
    lead.reload()
    assert "You have a place" in lead.locator("main").inner_text()
    lead.goto(f"{live.url}/notifications")
    assert "You have a place: Tuesday keyworker round" in lead.locator("main").inner_text()

    facilitator = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(facilitator, live, "psychologist@example.org")
    facilitator.goto(session_url)
    facilitator.get_by_role("link", name="Open the register").click()
    facilitator.get_by_role("group", name="Chris Doyle").get_by_label("Attended").check()
    facilitator.get_by_role("button", name="Save register").click()
    assert serious_violations(facilitator) == []

    lead.goto(f"{live.url}/reflective-practice/record")
    record = lead.locator("main").inner_text()
    assert "Tuesday keyworker round" in record and "1 group session, 1.5 hours in all" in record
    assert serious_violations(lead) == []

    # The facilitator writes notes and themes; the team lead moves the session.
    facilitator.goto(session_url)
    facilitator.get_by_role("link", name="Your notes, themes and the evaluations").click()
    facilitator.get_by_label("Themes raised").fill("Compassion fatigue; wanting clearer routes into mental health care.")
    facilitator.get_by_role("button", name="Save notes").click()
    assert "Notes saved" in facilitator.locator("main").inner_text()
    assert serious_violations(facilitator) == []

    lead.goto(session_url)
    lead.get_by_role("link", name="Move or cancel this session, or end the group").click()
    assert serious_violations(lead) == []
    fill_date(lead, "New date", first_day + timedelta(days=1))
    lead.get_by_label("New start time").fill("10:00")
    lead.get_by_role("button", name="Move session").click()
    page = lead.locator("main").inner_text()
    assert "The session is moved" in page and "Moved to this time" in page
