"""The advice summary for the worker's case notes: a one-page PDF (read back as text) and plain text, with the
references, question, advice, agreed actions, who advised and when, and what to do if things get worse; for
those who may see the request in full, once it has advice; every download audited."""
from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from core import pdf as pdf_module
from core.audit import AuditEvent
from core.timeutil import LONDON, format_day, utcnow
from tests.factories import taken_request
from tests.support import date_boxes, post_form, signed_in


def _advised(app, session):
    frontline, psychologist, url = taken_request(app, session)
    post_form(psychologist, f"{url}/advice", {"advice-body": "Start from what the drink does for her.\n\n"
                                                             "- Agree a **morning** routine\n- Keep the afternoon slot"},
              page_url=url)
    due = utcnow().astimezone(LONDON).date() + timedelta(days=7)
    for what, owner in (("book a GP appointment about sleep", "worker"), ("review her script times", "psychologist")):
        post_form(psychologist, f"{url}/actions", {"action-what": what, "action-owner": owner,
                                                   **date_boxes("action-due_on", due)}, page_url=url)
    return frontline, psychologist, url, due


def _pdf_text(response) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages), len(reader.pages)


def test_the_worker_downloads_a_one_page_pdf_that_reads_back_with_everything_the_notes_need(app, session):
    frontline, _, url, due = _advised(app, session)
    assert "download the advice summary (PDF)" in frontline.get(url).get_data(as_text=True)
    response = frontline.get(f"{url}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"] and "C000001" in response.headers["Content-Disposition"]
    text, pages = _pdf_text(response)
    assert pages == 1
    for expected in ("Advice summary for consultation C000001", "Client JB-0412", "How do I talk with her about her mornings?",
                     "From Psychologist", "Start from what the drink does for her.", "Agree a morning routine",
                     "The worker: book a GP appointment about sleep, by " + format_day(due),
                     "The psychologist: review her script times", "If things get worse", "Call 999",
                     "NHS 111 and choose option 2", "quoting C000001", "No referral has been made", "Summary made"):
        assert expected in text, expected


def test_the_plain_text_summary_pastes_into_another_system(app, session):
    frontline, _, url, due = _advised(app, session)
    response = frontline.get(f"{url}/summary.txt")
    assert response.content_type == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("Advice summary: consultation C000001, client JB-0412\n")
    assert "QUESTION\nHow do I talk with her about her mornings?" in text
    assert "- Agree a **morning** routine" in text  # as written: no markup to strip
    assert f"- The worker: book a GP appointment about sleep, by {format_day(due)}\n" in text
    assert "IF THINGS GET WORSE\n- Call 999" in text and "<" not in text


def test_a_ticked_action_says_when_it_was_done(app, session):
    frontline, _, url, _ = _advised(app, session)
    page = frontline.get(url).get_data(as_text=True)
    action_id = page.split(f'action="{url}/actions/', 1)[1].split('"', 1)[0]
    post_form(frontline, f"{url}/actions/{action_id}", {"done": "yes"}, page_url=url)
    text = frontline.get(f"{url}/summary.txt").get_data(as_text=True)
    assert f"(done {format_day(utcnow().astimezone(LONDON).date())})" in text


def test_no_advice_no_summary_and_only_those_who_see_the_request_download_it(app, session):
    frontline, psychologist, url = taken_request(app, session)
    assert frontline.get(f"{url}/summary.pdf").status_code == 404
    assert "download the advice summary" not in frontline.get(url).get_data(as_text=True)
    post_form(psychologist, f"{url}/advice", {"advice-body": "Try a morning check-in."}, page_url=url)
    assert signed_in(app, "team_lead").get(f"{url}/summary.txt").status_code == 200
    assert signed_in(app, "other_frontline").get(f"{url}/summary.pdf").status_code == 404
    assert signed_in(app, "other_psychologist").get(f"{url}/summary.pdf").status_code == 403  # need to know
    session.rollback()
    downloads = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "consultation.summary_downloaded")).all()
    assert len(downloads) == 1 and '"format": "text"' in downloads[0]


def test_hostile_text_in_the_advice_draws_as_text(app, session):
    frontline, psychologist, url = taken_request(app, session)
    post_form(psychologist, f"{url}/advice", {"advice-body": "See <img src=http://evil.example/y.png> <b>ok</b>"},
              page_url=url)
    response = frontline.get(f"{url}/summary.pdf")
    assert response.status_code == 200 and "See" in _pdf_text(response)[0]


def test_the_pdf_fetches_nothing_from_outside_itself(monkeypatch):
    asked = []

    def refuse(url, *args, **kwargs):
        asked.append(url)
        raise ValueError("refused")

    monkeypatch.setattr(pdf_module, "_refuse", refuse)
    pdf = pdf_module.as_pdf('<p>Text</p><img src="http://evil.example/x.png"><link rel="stylesheet" '
                         'href="http://evil.example/x.css">')
    assert pdf.startswith(b"%PDF") and set(asked) == {"http://evil.example/x.png", "http://evil.example/x.css"}
