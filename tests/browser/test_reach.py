"""In Chromium: a commissioner opens the reach dashboard, changes the period and downloads a table as CSV."""
from __future__ import annotations

import csv
from datetime import date

import pytest

from tests.browser.helpers import fill_date, serious_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_a_commissioner_changes_the_period_and_downloads_a_csv(browser, live):
    page = browser.new_context(bypass_csp=True, accept_downloads=True).new_page()  # bypass only to run axe-core
    sign_in_page(page, live, "commissioner@example.org")
    page.get_by_role("link", name="Reach", exact=True).first.click()
    page.wait_for_url("**/reach/")
    assert page.get_by_role("heading", name="Reach", exact=True).is_visible()
    assert serious_violations(page) == []
    assert page.locator("figure.reach-chart").count() == 3
    # Legible at desktop and phone width: the labels are the page's own text size, never a shrunken drawing.
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        sizes = page.eval_on_selector_all(".reach-chart__label, .reach-chart__value, .reach-chart__ticks span",
                                          "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert sizes and min(sizes) >= 14, (width, sizes)
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    fill_date(page, "From", date(2026, 1, 1))
    fill_date(page, "To (inclusive)", date(2026, 3, 31))
    page.get_by_role("button", name="Show figures").click()
    assert "1 January 2026 to 31 March 2026" in page.locator("main").inner_text()
    assert "date_from=2026-01-01" in page.url

    with page.expect_download() as download:
        page.locator("#csv-joint").click()
    path = download.value.path()
    assert download.value.suggested_filename == "reach-joint-2026-01-01-to-2026-03-31.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["Kind of service", "Requests"]
    assert [r[0] for r in rows[1:3]] == ["Mental health", "Drug and alcohol"]

    # Anything with client-level detail is refused.
    response = page.goto(f"{live.url}/consultations/")
    assert response.status == 403
