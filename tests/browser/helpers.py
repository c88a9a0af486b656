"""Running the app on loopback and driving Debian's Chromium through Playwright."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright):
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required for the browser tests but was not found")
        pytest.skip("Chromium is not installed (CI installs it with apt)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


class LiveServer:
    """The app served by werkzeug on a free loopback port, in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)


def sign_in_page(page, live, email: str) -> None:
    """Sign in through the real form as a demo person."""
    from core.demo import DEMO_PASSWORD
    page.goto(f"{live.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the current page (needs a bypass_csp context).

    One finding is the design system's choice, not a fault: NHS.UK and GOV.UK Frontend set aria-expanded on a
    radio that reveals a conditional question, because screen readers announce it (govuk-frontend issue 979,
    a known axe finding they keep on purpose). Only that exact finding is set aside."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
            if v["impact"] in ("serious", "critical") and not _conditional_reveal(v)]


def _conditional_reveal(violation) -> bool:
    return violation["id"] == "aria-allowed-attr" and all(
        'class="nhsuk-radios__input"' in node["html"] and 'aria-controls="conditional-' in node["html"]
        and all(check["data"] in (["aria-expanded=\"true\""], ["aria-expanded=\"false\""])
                for check in node["all"] + node["any"] + node["none"] if check.get("data") is not None)
        for node in violation["nodes"])


def fill_date(page, legend: str, day) -> None:
    """Type a date into the NHS.UK date input whose legend is `legend`, box by box, as a person would."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def raise_directly(live, email: str) -> int:
    """A routine request raised through the service by the person with this email, on the live server."""
    from sqlalchemy import select

    from consult.services import raise_request
    from core.accounts.models import Person
    with live.app.app_context(), live.app.extensions["database"]["session_factory"]() as session:
        requester = session.scalar(select(Person).where(Person.email == email))
        c = raise_request(session, requester, {
            "client_reference": "PS-3", "consent_basis": "pseudonymised", "presenting_needs": ["drugs"],
            "use_and_mental_health": "Uses to sleep.", "immediate_danger": False, "urgency": "routine",
            "preferred_mode": "phone", "question": "What might help?", "risks": ["intoxication"]})
        session.commit()
        return c.id


def schedule_weekly_group(page, seats: int, location: str, first_day, start_time: str, minutes: int) -> None:
    """On the scheduling form, with who and what already chosen: an open weekly round, and schedule it."""
    page.get_by_label("Open round: anyone it is for can book").check()
    page.get_by_label("Seats").fill(str(seats))
    page.get_by_label("Location or video link").fill(location)
    page.get_by_label("Weekly, or every few weeks").check()
    page.get_by_label("Day of the week").select_option(str(first_day.weekday()))
    page.get_by_label("Start time").fill(start_time)
    page.get_by_label("Length (minutes)").fill(str(minutes))
    fill_date(page, "First date", first_day)
    page.get_by_role("button", name="Schedule group").click()
