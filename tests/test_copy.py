"""Copy for pharmacy and hostel staff: hints in plain words (no Markdown jargon), a thank-you for every answer
given, and headings in order so a screen reader's outline makes sense."""
from __future__ import annotations

import re

import pytest

from tests.factories import taken_request
from tests.pages import open_page
from tests.support import post_form, sign_in

HINT = re.compile(r'class="nhsuk-hint"[^>]*>(.*?)</div>', re.S)


def _hints(page: str) -> list[str]:
    return [" ".join(h.split()) for h in HINT.findall(page)]


@pytest.mark.parametrize("key, url", [("frontline", "/consultations/new"),
                                      ("psychologist", "/reflective-practice/series/new"),
                                      ("psychologist", "/formulations/templates/new")])
def test_hints_never_speak_markdown(app, key, url):
    client = app.test_client()
    sign_in(client, key)
    hints = _hints(client.get(url).get_data(as_text=True))
    assert hints and not [h for h in hints if "Markdown" in h or "**" in h]


def test_the_thread_hints_are_plain_and_the_survey_says_thank_you(app, session):
    frontline, psychologist, url = taken_request(app, session)
    for client in (frontline, psychologist):
        hints = _hints(client.get(url).get_data(as_text=True))
        assert "Start a line with - to make a list. Web addresses become links." in " ".join(hints)
        assert not [h for h in hints if "Markdown" in h or "**" in h]
    advised = post_form(psychologist, f"{url}/advice", {"advice-body": "Ask about mornings."}, page_url=url,
                        follow_redirects=True).get_data(as_text=True)
    assert "Your advice has been sent and the worker told." in advised
    post_form(psychologist, f"{url}/close", {"close-outcome": "advice_only", "close-minutes_spent": "20"}, page_url=url)
    thanked = post_form(frontline, f"{url}/survey", {"survey-useful": "yes", "survey-more_confident": "yes",
                                                     "survey-without_advice": "nothing", "survey-confidence_before": "2",
                                                     "survey-confidence_now": "4"},
                        page_url=url, follow_redirects=True).get_data(as_text=True)
    assert "Thank you. Your answers help the psychologists make the service better." in thanked


def test_the_not_a_crisis_service_card_is_a_second_level_heading_under_the_page_title(app):
    client = app.test_client()
    sign_in(client, "frontline")
    page = open_page(client, "consult.new")
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", page[page.index("<main"):])]
    assert levels[:2] == [1, 2]
    assert re.search(r"<h2[^>]*>(?:(?!</h2>).)*This is not a crisis service", page, re.S)
