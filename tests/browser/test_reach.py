"""In Chromium: a commissioner opens the reach dashboard, sees exclusions by reason with small numbers hidden,
chooses a quarter, downloads a table as CSV, and downloads last month's partnership board report."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time

import pytest
from pypdf import PdfReader

from core.timeutil import LONDON
from reach import periods
from reach.board import build_due, first_working_day
from tests.browser.helpers import serious_violations, sign_in_page
from tests.partnership_october import consultation

pytestmark = pytest.mark.browser


def _last_month_with_a_board_report(live) -> periods.Period:
    """Three people turned away last month (as intoxicated) and eight the month before, and last month's board
    report made as the scheduler makes it on this month's first working day."""
    today = datetime.now(LONDON).date()
    last = periods.last_month(today)
    with live.app.app_context(), live.app.extensions["database"]["session_factory"]() as session:
        for n, month in enumerate([last] * 3 + [last.before()] * 8):
            consultation(session, "keyworker", f"BROWSER-{n}", datetime.combine(month.first, time(10), tzinfo=LONDON),
                         excluded_by="drug_and_alcohol", exclusion_reason="intoxicated")
        session.commit()
        made_on = datetime.combine(first_working_day(periods.month_of(today)), time(7), tzinfo=LONDON)
        assert build_due(session, made_on) == 1
        session.commit()
    return last


def test_a_commissioner_sees_small_numbers_hidden_and_downloads_the_board_report(browser, live):
    last = _last_month_with_a_board_report(live)
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

    # Last month by default: three turned away is "fewer than 5", and the page says why.
    main = page.locator("main").inner_text()
    assert last.label in main and "rounded to the nearest 5" in main
    intoxicated = page.locator("#table-exclusions tr", has_text="Intoxicated at the appointment")
    assert intoxicated.locator("td").nth(1).inner_text() == "fewer than 5"  # drug and alcohol services
    assert "3" not in intoxicated.inner_text()

    page.get_by_label("Month or quarter").select_option(label="January to March 2026")
    page.get_by_role("button", name="Show figures").click()
    assert "January to March 2026" in page.locator("main").inner_text()
    assert "period=2026-Q1" in page.url

    with page.expect_download() as download:
        page.locator("#csv-joint").click()
    path = download.value.path()
    assert download.value.suggested_filename == "reach-joint-2026-01-01-to-2026-03-31.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["Kind of service", "Requests"]
    assert [r[0] for r in rows[1:3]] == ["Mental health", "Drug and alcohol"]

    # Last month's board report, from the list of past reports.
    page.get_by_role("link", name="Partnership board reports").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"PDF for {last.label}").click()
    assert download.value.suggested_filename == f"partnership-board-report-{last.key}.pdf"
    with open(download.value.path(), "rb") as handle:
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert f"Partnership board report: {last.label}" in text and "fewer than 5" in text and "BROWSER-" not in text

    # Anything with client-level detail is refused.
    response = page.goto(f"{live.url}/consultations/")
    assert response.status == 403
