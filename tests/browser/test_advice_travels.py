"""In Chromium: a worker finds their answer in a practice note while typing their question; another gets advice
with a saved paragraph, two agreed actions and a referral route, downloads the summary and ticks the actions off."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.browser.helpers import raise_directly, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_a_keyworker_finds_a_practice_note_while_typing_and_needs_no_request(browser, lived_in_live):
    live = lived_in_live
    from library.models import NoteAnswer
    context = browser.new_context(bypass_csp=True)
    worker = context.new_page()
    sign_in_page(worker, live, "keyworker@example.org")
    worker.goto(f"{live.url}/consultations/new")
    worker.get_by_label("What do you want to ask the psychologist?").press_sequentially(
        "He is too anxious to wait at the counter", delay=10)
    suggestion = worker.locator("#existing-answers").get_by_role("link", name="Too anxious to wait at the counter")
    suggestion.wait_for()
    assert serious_violations(worker) == []
    with context.expect_page() as opened:
        suggestion.click()
    note = opened.value
    note.wait_for_load_state()
    assert "supervised dosing" in note.locator("h1").inner_text()
    note.get_by_role("button", name="This answers my question: I found my answer").click()
    assert "counted as a question answered by a practice note" in note.locator("main").inner_text()
    with live.app.extensions["database"]["session_factory"]() as session:
        assert session.scalar(select(func.count()).select_from(NoteAnswer)) == 1


def _holder_email(live, consultation_id: int) -> str | None:
    from consult.models import Consultation
    from core.accounts.models import Person
    with live.app.extensions["database"]["session_factory"]() as session:
        c = session.get(Consultation, consultation_id)
        return session.get(Person, c.psychologist_id).email if c.psychologist_id else None


def test_advice_with_a_paragraph_two_actions_and_a_referral_route_travels_to_the_case_notes(browser, lived_in_live):
    live = lived_in_live
    from pypdf import PdfReader
    consultation_id = raise_directly(live, "outreach@example.org")
    psychologist = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(psychologist, live, _holder_email(live, consultation_id) or "psychologist@example.org")
    psychologist.goto(f"{live.url}/consultations/snippets")
    psychologist.get_by_label("Name").fill("Naloxone")
    psychologist.get_by_label("Paragraph").fill("Make sure he carries naloxone and knows how to use it.")
    psychologist.get_by_role("button", name="Save paragraph").click()
    url = f"{live.url}/consultations/{consultation_id}"
    psychologist.goto(url)
    if psychologist.get_by_role("button", name="Take this request").count():
        psychologist.get_by_role("button", name="Take this request").click()
    advice = psychologist.get_by_role("textbox", name="Advice")
    advice.fill("Ask him what the drink does for him at night.")
    psychologist.get_by_label("Insert one of your saved paragraphs").select_option(label="Naloxone")
    psychologist.get_by_role("button", name="Insert paragraph").click()  # scripts on: no round trip
    assert advice.input_value() == ("Ask him what the drink does for him at night.\n\n"
                                    "Make sure he carries naloxone and knows how to use it.")
    psychologist.get_by_label("Recommend a referral to a service (optional)").select_option(
        label="Brighton and Hove Community Mental Health Team")
    psychologist.get_by_role("button", name="Send advice").click()
    assert serious_violations(psychologist) == []
    for what in ("ask the GP about a sleep review", "take him to the duty line's drop-in"):
        psychologist.get_by_label("What is to be done").fill(what)
        psychologist.get_by_label("Who will do it").select_option(label="The worker")
        psychologist.get_by_role("button", name="Agree action").click()

    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "outreach@example.org")
    worker.goto(url)
    main = worker.locator("main").inner_text()
    assert "Recommended referral: Brighton and Hove Community Mental Health Team" in main
    assert "Drug or alcohol use is no reason to turn anyone away" in main and "Duty line 01632 960 202" in main
    with worker.expect_download() as downloaded:
        worker.get_by_role("link", name="download the advice summary (PDF)").click()
    pdf = open(downloaded.value.path(), "rb").read()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("naloxone", "ask the GP about a sleep review", "Community Mental Health Team", "Criteria"):
        assert expected in text, expected
    for what in ("ask the GP about a sleep review", "take him to the duty line's drop-in"):
        worker.get_by_role("button", name=re.compile(f"^Tick off as done\\W+{re.escape(what)}$")).click()
        assert f"Ticked off: {what}" in worker.locator("main").inner_text()
    assert worker.get_by_role("button", name=re.compile("^Not done yet\\W+ask the GP about a sleep review$")).is_visible()
