"""Practice notes: offered by the psychologist who held a closed request, made only with the worker's agreement,
de-identified and checked before anyone else can read or find them, retired out of the search at once, and kept
(without their source) when the request's details pass their retention period."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from consult.models import Consultation, Message
from core.search import SearchEntry
from core.timeutil import utcnow
from governance.retention import remove_consultation_details
from library.models import NoteAnswer, PracticeNote
from tests.factories import closed_with_advice
from tests.pages import open_page
from tests.support import form_as_shown, post_form, signed_in, told


def _note(session) -> PracticeNote | None:
    session.rollback()
    session.expire_all()
    return session.scalars(select(PracticeNote)).first()


def _offered_and_agreed(app, session):
    frontline, psychologist, url = closed_with_advice(app, session)
    c_id = int(url.rsplit("/", 1)[1])
    assert post_form(psychologist, f"/library/offer/{c_id}", {}).status_code == 302
    note = _note(session)
    assert post_form(frontline, f"/library/notes/{note.id}/agreement", {"agree": "yes"}).status_code == 302
    return frontline, psychologist, url, _note(session)


def _publish(psychologist, note, **changes):
    url = f"/library/notes/{note.id}/edit"
    data = {**form_as_shown(psychologist, url, url), "title": "Drinking before morning appointments",
            "publish": "yes", **changes}
    return post_form(psychologist, url, data)


def test_the_worker_is_asked_first_and_the_note_is_found_once_published(app, session):
    frontline, psychologist, url = closed_with_advice(app, session)
    assert "Offer this as a practice note" in psychologist.get(url).get_data(as_text=True)
    assert "Offer this as a practice note" not in frontline.get(url).get_data(as_text=True)
    c_id = int(url.rsplit("/", 1)[1])
    open_page(psychologist, "library.offer", consultation_id=c_id)
    post_form(psychologist, f"/library/offer/{c_id}", {})
    note = _note(session)
    assert note.status == "asked" and note.question == "" and note.advice == ""  # nothing copied yet
    assert "May your question help others?" in told(session, "frontline")[-1]
    assert "May this help others as a practice note?" in frontline.get(url).get_data(as_text=True)
    open_page(frontline, "library.agreement", note_id=note.id)
    post_form(frontline, f"/library/notes/{note.id}/agreement", {"agree": "yes"})
    note = _note(session)
    assert note.status == "draft" and "morning check-in" in note.advice
    assert "You may make a practice note" in told(session, "psychologist")[-1]
    other = signed_in(app, "other_frontline")
    assert other.get(f"/library/notes/{note.id}").status_code == 404  # a draft is its psychologist's
    assert _publish(psychologist, note).status_code == 302
    page = open_page(other, "library.note", note_id=note.id)
    assert "Drinking before morning appointments" in page and "morning check-in" in page
    found = open_page(other, "library.index", q="appointment mornings")
    assert "<mark>appointments</mark>" in found and f"/library/notes/{note.id}" in found


def test_a_worker_who_says_no_has_nothing_copied(app, session):
    frontline, psychologist, url = closed_with_advice(app, session)
    c_id = int(url.rsplit("/", 1)[1])
    post_form(psychologist, f"/library/offer/{c_id}", {})
    note = _note(session)
    post_form(frontline, f"/library/notes/{note.id}/agreement", {"agree": "no"})
    note = _note(session)
    assert note.status == "declined" and note.question == note.advice == ""
    assert "No practice note" in told(session, "psychologist")[-1]
    assert psychologist.get(f"/library/notes/{note.id}/edit").status_code == 404
    assert session.scalars(select(SearchEntry).where(SearchEntry.kind == "note")).all() == []


def test_only_the_holder_offers_and_only_the_worker_who_asked_answers(app, session):
    frontline, psychologist, url = closed_with_advice(app, session)
    c_id = int(url.rsplit("/", 1)[1])
    assert signed_in(app, "other_psychologist").get(f"/library/offer/{c_id}").status_code == 404
    assert frontline.get(f"/library/offer/{c_id}").status_code == 404
    post_form(psychologist, f"/library/offer/{c_id}", {})
    note = _note(session)
    for key in ("team_lead", "other_frontline", "psychologist"):
        assert post_form(signed_in(app, key), f"/library/notes/{note.id}/agreement", {"agree": "yes"},
                         page_url="/account").status_code == 404
    assert _note(session).status == "asked"
    assert psychologist.get(f"/library/offer/{c_id}").status_code == 404  # offered once


SEEDED = ["JB-0412", "Frontline", "Psychologist", "Riverside Drug and Alcohol Service", "Keyworkers",
          "943 476 5919", "jo@example.org", "BN1 1AA", "Mrs Jones", "Sharon"]


def test_no_identifier_survives_into_a_published_note_or_the_search_index(app, session):
    """Identifiers seeded into the request (as if they had got past the request form) are taken out or refused."""
    frontline, psychologist, url = closed_with_advice(app, session)
    c_id = int(url.rsplit("/", 1)[1])
    session.rollback()
    session.execute(update(Consultation).where(Consultation.id == c_id).values(
        question="JB-0412 told Frontline at Riverside Drug and Alcohol Service (Keyworkers) that she drinks "
                 "before appointments."))
    session.execute(update(Message).where(Message.consultation_id == c_id, Message.kind == "advice").values(
        body="Psychologist suggests: ask jb-0412 about mornings. NHS 943 476 5919, jo@example.org, BN1 1AA. "
             "Mrs Jones is her neighbour. She told Sharon first."))
    session.commit()
    post_form(psychologist, f"/library/offer/{c_id}", {})
    note = _note(session)
    post_form(frontline, f"/library/notes/{note.id}/agreement", {"agree": "yes"})
    note = _note(session)
    # The request's own reference, people (here named Frontline and Psychologist), organisation and team go at once.
    for gone in SEEDED[:5]:
        assert gone not in note.question + note.advice, gone
    assert "jb-0412" not in note.advice
    assert "the client told the worker at the service (the team)" in note.question
    refused = _publish(psychologist, note)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in page and "email address" in page
    assert "She told Sharon first." in page  # what is on the form is kept
    assert _note(session).status == "draft"
    clean = "Ask about mornings, and who she tells first."
    for advice, reason in ((f"{clean} NHS 943 476 5919", "NHS number"), (f"{clean} BN1 1AA", "postcode"),
                           (f"{clean} Mrs Jones is her neighbour.", "name"), (f"{clean} She told Sharon.", "Sharon")):
        assert reason in _publish(psychologist, note, advice=advice).get_data(as_text=True)
    assert _publish(psychologist, note, advice=clean).status_code == 302
    note = _note(session)
    indexed = " ".join(session.scalars(select(SearchEntry.title + SearchEntry.tags + SearchEntry.body)))
    for gone in SEEDED:
        assert gone not in note.title + note.question + note.advice, gone
        assert gone not in indexed, gone
    assert "jb-0412" not in indexed.lower()


def test_a_published_note_changed_to_carry_an_identifier_is_refused(app, session):
    _, psychologist, _, note = _offered_and_agreed(app, session)
    _publish(psychologist, note)
    url = f"/library/notes/{note.id}/edit"
    data = {**form_as_shown(psychologist, url, url), "advice": "Ask Mrs Jones."}
    assert "There is a problem" in post_form(psychologist, url, data).get_data(as_text=True)
    assert "Mrs Jones" not in _note(session).advice


def test_a_retired_note_leaves_the_search_at_once(app, session):
    _, psychologist, _, note = _offered_and_agreed(app, session)
    _publish(psychologist, note)
    worker = signed_in(app, "other_frontline")
    assert f"/library/notes/{note.id}" in open_page(worker, "library.index", q="mornings")
    post_form(psychologist, f"/library/notes/{note.id}/retire", {}, page_url=f"/library/notes/{note.id}")
    assert _note(session).status == "retired"
    assert f"/library/notes/{note.id}" not in open_page(worker, "library.index", q="mornings")
    assert worker.get(f"/library/notes/{note.id}").status_code == 404


def test_retention_removes_the_source_link_and_keeps_the_note(app, session):
    _, psychologist, url, note = _offered_and_agreed(app, session)
    _publish(psychologist, note)
    c_id = int(url.rsplit("/", 1)[1])
    session.rollback()
    session.execute(update(Consultation).where(Consultation.id == c_id)
                    .values(closed_at=utcnow() - timedelta(days=400)))
    session.commit()
    with app.app_context():
        assert remove_consultation_details(session, "secret", utcnow() - timedelta(days=365), utcnow()) == 1
        session.commit()
    kept = _note(session)
    assert kept.consultation_id is None and kept.status == "published" and "morning check-in" in kept.advice
    assert f"/library/notes/{note.id}" in open_page(signed_in(app, "other_frontline"), "library.index", q="mornings")


def test_a_worker_who_finds_their_answer_is_counted_on_the_dashboard(app, session):
    _, psychologist, _, note = _offered_and_agreed(app, session)
    _publish(psychologist, note)
    worker = signed_in(app, "other_frontline")
    assert "I found my answer" in open_page(worker, "library.note", note_id=note.id)
    done = post_form(worker, f"/library/notes/{note.id}/answered", {}, page_url=f"/library/notes/{note.id}")
    assert done.headers["Location"].endswith("/consultations/new")
    session.rollback()
    assert len(session.scalars(select(NoteAnswer)).all()) == 1
    dashboard = open_page(psychologist, "reach.dashboard")
    shown = dashboard.split("Questions answered by a practice note", 1)[1].split("</li>", 1)[0]
    assert "up 1 from 0" in shown
