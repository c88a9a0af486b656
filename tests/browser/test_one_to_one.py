"""In Chromium: a psychologist offers a supervision agreement to a keyworker, who accepts it; the session is
recorded and confirmed; the keyworker starts an NMC reflective account from it and downloads it."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from core.timeutil import LONDON
from tests.browser.helpers import fill_date, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_offer_accept_record_confirm_and_download_a_reflective_account(browser, live):
    now = datetime.now(LONDON)
    started = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0))  # a session already under way today
    psychologist = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(psychologist, live, "psychologist@example.org")
    psychologist.goto(f"{live.url}/supervision/")
    psychologist.get_by_role("link", name="Offer a supervision agreement").click()
    psychologist.get_by_label("Supervisee's work email address").fill("keyworker@example.org")
    psychologist.get_by_label("How often: every how many weeks").fill("4")
    fill_date(psychologist, "Date of the first session", now.date())
    psychologist.get_by_label("Start time").fill(started.strftime("%H:%M"))
    psychologist.get_by_label("By video").check()
    psychologist.get_by_label("The room, address or video link").fill("https://video.example/supervision")
    fill_date(psychologist, "Review date", now.date() + timedelta(days=182))
    assert serious_violations(psychologist) == []
    psychologist.get_by_role("button", name="Offer the agreement").click()
    assert "The agreement is offered to Alex Price" in psychologist.locator("main").inner_text()
    agreement_url = psychologist.url

    keyworker = browser.new_context(bypass_csp=True).new_page()
    sign_in_page(keyworker, live, "keyworker@example.org")
    keyworker.goto(f"{live.url}/supervision/")
    keyworker.get_by_role("link", name="Supervised by Dr Morgan Hale").click()
    assert "safeguarding concern" in keyworker.locator("main").inner_text()  # the limits of confidentiality
    keyworker.get_by_role("button", name="Accept the agreement").click()
    assert "You accepted the agreement" in keyworker.locator("main").inner_text()
    assert serious_violations(keyworker) == []

    psychologist.goto(agreement_url)
    psychologist.get_by_role("link", name=started.strftime("%-d %B %Y")).first.click()
    session_url = psychologist.url
    psychologist.get_by_role("link", name="Write the record").click()
    psychologist.get_by_label("Caseload").fill("Eighteen on the caseload; one person newly street homeless.")
    psychologist.get_by_label("Case 1: client reference").fill("RDA-4471")
    psychologist.get_by_label("Case 1: what was discussed").fill("Try a morning check-in before the first drink.")
    psychologist.get_by_label("Action 1", exact=True).fill("Ask the hostel about a morning slot")
    psychologist.get_by_label("Action 1: who").select_option(label="Supervisee")
    fill_date(psychologist, "Action 1: by when", now.date() + timedelta(days=14))
    assert serious_violations(psychologist) == []
    psychologist.get_by_role("button", name="Save the record").click()
    assert "Alex Price is asked to confirm it" in psychologist.locator("main").inner_text()

    keyworker.goto(session_url)
    assert "Try a morning check-in" in keyworker.locator("main").inner_text()
    keyworker.get_by_label("Your own reflection (optional)").fill("I hold on to worry instead of sharing it.")
    keyworker.get_by_role("button", name="Confirm the record").click()
    assert "You confirmed the record" in keyworker.locator("main").inner_text()
    keyworker.get_by_role("button", name="Start a reflective account").click()
    assert "NMC reflective accounts form" in keyworker.locator("main").inner_text()
    keyworker.get_by_label("What did you learn from the CPD activity or feedback?").fill(
        "That bringing a case early gives me more options.")
    keyworker.get_by_label("How did you change or improve your practice as a result?").fill(
        "I now raise a worrying case the same week.")
    keyworker.get_by_label("How is this relevant to the Code?").fill("Prioritise people; preserve safety.")
    keyworker.get_by_role("button", name="Save").click()
    assert "Your reflective account is saved" in keyworker.locator("main").inner_text()
    assert serious_violations(keyworker) == []
    with keyworker.expect_download() as downloaded:
        keyworker.get_by_role("link", name="Download as a PDF").click()
    pdf = open(downloaded.value.path(), "rb").read()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "NMC reflective accounts form" in text and "I now raise a worrying case the same week." in text
    assert "1 hour" in text and "RDA-4471" not in text and "morning check-in" not in text
