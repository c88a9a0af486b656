"""A psychologist's saved paragraphs: theirs alone, refused when they carry an identifier, and put into advice
by the "Insert paragraph" button without sending it (the page works without scripts)."""
from __future__ import annotations

from sqlalchemy import select

from consult.forms import ADVICE_LENGTH
from consult.models import Message, Snippet
from tests.factories import taken_request
from tests.pages import open_page
from tests.support import form_as_shown, post_form, signed_in

NALOXONE = "Make sure they have naloxone and know how to use it; the needle exchange gives it out free."


def _save(client, title="Naloxone and overdose", body=NALOXONE):
    return post_form(client, "/consultations/snippets", {"snippet-title": title, "snippet-body": body})


def _snippets(session) -> list[Snippet]:
    session.rollback()
    return list(session.scalars(select(Snippet).order_by(Snippet.id)))


def test_a_psychologist_saves_paragraphs_that_only_they_see(app, session):
    psychologist = signed_in(app, "psychologist")
    assert _save(psychologist).status_code == 302
    [snippet] = _snippets(session)
    page = open_page(psychologist, "consult.snippets")
    assert "Naloxone and overdose" in page and "Make sure they have naloxone" in page
    other = signed_in(app, "other_psychologist")
    assert "Naloxone and overdose" not in open_page(other, "consult.snippets")
    assert other.get(f"/consultations/snippets/{snippet.id}").status_code == 404
    assert post_form(other, f"/consultations/snippets/{snippet.id}/delete", {"confirmed": "yes"},
                     page_url="/consultations/snippets").status_code == 404
    assert signed_in(app, "frontline").get("/consultations/snippets").status_code == 403
    assert len(_snippets(session)) == 1


def test_a_paragraph_with_an_identifier_is_refused_and_what_was_typed_is_kept(app, session):
    psychologist = signed_in(app, "psychologist")
    refused = _save(psychologist, body="Ring the GP about 943 476 5919 today.")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in page and "NHS number" in page
    assert "Ring the GP about" in page and "Naloxone and overdose" in page
    assert _snippets(session) == []


def test_insert_puts_the_paragraph_after_what_is_typed_and_sends_nothing(app, session):
    _, psychologist, url = taken_request(app, session)
    _save(psychologist)
    [snippet] = _snippets(session)
    shown = psychologist.get(url).get_data(as_text=True)
    assert f'<option value="{snippet.id}" data-body="{NALOXONE}">' in shown
    back = post_form(psychologist, f"{url}/advice", {"advice-body": "Offer a morning check-in.",
                                                     "advice-snippet_id": str(snippet.id), "advice-insert": "yes"},
                     page_url=url)
    assert back.status_code == 200
    page = back.get_data(as_text=True)
    assert "There is a problem" not in page
    assert f"Offer a morning check-in.\n\n{NALOXONE}</textarea>" in page
    session.rollback()
    assert session.scalars(select(Message).where(Message.kind == "advice")).all() == []


def test_advice_sent_with_a_paragraph_still_picked_is_sent(app, session):
    _, psychologist, url = taken_request(app, session)
    _save(psychologist)
    [snippet] = _snippets(session)
    sent = post_form(psychologist, f"{url}/advice", {"advice-body": f"Offer a morning check-in.\n\n{NALOXONE}",
                                                     "advice-snippet_id": str(snippet.id)}, page_url=url)
    assert sent.status_code == 302
    session.rollback()
    assert [m.body for m in session.scalars(select(Message).where(Message.kind == "advice"))] == [
        f"Offer a morning check-in.\n\n{NALOXONE}"]


def test_insert_with_nothing_chosen_or_too_long_says_so_and_keeps_the_advice(app, session):
    _, psychologist, url = taken_request(app, session)
    _save(psychologist)
    [snippet] = _snippets(session)
    nothing = post_form(psychologist, f"{url}/advice", {"advice-body": "Offer a morning check-in.",
                                                        "advice-insert": "yes"}, page_url=url)
    assert "Choose one of your saved paragraphs to insert" in nothing.get_data(as_text=True)
    assert "Offer a morning check-in.</textarea>" in nothing.get_data(as_text=True)
    long_advice = "x" * (ADVICE_LENGTH - 10)
    too_long = post_form(psychologist, f"{url}/advice", {"advice-body": long_advice, "advice-insert": "yes",
                                                         "advice-snippet_id": str(snippet.id)}, page_url=url)
    page = too_long.get_data(as_text=True)
    assert "the advice would be over 10,000 characters" in page and f"{long_advice}</textarea>" in page


def test_changing_and_deleting_a_paragraph(app, session):
    psychologist = signed_in(app, "psychologist")
    _save(psychologist)
    [snippet] = _snippets(session)
    url = f"/consultations/snippets/{snippet.id}"
    assert form_as_shown(psychologist, url, url)["snippet-title"] == "Naloxone and overdose"
    assert post_form(psychologist, url, {"snippet-title": "Naloxone", "snippet-body": NALOXONE}).status_code == 302
    assert _snippets(session)[0].title == "Naloxone"
    asked = post_form(psychologist, f"{url}/delete", {}, page_url=url)
    assert "Delete ‘Naloxone’?" in asked.get_data(as_text=True) and len(_snippets(session)) == 1
    assert post_form(psychologist, f"{url}/delete", {"confirmed": "yes"}, page_url=url).status_code == 302
    assert _snippets(session) == []
