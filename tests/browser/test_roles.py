"""In Chromium: every demo role signs in, and axe-core finds no serious accessibility problems."""
from __future__ import annotations

import pytest

from core.demo import PEOPLE
from tests.browser.helpers import serious_violations, sign_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("email", [p[0] for p in PEOPLE])
def test_each_demo_person_signs_in_and_sees_their_home_page(browser, live, email):
    context = browser.new_context()
    page = context.new_page()
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in_page(page, live, email)
    name = next(p[1] for p in PEOPLE if p[0] == email)
    assert page.get_by_role("heading", level=1).inner_text() == "Home" and f"Hello, {name}:" in page.content()
    assert page.get_by_role("button", name="Sign out").is_visible()
    # The design system's script ran (the CSP allows our own module, nothing inline). Waited for with a
    # selector: a string for wait_for_function is evaluated in the page, which the same CSP refuses whenever
    # the script has not run by the first check.
    page.locator("body.js-enabled").wait_for(state="attached", timeout=5000)
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert csp_errors == []
    context.close()


def test_sign_in_shows_errors_in_an_error_summary(browser, live):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/sign-in")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter your email address" in summary.inner_text()
    assert page.title().startswith("Error:")
    context.close()


@pytest.mark.parametrize("email", ["keyworker@example.org", "psychologist@example.org",
                                   "teamlead@example.org", "admin@example.org"])
def test_sign_in_and_home_pages_have_no_serious_accessibility_violations(browser, live, email):
    # bypass_csp lets the test inject axe-core; the app's own pages never need it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live.url}/sign-in")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Sign in").click()  # the page with its error summary too
    assert serious_violations(page) == []
    sign_in_page(page, live, email)
    assert page.url == f"{live.url}/"
    assert serious_violations(page) == []
    context.close()
