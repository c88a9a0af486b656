"""Spotting client-identifiable details that must never be stored.

A consultation carries only a pseudonymised client reference. These checks
refuse what looks like an NHS number, a date of birth or an email address,
and say why in words a frontline worker can act on.
"""
from __future__ import annotations

import hashlib
import hmac
import re

NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
DAY, MONTH = r"(0?[1-9]|[12]\d|3[01])", r"(0?[1-9]|1[0-2])"
DATE = re.compile(
    rf"(?<!\d)({DAY}[./-]{MONTH}[./-](\d{{4}}|\d{{2}})"        # 12/03/1980, 12-3-80
    rf"|(19|20)\d{{2}}[./-]{MONTH}[./-]{DAY}"                  # 1980-03-12
    rf"|(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(19|20)\d{{2}})(?!\d)"  # 12031980
    rf"|\b{DAY}(st|nd|rd|th)?\s*({MONTHS})[a-z]*\.?,?\s*(19|20)?\d{{2}}\b"   # 12 March 1980
    rf"|\b({MONTHS})[a-z]*\.?\s*{DAY}(st|nd|rd|th)?,?\s*(19|20)\d{{2}}\b",  # March 12, 1980
    re.IGNORECASE,
)

NHS_MESSAGE = ("This looks like an NHS number. Do not use NHS numbers here: use your service's own "
               "client reference or initials and a number, like JB-0412")
DATE_MESSAGE = ("This looks like a date of birth. Do not use dates of birth here: use your service's own "
                "client reference or initials and a number, like JB-0412")
EMAIL_MESSAGE = ("This looks like an email address. Do not include email addresses: they can identify "
                 "the person")


def reference_problem(value: str) -> str | None:
    """Why this client reference is refused, or None."""
    if EMAIL.search(value):
        return EMAIL_MESSAGE
    if NHS_NUMBER.search(value):
        return NHS_MESSAGE
    if DATE.search(value):
        return DATE_MESSAGE
    return None


def free_text_problem(value: str) -> str | None:
    """Free text may mention dates ('since March'), but never an NHS number or email address."""
    if EMAIL.search(value):
        return EMAIL_MESSAGE
    if NHS_NUMBER.search(value):
        return ("This looks like an NHS number. Remove it: refer to the person only by your "
                "client reference")
    return None


def client_key(secret: str, organisation_id: int, reference: str) -> str:
    """A keyed hash of the client reference: it counts distinct clients and outlives the reference itself
    (retention removes the reference), but cannot be read back without the installation's secret key."""
    normalised = f"{organisation_id}:{reference.strip().upper()}"
    return hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()
