"""Spotting client-identifiable details that must never be stored: NHS numbers, dates of birth, email addresses,
postcodes and names.

A consultation carries only a pseudonymised client reference. These checks refuse what looks like an identifier
and say why, in words a frontline worker can act on. Text is normalised first, so the disguises people use (or
that copying from other systems brings) do not get through: full-width digits and @ (Unicode NFKC), zero-width
characters and soft hyphens, dots, slashes, dashes, underscores and unusual spaces between digits, the letter O
among digits, and "name at example dot org".

Every check runs in time linear in the text: the patterns use RE2, which never backtracks, and the NHS number
scan reads each character once. Forms run them only on text already within its length limit.
"""
from __future__ import annotations

import hashlib
import hmac
import unicodedata

import re2

from .personal_names import FIRST_NAMES, SURNAMES

NHS_MESSAGE = ("This looks like an NHS number. Do not use NHS numbers here: use your service's own "
               "client reference or initials and a number, like JB-0412")
DATE_MESSAGE = ("This looks like a date of birth. Do not use dates of birth here: use your service's own "
                "client reference or initials and a number, like JB-0412")
EMAIL_MESSAGE = ("This looks like an email address. Do not include email addresses: they can identify "
                 "the person")
NHS_IN_TEXT_MESSAGE = "This looks like an NHS number. Remove it: refer to the person only by your client reference"
POSTCODE_MESSAGE = ("This looks like a postcode. Do not include postcodes: with other details they can identify the "
                    "person. Name the area instead, like central Brighton")
NAME_MESSAGE = ("This looks like a person's name. Do not use names here: use your service's own client reference or "
                "initials and a number, like JB-0412")
TITLE_NAME_MESSAGE = ("This looks like someone's name (a title and a surname). Remove it: others will see this, so "
                      "describe the person's role instead, like 'the facilitator' or 'their GP'")

# Characters people put between digits instead of a plain space or hyphen (not colons or commas: "10:30, 11"
# is times and a count, not one number); dates may also have a comma ("March 12th, 1980").
_DIGIT_SEPARATORS = frozenset(" .-/_\\·‧∙")
_DATE_SEPARATORS = _DIGIT_SEPARATORS | {","}
NHS_DIGITS = 10
MOST_SEPARATORS_BETWEEN_DIGITS = 2


