"""In Chromium: a template goes from author to a worker's case and back, and hostile Markdown never runs."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.browser.helpers import raise_directly, sign_in_page
from tests.xss_corpus import XSS_PAYLOADS

pytestmark = pytest.mark.browser

SECTIONS = """## What matters to them
Listen for what they care about.
? What do they care about most?
## Small next step
? What is one thing they could try this week?"""


def test_publish_fill_in_for_a_case_comment_revise_and_print(browser, live):
    psychologist = browser.new_context().new_page()
    sign_in_page(psychologist, live, "psychologist@example.org")
    psychologist.goto(f"{live.url}/formulations/")
    psychologist.get_by_role("link", name="Write a new template").click()
    psychologist.get_by_label("Title").fill("What matters map")
    psychologist.get_by_label("Summary").fill("A quick map of what matters to the person.")
    psychologist.get_by_label("Plain language, for frontline staff").check()
    psychologist.get_by_label("Tags").fill("values, motivation")
    psychologist.get_by_label("Time needed (minutes)").fill("10")
    psychologist.get_by_label("Evidence or source").fill("Acceptance and commitment therapy values work.")
    psychologist.get_by_label("Sections").fill(SECTIONS)
    psychologist.get_by_role("button", name="Preview").click()
    assert psychologist.get_by_role("heading", name="Preview").is_visible()
    psychologist.get_by_role("button", name="Save draft").click()
    psychologist.get_by_role("button", name="Publish version 1").click()
    assert "Published" in psychologist.locator("main").inner_text()

    case_id = raise_directly(live, "outreach@example.org")
    psychologist.goto(f"{live.url}/consultations/{case_id}")
    psychologist.get_by_role("button", name="Take this request").click()
    psychologist.get_by_label("Template").select_option(label="What matters map")
    psychologist.get_by_role("button", name="Suggest template").click()

    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "outreach@example.org")
    worker.goto(f"{live.url}/consultations/{case_id}")
    worker.get_by_role("link", name="start it here").click()
    worker.get_by_role("button", name="Start").click()
    worker.get_by_label("What do they care about most?").fill("His dog and his sister.")
    worker.get_by_role("button", name="Save").click()
    formulation_url = worker.url

    psychologist.goto(formulation_url)
    psychologist.get_by_label("Comment", exact=True).fill("Could the dog be a reason to keep **safe**?")
    psychologist.get_by_role("button", name="Add comment").click()

    worker.reload()
    assert worker.locator(".reach-comment strong", has_text="safe").is_visible()
    worker.get_by_label("What is one thing they could try this week?").fill("Walk the dog before opening a can.")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("link", name="2", exact=True).click()  # the earlier revision
    assert "Walk the dog" not in worker.locator("main").inner_text()
    worker.goto(formulation_url)
    long_answer = "\n".join(f"Line {n:02d}: what he said about his sister and the dog." for n in range(1, 81))
    worker.get_by_label("What do they care about most?").fill(long_answer)
    with worker.expect_navigation():  # to the saved page, loaded with its script run
        worker.get_by_role("button", name="Save").click()
    worker.get_by_label("What is one thing they could try this week?").fill("Walk the dog first, typed not saved.")
    worker.emulate_media(media="print")
    assert not worker.locator("header.nhsuk-header").is_visible()
    printed = _pdf_pages(worker.pdf(format="A4"))
    text = " ".join(printed)
    assert all(f"Line {n:02d}:" in text for n in range(1, 81)), "every line of a long answer prints"
    assert "Walk the dog first, typed not saved." in text
    assert len(printed) >= 2
    for number, page_text in enumerate(printed, start=1):
        assert f"Page {number} of {len(printed)}" in page_text
        squeezed = page_text.replace(" ", "")  # PDF text drops some spaces in the small margin type
        assert "PS-3" in squeezed and "Whatmattersmap,version1" in squeezed and "Printed" in squeezed


def _pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_xss_corpus_renders_in_chromium_without_running_script(browser, live):
    from core.accounts.models import Person
    from formulations.sections import parse_sections
    from formulations.services import create_template, publish
    guidance = "\n\n".join(XSS_PAYLOADS)
    with live.app.app_context(), live.app.extensions["database"]["session_factory"]() as session:
        author = session.scalar(select(Person).where(Person.email == "psychologist@example.org"))
        version = create_template(session, author, {
            "title": "Hostile template", "summary": "<script>window.__xss=1</script>", "audience": "plain",
            "tags": "test", "minutes_needed": 1, "source_note": "<img src=x onerror=window.__xss=1>",
            "sections": parse_sections(f"## Payloads\n{guidance}\n? <svg onload=window.__xss=1>")})
        publish(session, version)
        session.commit()
        version_id = version.id
    # Without the CSP, so only the sanitiser stands between the payloads and the page.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs, outside = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(live.url) else None)
    sign_in_page(page, live, "keyworker@example.org")
    page.goto(f"{live.url}/formulations/versions/{version_id}")
    assert page.get_by_role("heading", name="Payloads").is_visible()
    for link in page.locator("main a").all():
        link.hover()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert dialogs == [] and outside == []
    context.close()
