"""No input can hold a process: every check on user input and the Markdown renderer take time in proportion to
the text, and no check runs on text past its length limit.

Each is fed adversarial inputs at 10 and 100 times a base size: linear work takes about ten times as long for the
larger, quadratic work a hundred times. A signal alarm stops a measurement that runs away, so a regression fails
here rather than hanging the suite."""
from __future__ import annotations

import signal
import time
from contextlib import contextmanager

import pytest

from core import identifiers
from core.markdown import _render
from core.text import linked
from supervision.register import WORD
from tests.support import post_form, sign_in

BASE = 200  # characters: the inputs are 2,000 and 20,000 long
LINEAR = 25  # how much longer the 100x input may take than the 10x one (linear: 10; quadratic: 100)
NOISE = 0.005  # seconds: below this a timing says nothing


@contextmanager
def at_most(seconds: int):
    def stop(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _seconds(work, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        work(text)
        best = min(best, time.perf_counter() - started)
    return best


def _grows_linearly(work, unit: str) -> None:
    make = lambda size: (unit * (size // len(unit) + 1))[:size]  # noqa: E731
    with at_most(20):
        small, large = _seconds(work, make(10 * BASE)), _seconds(work, make(100 * BASE))
    assert large <= LINEAR * small + NOISE, f"{unit!r}: {small * 1000:.2f} ms, then {large * 1000:.2f} ms"


IDENTIFIER_INPUTS = ["1", "1 ", "1.", "O", "1O ", "@", "a@", "a", "a at ", "x dot ", " ", "12 ", "12 march ",
                     "\u200b1", "\u00a01", "jo at 1 2 .@ 12-mar-", "９", "-", "1-1 ", "at at dot "]


@pytest.mark.parametrize("check", [identifiers.reference_problem, identifiers.free_text_problem],
                         ids=["reference", "free text"])
@pytest.mark.parametrize("unit", IDENTIFIER_INPUTS)
def test_identifier_checks_take_time_in_proportion_to_the_text(check, unit):
    _grows_linearly(check, unit)


MARKDOWN_INPUTS = ["`", "[", "![", "[a", "[a](", "*", "_", "<", "\\", "`a", "&", "*a", "[a][b]", "(", "**a*",
                   "<http://", ">", "- ", "#", "_a ", "```\n", "~~~\na\n", "    - a\n", "> > > > > a\n",
                   "| a | b |\n", "[a]: http://x\n", "*a ", "a" * 1990 + "\n\n", "[" + "a" * 100 + "\n\n",
                   "http://", "https://a.", "https://a.b/c.", "http:// ", "https://a_b_"]


def _render_afresh(text: str):
    _render.cache_clear()
    return _render(text)


@pytest.mark.parametrize("unit", MARKDOWN_INPUTS)
def test_markdown_takes_time_in_proportion_to_the_text(unit):
    _grows_linearly(_render_afresh, unit)


def test_text_at_every_markdown_bound_still_renders_in_proportion():
    """Blocks just inside the bounds (the most markup Markdown is still given), many of them."""
    block = "[a " * 12 + "`a" * 15 + "_a " * 30 + "a" * 1700
    _grows_linearly(_render_afresh, block + "\n\n")


def test_markdown_past_its_bounds_is_shown_as_text_with_nothing_lost():
    html = str(_render_afresh("`" * 5000 + "\n\nA **normal** paragraph."))
    assert html.count("`") == 5000 and "<strong>normal</strong>" in html
    nested = str(_render_afresh("> " * 10 + "deep"))
    assert "deep" in nested and "<blockquote>" not in nested


@pytest.mark.parametrize("unit", ["https://", "https://a.", "http://a.b,.", "https://a/b", "x https:/"])
def test_linking_web_addresses_in_plain_text_takes_time_in_proportion(unit):
    _grows_linearly(linked, unit)


def test_the_check_of_names_in_themes_reads_the_text_once():
    _grows_linearly(lambda text: WORD.findall(identifiers.normalise(text).lower()), "jo-ann o'neil ")


# --- Through the forms --------------------------------------------------------------------------

def test_a_field_past_its_length_limit_is_never_checked_for_identifiers(app, monkeypatch):
    from consult import forms as consult_forms
    from core import forms as core_forms
    seen = []
    real = core_forms.free_text_problem
    monkeypatch.setattr(core_forms, "free_text_problem", lambda text: seen.append(len(text)) or real(text))
    client = app.test_client()
    sign_in(client, "frontline")
    started = time.perf_counter()
    response = post_form(client, "/consultations/new", {"question": "a@" * 30_000, "client_reference": "JB-1"})
    elapsed = time.perf_counter() - started
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Keep this to 5,000 characters or fewer" in body
    assert max(seen, default=0) <= 5000 and elapsed < 5
    assert consult_forms.RequestForm  # the form the page used


def test_a_body_past_the_request_limit_is_refused_in_plain_words_before_it_is_read(app):
    client = app.test_client()
    sign_in(client, "frontline")
    response = post_form(client, "/consultations/new", {"question": "a" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)
