"""Text typed by people, made safe for where it goes: one line for names, titles, subjects and calendar fields,
plain characters (no NUL or other control characters) for longer text, a CSS string for print margins, and
plain text with its web addresses as links."""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

_KEPT_IN_TEXT = {"\n", "\t"}


def one_line(value: str | None) -> str:
    """Every control character and line or paragraph separator a space: a CR or LF in a name cannot start a new
    header in an email, a new property in a calendar, or a forged line in a log."""
    if not value:
        return ""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in value).strip()


def plain_text(value: str | None) -> str:
    """Lines kept (CR LF and lone CRs become LF), other control characters removed (NUL cannot be stored)."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in _KEPT_IN_TEXT or unicodedata.category(ch) != "Cc")


def css_string(value: str) -> str:
    """A quoted CSS string that says exactly this text: everything but letters, digits and spaces is written as a
    hex escape, so no quote, backslash or line break in it can end the string or the rule."""
    escaped = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x}"
                      for ch in one_line(value))
    return f'"{escaped}"'


# A web address typed in a message or a location: http(s):// then anything up to a space, quote or angle bracket.
# One character class after a fixed prefix, so finding them is linear in the text.
WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'\]\[()]+")
_TRAILING = ".,;:!?"  # the full stop after an address ends the sentence, not the address


def web_addresses(text: str):
    """(start, end) of each web address in the text, trailing punctuation left out."""
    for match in WEB_ADDRESS.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _TRAILING:
            end -= 1
        yield match.start(), end


def linked(value: str | None) -> Markup:
    """Plain text, escaped, with its web addresses as links (a video-call link in a location, say)."""
    text, parts, last = value or "", [], 0
    for start, end in web_addresses(text):
        address = text[start:end]
        parts += [escape(text[last:start]),
                  Markup('<a href="{0}" rel="noopener noreferrer nofollow">{0}</a>').format(address)]
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