def normalise(text: str) -> str:
    """NFKC (full-width forms become plain ones), format characters removed (zero-width spaces, soft hyphens,
    joiners), every kind of space a plain space and every kind of dash a hyphen."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        out.append(" " if category == "Zs" or ch in "\t\r\n" else "-" if category == "Pd" else ch)
    return "".join(out)


def _spaced(text: str) -> str:
    """The normalised text, lower case, with every separator a single space: '12-Mar-1980' is '12 mar 1980'."""
    out, last_was_space = [], True
    for ch in text.lower():
        if ch in _DATE_SEPARATORS:
            if not last_was_space:
                out.append(" ")
            last_was_space = True
        else:
            out.append(ch)
            last_was_space = False
    return "".join(out)


def _looks_like_a_digit(text: str, i: int) -> bool:
    """A digit, or the letter O standing in for zero beside a digit (ignoring a separator between them)."""
    ch = text[i]
    if ch.isdigit():
        return True
    if ch not in "oO":
        return False
    for j in (i - 1, i + 1, i - 2, i + 2):
        if 0 <= j < len(text) and text[j].isdigit() and all(text[k] in _DIGIT_SEPARATORS
                                                            for k in range(min(i, j) + 1, max(i, j))):
            return True
    return False


def _digit_groups(text: str) -> list[list[int]]:
    """Runs of digit groups: digits with at most two separators between groups; each run a list of group sizes."""
    runs, groups, size, gap = [], [], 0, 0
    for i, ch in enumerate(text):
        if _looks_like_a_digit(text, i):
            size, gap = size + 1, 0
        elif ch in _DIGIT_SEPARATORS and (size or groups) and gap < MOST_SEPARATORS_BETWEEN_DIGITS:
            if size:
                groups.append(size)
                size = 0
            gap += 1
        else:
            if size:
                groups.append(size)
            if groups:
                runs.append(groups)
            groups, size, gap = [], 0, 0
    if size:
        groups.append(size)
    if groups:
        runs.append(groups)
    return runs


def has_nhs_number(text: str) -> bool:
    """Ten digits made of whole groups next to each other: '943 476 5919', '9434765919', '9 4 3 4 7 6 5 9 1 9',
    '943.476.5919'; but not the eleven of a phone number such as '0161 496 0018'. Each group starts at most ten
    sums, so this is linear."""
    for groups in _digit_groups(text):
        for start in range(len(groups)):
            total = 0
            for size in groups[start:start + NHS_DIGITS]:
                total += size
                if total >= NHS_DIGITS:
                    break
            if total == NHS_DIGITS:
                return True
    return False


_DAY, _MONTH_NUMBER = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])"
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_YEAR, _SHORT_YEAR = r"(?:19|20)[0-9]{2}", r"[0-9]{2}"
_ORDINAL = r"(?:st|nd|rd|th)?"
# On the spaced text: every separator is one space, so '12/03/1980', '12 03 1980' and '12-3-80' all read
# '12 03 1980' or '12 3 80'. RE2 has no look-around, so the edges are matched as characters.
DATE_OF_BIRTH = re2.compile(
    rf"(?:^|[^0-9a-z])(?:"
    rf"{_DAY} {_MONTH_NUMBER} (?:{_YEAR}|{_SHORT_YEAR})"                       # 12/03/1980, 12-3-80
    rf"|{_YEAR} {_MONTH_NUMBER} {_DAY}"                                         # 1980-03-12
    rf"|(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2]){_YEAR}"                     # 12031980
    rf"|{_DAY}{_ORDINAL} (?:of )?{_MONTHS} (?:{_YEAR}|{_SHORT_YEAR})"           # 12th of March 1980, 12-Mar-80
    rf"|{_DAY}{_ORDINAL}{_MONTHS}{_YEAR}"                                       # 12mar1980
    rf"|{_MONTHS} {_DAY}{_ORDINAL} {_YEAR}"                                     # March 12th, 1980
    rf")(?:$|[^0-9a-z])")
EMAIL = re2.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_AT = r"(?: at | ?\(at\) ?| ?\[at\] ?)"
_DOT = r"(?: dot | ?\(dot\) ?| ?\[dot\] ?|\.)"
_DOMAIN_END = r"(?:com|org|net|uk|nhs|gov|ac|co|io|info|me|edu|scot|wales)"
# 'jo dot bloggs at example dot org', 'jo(at)example(dot)co(dot)uk': an address written out in words, ending in
# a known domain ending so that 'meet at the hostel' is left alone.
EMAIL_IN_WORDS = re2.compile(
    rf"(?:^|[^a-z0-9])[a-z0-9+]+(?:{_DOT}[a-z0-9+]+)*{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}{_DOMAIN_END}"
    rf"(?:$|[^a-z0-9])")


def has_email(text: str) -> bool:
    return EMAIL.search(text) is not None or EMAIL_IN_WORDS.search(_email_words(text)) is not None


def _email_words(text: str) -> str:
    """Lower case with runs of spaces as one, keeping the dots and brackets an address written out uses."""
    return " ".join(text.lower().split())


def has_date_of_birth(text: str) -> bool:
    return DATE_OF_BIRTH.search(_spaced(text)) is not None


# A UK postcode: area, district, then sector and unit ('BN1 1AA', 'SW1A 2AA', 'bn11aa'), on the spaced text.
POSTCODE = re2.compile(r"(?:^|[^a-z0-9])[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][abd-hjlnp-uw-z]{2}(?:$|[^a-z0-9])")
# A title before a capitalised word: 'Mrs Jones', 'Dr. Patel', 'Mr O'Neil'.
TITLE_AND_NAME = re2.compile(r"(?:^|[^A-Za-z])(?:Mr|Mrs|Ms|Miss|Mx|Mister|Dr)\.? +[A-Z][A-Za-z'’-]+")
TITLE = re2.compile(r"(?i)(?:^|[^a-z])(?:mr|mrs|ms|miss|mx|mister)(?:$|[^a-z])")
WORDS = re2.compile(r"[A-Za-z][A-Za-z'’]*")


def has_postcode(text: str) -> bool:
    return POSTCODE.search(_spaced(text)) is not None


def has_title_and_name(text: str) -> bool:
    return TITLE_AND_NAME.search(text) is not None


def looks_like_a_name(reference: str) -> bool:
    """For a client reference (short, so a stricter reading): a title, two or more capitalised words and no digit
    ('Jo Evans'), or a word that is a common first name or surname ('john-01', 'SMITH7')."""
    words = [w for w in WORDS.findall(reference) if len(w) > 1]  # an initial ('Client A') is not a name
    if TITLE.search(reference) is not None or has_title_and_name(reference):
        return True
    if len(words) >= 2 and not any(ch.isdigit() for ch in reference) and \
            all(w[0].isupper() and w[1:].islower() for w in words):
        return True
    return any(len(w) >= 3 and w.lower() in FIRST_NAMES | SURNAMES for w in words)


def reference_problem(value: str) -> str | None:
    """Why this client reference is refused, or None."""
    text = normalise(value)
    if has_email(text):
        return EMAIL_MESSAGE
    if has_nhs_number(text):
        return NHS_MESSAGE
    if has_date_of_birth(text):
        return DATE_MESSAGE
    if has_postcode(text):
        return POSTCODE_MESSAGE
    if looks_like_a_name(text):
        return NAME_MESSAGE
    return None


def free_text_problem(value: str) -> str | None:
    """Free text may mention dates ('since March') and first names cannot be told from words ('Will', 'May'), but
    it never carries an NHS number, an email address, a postcode, or a title and a name ('Mrs Jones')."""
    text = normalise(value)
    if has_email(text):
        return EMAIL_MESSAGE
    if has_nhs_number(text):
        return NHS_IN_TEXT_MESSAGE
    if has_postcode(text):
        return POSTCODE_MESSAGE
    if has_title_and_name(text):
        return TITLE_NAME_MESSAGE
    return None


def client_key(secret: str, organisation_id: int, reference: str) -> str:
    """A keyed hash of the client reference: it counts distinct clients and outlives the reference itself
    (retention removes the reference), but cannot be read back without the installation's secret key."""
    normalised = f"{organisation_id}:{reference.strip().upper()}"
    return hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()
