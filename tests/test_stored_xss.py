"""The XSS corpus stored in the plain-text fields people type into, then shown on the pages that show them:
nothing in it becomes an element, an event handler or a script link."""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from consult.models import AgreedAction, Consultation, ConsultationGuest, Snippet
from core.timeutil import utcnow
from directory.services import save
from library.models import PracticeNote
from library.services import publish
from tests.factories import SERVICE
from tests.pages import open_page
from tests.support import person, signed_in
from tests.xss_corpus import XSS_PAYLOADS

# The attributes a browser follows as an address; text in any other (a data- attribute, say) never runs.
_ADDRESSES = {"href", "src", "action", "formaction", "srcdoc", "xlink:href", "poster", "background", "data"}


class _Executable(HTMLParser):
    """Whatever in a page could run the corpus's script: an element carrying a handler, a javascript: link, or a
    script or frame that the corpus put there (its marker is window.__xss)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (name in _ADDRESSES
                                         and "javascript:" in (value or "").lower().replace("\t", "")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed"):  # the page's own icons are SVG, so an SVG alone is not counted
            self.found.append(f"<{tag}>")

    def handle_data(self, data):
        if self._in_script and "__xss" in data:
            self.found.append(f"<script>{data}</script>")

    def handle_endtag(self, tag):
        self._in_script = False


def _nothing_runs(html: str) -> list[str]:
    return _Executable(html).found


def test_the_check_finds_a_payload_that_was_not_escaped():
    assert _nothing_runs('<p><img src=x onerror="window.__xss=1"></p>')
    assert _nothing_runs("<p><script>window.__xss=1</script></p>")
    assert not _nothing_runs("<p>&lt;img src=x onerror=window.__xss=1&gt;</p>")
    assert _nothing_runs('<a href="javascript:window.__xss=1">x</a>')
    assert not _nothing_runs('<option data-body="javascript:window.__xss=1">x</option>')  # text, never followed


def test_agreed_actions_show_the_corpus_as_text(app, session, world):
    psychologist = person(session, "psychologist")
    session.add_all(AgreedAction(consultation_id=world["consultation"], what=payload[:300], owner="worker",
                                 created_by_id=psychologist.id) for payload in XSS_PAYLOADS)
    session.commit()
    worker = signed_in(app, "frontline")
    for page in (open_page(worker, "consult.show", consultation_id=world["consultation"]),
                 open_page(worker, "consult.mine"), open_page(signed_in(app, "team_lead"), "consult.team")):
        assert _nothing_runs(page) == []


def test_the_service_directory_shows_the_corpus_as_text(app, session, world):
    admin = person(session, "admin")
    services = [save(session, None, {**SERVICE, "name": payload[:200], "who_for": payload, "criteria": payload,
                                     "how_to_refer": payload, "contact": payload[:300], "opening_hours": payload[:300]},
                     admin) for payload in XSS_PAYLOADS]
    session.get(Consultation, world["consultation"]).referral_service_id = services[0].id
    session.commit()
    worker = signed_in(app, "frontline")
    pages = [open_page(worker, "directory.index"), open_page(worker, "directory.index", q="script alert img"),
             open_page(worker, "consult.show", consultation_id=world["consultation"])]
    pages += [open_page(worker, "directory.service", service_id=s.id) for s in services]
    for page in pages:
        assert _nothing_runs(page) == []


def test_saved_paragraphs_show_the_corpus_as_text(app, session, world):
    psychologist = person(session, "psychologist")
    session.add_all(Snippet(owner_id=psychologist.id, title=payload[:100], body=payload) for payload in XSS_PAYLOADS)
    session.commit()
    client = signed_in(app, "psychologist")
    for page in (open_page(client, "consult.snippets"),
                 open_page(client, "consult.show", consultation_id=world["consultation"])):
        assert _nothing_runs(page) == []


def test_practice_notes_show_the_corpus_as_text(app, session, world):
    psychologist = person(session, "psychologist")
    notes = [PracticeNote(psychologist_id=psychologist.id, status="draft", title=payload[:200], question=payload,
                          advice=payload) for payload in XSS_PAYLOADS]
    session.add_all(notes)
    session.flush()
    for note in notes:
        publish(session, note, psychologist, utcnow())
    session.commit()
    worker = signed_in(app, "frontline")
    pages = [open_page(worker, "library.index", q="script alert img svg xss"),
             worker.get("/library/suggestions?q=script+alert+img").get_data(as_text=True)]
    pages += [open_page(worker, "library.note", note_id=n.id) for n in notes[:40]]
    for page in pages:
        assert _nothing_runs(page) == []


def test_an_invited_colleagues_role_shows_the_corpus_as_text(app, session, world):
    guest = session.get(ConsultationGuest, world["guest"])
    guest.consultation_id = world["consultation"]
    session.commit()
    worker = signed_in(app, "frontline")
    for payload in XSS_PAYLOADS:
        session.get(ConsultationGuest, world["guest"]).role = payload[:100]
        session.commit()
        assert _nothing_runs(open_page(worker, "consult.show", consultation_id=world["consultation"])) == []


def test_supervision_records_and_reflective_accounts_show_the_corpus_as_text(app, session, world):
    from supervision.one_to_one.models import (
        AgreementVersion,
        RecordAction,
        RecordCase,
        ReflectiveAccount,
        SessionRecord,
        SupervisionAgreement,
    )

    record = session.scalars(select(SessionRecord)).one()
    agreement = session.get(SupervisionAgreement, world["agreement"])
    terms = session.scalars(select(AgreementVersion)).one()
    session.add_all(RecordCase(record_id=record.id, client_reference=payload[:40], discussion=payload)
                    for payload in XSS_PAYLOADS)
    session.add_all(RecordAction(record_id=record.id, what=payload[:300], owner_id=agreement.supervisee_id,
                                 due_on=terms.starts_on) for payload in XSS_PAYLOADS)
    session.commit()
    worker, supervisor = signed_in(app, "frontline"), signed_in(app, "psychologist")
    for payload in XSS_PAYLOADS:
        record.caseload = record.wellbeing = record.learning = record.reflection = payload
        record.correction_note = terms.location = terms.change_note = agreement.end_note = payload[:300]
        terms.covers = terms.confidentiality = payload
        account = session.get(ReflectiveAccount, world["account"])
        account.nature = account.learned = account.changed = account.relevance = payload
        session.commit()
        pages = [open_page(worker, "one_to_one.session", session_id=world["supervision_session"]),
                 open_page(worker, "one_to_one.agreement", agreement_id=agreement.id),
                 open_page(worker, "one_to_one.account", account_id=world["account"]),
                 open_page(supervisor, "one_to_one.write_record", session_id=world["supervision_session"])]
        for page in pages:
            assert _nothing_runs(page) == []
