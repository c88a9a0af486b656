"""Taking a request's identifiers out of a practice note, then checking none is left. A note is read across the
partnership, so it is held to more than free text is: besides the free-text rules (NHS numbers, email
addresses, postcodes, a title and a name) it refuses dates of birth, the request's own reference and the names
of the people on it, and a capitalised common first name (or surname, within a sentence).

Every pattern is a literal (escaped) or RE2, so each check takes time in proportion to the text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.identifiers import free_text_problem, has_date_of_birth, normalise
from core.personal_names import FIRST_NAMES, SURNAMES

# Common words that are also names: said as words far more often than as names in advice.
_ALSO_WORDS = frozenset("""
may june april august will hope joy faith grace rose mark bill frank sue pat ray dawn summer autumn
christian norman english french young long small white black green brown wood hill hall king
""".split())
_CAPITALISED = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{2,}(?![A-Za-z])")
_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class Known:
    """What the note must not say, and what to say instead: a request's reference, people and organisation."""
    term: str
    instead: str


def _pattern(term: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)", re.IGNORECASE)


def known_terms(reference: str, people: dict[str, str], organisation: str, team: str | None) -> list[Known]:
    """The reference, each person's full name then each part of it, the organisation and the team, longest
    first so a full name goes before its parts. `people` maps a name to the role that replaces it."""
    found = [Known(reference, "the client"), Known(organisation, "the service")]
    if team:
        found.append(Known(team, "the team"))
    for name, role in people.items():
        found.append(Known(name, role))
        found += [Known(part, role) for part in _WORD.findall(name)]
    return sorted({k.term.lower(): k for k in found if k.term.strip()}.values(), key=lambda k: -len(k.term))


def stripped(text: str, known: list[Known]) -> str:
    for k in known:
        text = _pattern(k.term).sub(k.instead, text)
    return text


def problem(text: str, known: list[Known]) -> str | None:
    """Why this text cannot be published in a note, or None."""
    reason = free_text_problem(text)
    if reason:
        return reason
    if has_date_of_birth(normalise(text)):
        return "This looks like a date of birth. Remove it: a practice note never carries one"
    for k in known:
        if _pattern(k.term).search(text):
            return f"This still says ‘{k.term}’, from the request. Replace it, like ‘{k.instead}’"
    for found in _CAPITALISED.finditer(text):
        word, lower = found.group(), found.group().lower()
        if lower in _ALSO_WORDS:
            continue
        # A surname may start a sentence as a word ('Hunt for…'); a first name there is a name.
        if lower in FIRST_NAMES or (lower in SURNAMES and not _starts_sentence(text, found.start())):
            return f"‘{word}’ looks like a person's name. Replace it with a role, like ‘the client’ or ‘their GP’"
    return None


def _starts_sentence(text: str, at: int) -> bool:
    """Whether only spaces stand between this point and the start, a line break or a full stop (or ! ?)."""
    before = text[max(0, at - 20):at].rstrip(" \t")
    return not before or before[-1] in ".!?\n:-*#>"
