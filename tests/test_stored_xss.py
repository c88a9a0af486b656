"""The XSS corpus stored in the plain-text fields people type into, then shown on the pages that show them:
nothing in it becomes an element, an event handler or a script link."""
from __future__ import annotations

from html.parser import HTMLParser

from consult.models import AgreedAction
from tests.pages import open_page
from tests.support import person, signed_in
from tests.xss_corpus import XSS_PAYLOADS


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
            if name.startswith("on") or "javascript:" in (value or "").lower().replace("\t", ""):
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


def test_agreed_actions_show_the_corpus_as_text(app, session, world):
    psychologist = person(session, "psychologist")
    session.add_all(AgreedAction(consultation_id=world["consultation"], what=payload[:300], owner="worker",
                                 created_by_id=psychologist.id) for payload in XSS_PAYLOADS)
    session.commit()
    worker = signed_in(app, "frontline")
    for page in (open_page(worker, "consult.show", consultation_id=world["consultation"]),
                 open_page(worker, "consult.mine"), open_page(signed_in(app, "team_lead"), "consult.team")):
        assert _nothing_runs(page) == []
