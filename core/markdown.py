"""The one Markdown renderer: Python-Markdown, then an allow-list sanitiser.

Raw HTML in the source is shown as text, never interpreted; whatever the
extensions produce is then cleaned by nh3, so only the tags, attributes and
link schemes below can reach a page.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["sane_lists", "tables", "fenced_code"]


_local = threading.local()


def _converter() -> md.Markdown:
    """This thread's converter, reset for each text: building one costs more than most conversions
    (a tenth of a template's page), and a reset clears what one text defined (link references) before the next."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
        # Treat any HTML typed into the source as text.
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        _local.converter = converter
    return converter.reset()


SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:", "#")


def _safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Links go to the web, to email, or to a path on this site; nothing else survives."""
    if attribute != "href":
        return value
    if value.lower().startswith(SAFE_LINK_PREFIXES):
        return value
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def render_markdown(text: str | None) -> Markup:
    return _render(text or "")


# The same messages and template sections are shown on every view of their page, and the result depends on
# the text alone; converting and cleaning them again was a tenth of a consultation thread.
@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    html = _converter().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_safe_attribute,
        strip_comments=True,
    )
    return Markup(clean)
