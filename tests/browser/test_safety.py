"""In Chromium: a keyworker reports immediate danger; the duty psychologist does not acknowledge it; the chain
reaches the lead psychologist, who takes it over; the keyworker sees who has it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.urgent import escalate_unacknowledged
from core.accounts.models import Person
from core.timeutil import utcnow
from rota.models import DutySlot
from tests.browser.helpers import serious_violations, sign_in_page
from tests.support import committed

pytestmark = pytest.mark.browser


def _on_duty_now(live, email: str) -> None:
    with live.app.app_context(), live.app.extensions["database"]["session_factory"]() as session:
        who = session.scalar(select(Person).where(Person.email == email))
        now = utcnow()
        session.add(DutySlot(psychologist_id=who.id, kind="cover", starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(hours=3), capacity=5, status="active", updated_at=now))
        session.commit()


def test_an_unacknowledged_report_of_immediate_danger_reaches_the_lead_who_takes_it(browser, live):
    _on_duty_now(live, "psychologist2@example.org")  # Dr Aisha Rahman; the lead, Dr Morgan Hale, is not on duty
    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "keyworker@example.org")
    worker.goto(f"{live.url}/consultations/new")
    worker.get_by_label("Client reference").fill("AP-0999")
    worker.get_by_label("The person has consented to me asking for advice").check()
    worker.get_by_role("checkbox", name="Mental health", exact=True).check()
    worker.get_by_label("How does the person see their alcohol").fill("He says the drink is the only thing that helps.")
    worker.get_by_role("group", name="Is anyone in immediate danger now?").get_by_label("Yes").check()
    # How soon is left unanswered: immediate danger makes it urgent.
    worker.get_by_label("Written reply").check()
    worker.get_by_label("What do you want to ask the psychologist?").fill("He talked about ending it tonight.")
    worker.get_by_role("button", name="Send request").click()
    assert worker.get_by_role("heading", name="If someone is in danger now, act now").is_visible()
    main = worker.locator("main").inner_text()
    assert "Dr Aisha Rahman, the duty psychologist, has your request." in main
    assert "Immediate danger reported: Chris Doyle (team lead) told at once." in main
    reference = worker.locator(".nhsuk-panel strong").inner_text()

    with live.app.app_context(), live.app.extensions["database"]["session_factory"]() as session:
        # nobody acknowledged it; the scheduler commits what the sweep did
        assert committed(session, escalate_unacknowledged(session, utcnow() + timedelta(minutes=31))) == 1

    lead = browser.new_context(bypass_csp=True).new_page()  # for axe, which runs as a page script
    sign_in_page(lead, live, "psychologist@example.org")
    lead.goto(f"{live.url}/notifications")
    assert "URGENT – immediate danger reported: not acknowledged after" in lead.locator("main").inner_text()
    lead.goto(f"{live.url}/consultations/queue")
    row = lead.locator("tr", has_text=reference)
    assert "Not acknowledged" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    assert serious_violations(lead) == []
    lead.get_by_role("button", name="Take over this urgent request").click()
    assert f"You have acknowledged {reference}" in lead.locator("main").inner_text()

    worker.goto(f"{live.url}/consultations/mine")
    worker.get_by_role("link", name=reference).click()
    summary = worker.locator(".nhsuk-summary-list").inner_text()
    assert "Held by\tDr Morgan Hale\n" in summary and "by Dr Morgan Hale" in summary


def test_choosing_yes_for_immediate_danger_shows_what_to_do_at_once_with_or_without_javascript(browser, live):
    worker = browser.new_context().new_page()
    sign_in_page(worker, live, "pharmacist@example.org")
    worker.goto(f"{live.url}/consultations/new")
    guidance = worker.get_by_role("heading", name="If someone is in danger now, act now")
    assert not guidance.is_visible()  # hidden until it applies
    worker.get_by_role("group", name="Is anyone in immediate danger now?").get_by_label("Yes").check()
    assert guidance.is_visible()  # at once, before anything is sent

    without_js = browser.new_context(java_script_enabled=False).new_page()
    sign_in_page(without_js, live, "pharmacist@example.org")
    without_js.goto(f"{live.url}/consultations/new")
    assert without_js.get_by_role("heading", name="If someone is in danger now, act now").is_visible()
