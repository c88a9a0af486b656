"""In Chromium: the whole consultation path, from a worker's request to the close-out survey."""
from __future__ import annotations

import pytest

from tests.browser.helpers import raise_directly, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_request_take_ask_answer_advise_close_and_survey(browser, live):
    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "keyworker@example.org")
    worker.get_by_role("link", name="Consultations").first.click()
    worker.get_by_role("link", name="Ask a psychologist about a case").click()
    worker.get_by_label("Client reference").fill("AP-0077")
    worker.get_by_label("The person has consented to me asking for advice").check()
    worker.get_by_role("checkbox", name="Alcohol", exact=True).check()
    worker.get_by_role("checkbox", name="Mental health", exact=True).check()
    worker.get_by_label("How does the person see their alcohol").fill(
        "He says a drink settles his nerves before appointments, then he misses them.")
    worker.get_by_role("group", name="Is anyone in immediate danger now?").get_by_label("No").check()
    worker.get_by_label("Soon – within 2 working days").check()
    worker.get_by_label("Written reply").check()
    worker.get_by_label("What do you want to ask the psychologist?").fill("How do I raise the anxiety with him?")
    worker.get_by_role("button", name="Send request").click()
    assert worker.get_by_role("heading", name="Request sent").is_visible()
    reference = worker.locator(".nhsuk-panel strong").inner_text()

    psychologist = browser.new_context().new_page()
    sign_in_page(psychologist, live, "psychologist@example.org")
    psychologist.get_by_role("link", name="Consultations").first.click()
    psychologist.get_by_role("link", name=reference).click()
    psychologist.get_by_role("button", name="Take this request").click()
    psychologist.get_by_label("What do you need to know?").fill("Which appointments does he miss most?")
    psychologist.get_by_role("button", name="Ask for information").click()
    assert "Awaiting information" in psychologist.locator("main").inner_text()

    worker.goto(f"{live.url}/consultations/mine")
    worker.get_by_role("link", name=reference).click()
    assert worker.get_by_role("heading", name="Answer the psychologist's question").is_visible()
    worker.get_by_label("Your message").fill("Mostly the morning ones at the GP surgery.")
    worker.get_by_role("button", name="Send reply").click()
    assert "Mostly the morning ones" in worker.locator("main").inner_text()

    psychologist.reload()
    psychologist.get_by_role("textbox", name="Advice").fill("Ask him what the drink **does for him** before you talk about stopping.")
    psychologist.get_by_role("button", name="Send advice").click()
    psychologist.get_by_label("Advice only").check()
    psychologist.get_by_label("Time spent (minutes)").fill("35")
    psychologist.get_by_role("button", name="Close request").click()
    assert "Closed" in psychologist.locator("main").inner_text()

    worker.reload()
    assert worker.locator(".reach-message strong", has_text="does for him").is_visible()
    worker.get_by_role("group", name="Was the advice useful?").get_by_label("Yes").check()
    worker.get_by_role("group", name="Do you feel more confident").get_by_label("Yes").check()
    worker.get_by_label("Referred them to secondary mental health care").check()
    worker.get_by_role("group", name="Before you asked").get_by_label("2", exact=True).check()
    worker.get_by_role("group", name="And now?").get_by_label("4", exact=True).check()
    worker.get_by_label("What happened next?").fill("He came to his next GP appointment.")
    worker.get_by_role("button", name="Send answers").click()
    answered = worker.locator("main").inner_text()
    assert "Useful: Yes" in answered and "Confidence 2 before, 4 now" in answered


def test_consultation_pages_have_no_serious_accessibility_violations(browser, live):
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(page, live, "pharmacist@example.org")
    page.goto(f"{live.url}/consultations/new")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Send request").click()  # with its error summary
    assert "There is a problem" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.goto(f"{live.url}/consultations/mine")
    assert serious_violations(page) == []

    psychologist = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(psychologist, live, "psychologist@example.org")
    psychologist.goto(f"{live.url}/consultations/queue")
    assert serious_violations(psychologist) == []
    psychologist.goto(f"{live.url}/consultations/1")  # closed, with its survey answers
    assert serious_violations(psychologist) == []

    # An open request shows the psychologist every action form at once.
    open_request = raise_directly(live, "pharmacist@example.org")
    psychologist.goto(f"{live.url}/consultations/{open_request}")
    psychologist.get_by_role("button", name="Take this request").click()
    assert psychologist.get_by_role("heading", name="Write advice").is_visible()
    assert serious_violations(psychologist) == []
