"""The one Markdown renderer: Python-Markdown, then an allow-list sanitiser.

Raw HTML in the source is shown as text, never interpreted; whatever the
extensions produce is then cleaned by nh3, so only the tags, attributes and
link schemes below can reach a page.

Python-Markdown takes time that grows faster than the text for some inputs (a run of backticks, many
unclosed brackets or underscores, deep nesting): a reply of a thousand backticks took seconds. So the text is
bounded before it is rendered: it is cut into blocks (paragraphs, and fenced code kept whole), and a block
longer than BLOCK_CHARACTERS, or with more markup than MARKUP_LIMITS, or nested deeper than DEEPEST_NESTING, is
shown as plain text instead, as is a text longer than LONGEST_RENDERED. Nothing typed is lost, and the work to
render a text grows in proportion to it.
"""
from __future__ import annotations

import threading
import xml.etree.ElementTree as etree
from functools import lru_cache

import markdown as md
import nh3
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup, escape

from .text import WEB_ADDRESS, web_addresses

LONGEST_RENDERED = 50_000
BLOCK_CHARACTERS = 2_000
# Per block: each of these characters at most this often; a run of backticks at most this long.
MARKUP_LIMITS = {"[": 12, "]": 12, "`": 30, "_": 60, "*": 120, "!": 20, "<": 60, "&": 60, "\\": 60}
LONGEST_BACKTICK_RUN = 3
DEEPEST_NESTING = 4  # quote markers, or list levels of four spaces, before a line
FENCED_BLOCKS = 10  # closed ``` or ~~~ blocks rendered as code; later ones are shown as text

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["sane_lists", "tables", "fenced_code"]


_local = threading.local()


class _BareAddress(InlineProcessor):
    """A web address typed on its own becomes a link, as people expect from any message they read."""

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        start, end = next(web_addresses(m.group(0)))
        link = etree.Element("a")
        link.set("href", m.group(0)[start:end])
        link.text = m.group(0)[start:end]
        return link, m.start(0), m.start(0) + end


def _converter() -> md.Markdown:
    """This thread's converter, reset for each text: building one costs more than most conversions
    (a tenth of a template's page), and a reset clears what one text defined (link references) before the next."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
        # Treat any HTML typed into the source as text.
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        # Below links and <address> autolinks, so an address already inside one is not linked twice.
        converter.inlinePatterns.register(_BareAddress(WEB_ADDRESS.pattern, converter), "bare_address", 115)
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


def _fence(line: str) -> str | None:
    stripped = line.lstrip()
    return stripped[:3] if stripped[:3] in ("```", "~~~") else None


def _blocks(lines: list[str]):
    """(is a fenced block, its lines) for each paragraph or fenced block, blank lines kept with the paragraphs
    around them; an unclosed fence, or one beyond FENCED_BLOCKS, is an ordinary (so bounded) block."""
    i, fences, paragraph = 0, 0, []
    while i < len(lines):
        fence = _fence(lines[i])
        if fence and fences < FENCED_BLOCKS:
            close = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), None)
            if close is not None:
                if paragraph:
                    yield False, paragraph
                    paragraph = []
                yield True, lines[i:close + 1]
                fences, i = fences + 1, close + 1
                continue
        if not lines[i].strip() and paragraph and paragraph[-1].strip():
            yield False, paragraph
            paragraph = []
        paragraph.append(lines[i])
        i += 1
    if paragraph:
        yield False, paragraph


def _nesting(line: str) -> int:
    """How deep a line sits: its quote markers, or its indentation in levels of four spaces."""
    stripped = line.lstrip(" >")
    prefix = line[:len(line) - len(stripped)]
    return max(prefix.count(">"), prefix.count(" ") // 4)


def _longest_run(text: str, ch: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest


def _within_bounds(lines: list[str]) -> bool:
    block = "\n".join(lines)
    return (len(block) <= BLOCK_CHARACTERS and all(block.count(ch) <= most for ch, most in MARKUP_LIMITS.items())
            and _longest_run(block, "`") <= LONGEST_BACKTICK_RUN and all(_nesting(l) <= DEEPEST_NESTING for l in lines))


def _plain(lines: list[str]) -> str:
    """A block shown as it was typed: escaped, its lines kept, as one paragraph."""
    shown = [str(escape(line.strip())) for line in lines if line.strip()]
    return f"<p>{'<br>'.join(shown)}</p>" if shown else ""


def _html(text: str) -> str:
    """Markdown within bounds, converted a run of blocks at a time; the rest as plain paragraphs."""
    if len(text) > LONGEST_RENDERED:
        return "".join(_plain(lines) for _, lines in _blocks(text.splitlines()))
    parts, pending = [], []
    for fenced, lines in _blocks(text.splitlines()):
        if fenced or _within_bounds(lines):
            pending += lines
            continue
        if pending:
            parts.append(_converter().convert("\n".join(pending)))
            pending = []
        parts.append(_plain(lines))
    if pending:
        parts.append(_converter().convert("\n".join(pending)))
    return "\n".join(parts)


# The same messages and template sections are shown on every view of their page, and the result depends on
# the text alone; converting and cleaning them again was a tenth of a consultation thread.
@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    html = _html(text)
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
