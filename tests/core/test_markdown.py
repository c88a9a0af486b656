"""The shared Markdown renderer against hostile input."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from core.markdown import render_markdown
from tests.xss_corpus import XSS_PAYLOADS


def test_the_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 50


class Elements(HTMLParser):
    """Every real element and attribute in the output (text that merely looks like a tag is not one)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


ALLOWED = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3", "h4",
           "a", "hr", "table", "thead", "tbody", "tr", "th", "td"}


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_markdown_renders_without_anything_executable(payload):
    for tag, attrs in Elements(str(render_markdown(payload))).found:
        assert tag in ALLOWED, tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name)
            if name == "href":
                assert value.lower().startswith(("http://", "https://", "mailto:", "/")), value
                assert not value.startswith("//")


def test_ordinary_markdown_still_works():
    html = str(render_markdown("**Bold**, _em_, [NHS](https://www.nhs.uk) and\n\n- a\n- b"))
    assert "<strong>Bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://www.nhs.uk" rel="noopener noreferrer nofollow">NHS</a>' in html
    assert "<li>a</li>" in html


def test_raw_html_is_shown_as_text_not_markup():
    assert str(render_markdown("<b>hello</b>")) == "<p>&lt;b&gt;hello&lt;/b&gt;</p>"


def test_one_text_cannot_define_links_for_the_next():
    """The converter is reused; a link reference written in one message must not turn up in another's."""
    first = str(render_markdown("See [the guide][g].\n\n[g]: https://example.org/guide"))
    second = str(render_markdown("See [the guide][g]."))
    assert 'href="https://example.org/guide"' in first
    assert "href" not in second and "[the guide][g]" in second


def test_a_web_address_typed_in_a_message_becomes_a_link_without_its_full_stop():
    html = str(render_markdown("The leaflet is at https://www.nhs.uk/live-well/addiction-support/. Ask her."))
    assert ('<a href="https://www.nhs.uk/live-well/addiction-support/" rel="noopener noreferrer nofollow">'
            'https://www.nhs.uk/live-well/addiction-support/</a>. Ask her.') in html
    # Written links and code keep their own meaning, and nothing is linked twice.
    assert str(render_markdown("[the leaflet](https://e.org/x)")).count("<a ") == 1
    assert "<a " not in str(render_markdown("`https://e.org/x`"))
    assert "<a " not in str(render_markdown("javascript:alert(1) and http:// alone"))


def test_plain_text_links_only_web_addresses_and_escapes_the_rest():
    from core.text import linked
    shown = str(linked('Video call: https://meet.example.org/abc?x=1&y=2 "or" <room 4>'))
    assert shown == ('Video call: <a href="https://meet.example.org/abc?x=1&amp;y=2" rel="noopener noreferrer '
                     'nofollow">https://meet.example.org/abc?x=1&amp;y=2</a> &#34;or&#34; &lt;room 4&gt;')
    assert str(linked('https://x.org/"><script>alert(1)</script>')).count("<script>") == 0
