"""In Chromium: a psychologist sets a duty pattern, sees it on the coverage view, and gets the next request."""
from __future__ import annotations

from datetime import datetime

import pytest

from core.timeutil import LONDON
from tests.browser.helpers import fill_date, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_a_pattern_puts_a_psychologist_on_duty_and_the_next_request_reaches_them(browser, live):
    psychologist = browser.new_context(bypass_csp=True).new_page()  # bypass only to run axe-core
    sign_in_page(psychologist, live, "psychologist2@example.org")
    psychologist.goto(f"{live.url}/consultations/rota")
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]:
        psychologist.get_by_role("checkbox", name=day).check()
    psychologist.get_by_label("Start time").first.fill("00:00")
    psychologist.get_by_label("End time").first.fill("23:59")
    fill_date(psychologist, "From", datetime.now(LONDON).date())
    psychologist.get_by_label("New consultations a day").fill("4")
    psychologist.get_by_role("button", name="Save pattern").click()
    assert "Dr Aisha Rahman, until" in psychologist.locator("main").inner_text()
    assert serious_violations(psychologist) == []
    psychologist.get_by_role("link", name="See cover for the coming weeks").click()
    assert "Dr Aisha Rahman" in psychologist.locator("table").inner_text()
    assert serious_violations(psychologist) == []

    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "needle.exchange@example.org")
    worker.goto(f"{live.url}/consultations/new")
    worker.get_by_label("Client reference").fill("NX-31")
    worker.get_by_label("I am asking without the person's consent", exact=False).check()
    worker.get_by_role("checkbox", name="Drugs", exact=True).check()
    worker.get_by_label("How does the person see their alcohol").fill("Uses to blot out flashbacks.")
    worker.get_by_role("group", name="Is anyone in immediate danger now?").get_by_label("No").check()
    worker.get_by_label("Routine – within 5 working days").check()
    worker.get_by_label("Written reply").check()
    worker.get_by_label("What do you want to ask the psychologist?").fill("How do I ask about trauma safely?")
    worker.get_by_role("button", name="Send request").click()
    assert "Dr Aisha Rahman" in worker.locator("main").inner_text()

    psychologist.goto(f"{live.url}/consultations/queue?show=mine")
    assert "NX-31" in psychologist.locator("main").inner_text()
