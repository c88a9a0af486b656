"""Numbers in addresses and query strings, bounded: an id or a page is a whole number of a few digits, and
anything else is treated as absent (a 404 for an id in a path), never passed to the database to overflow it."""
from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

# The largest id a column can hold: PostgreSQL's integer (SQLite's is larger).
LARGEST_ID = 2**31 - 1
LARGEST_PAGE = 100_000


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: at most ten plain digits and no larger than LARGEST_ID, else no route matches."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, LARGEST_ID if max is None else max, signed)


def whole_number(raw: str | None, largest: int = LARGEST_ID) -> int | None:
    """A whole number written in plain digits, from 1 to `largest`; None for anything else."""
    if not raw or len(raw) > len(str(largest)) or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= largest else None


def query_int(name: str, largest: int = LARGEST_ID) -> int | None:
    """A whole number from the query string (`whole_number`)."""
    return whole_number(request.args.get(name), largest)


def form_int(name: str) -> int | None:
    """An id posted by a form that is not a WTForms form (`whole_number`)."""
    return whole_number(request.form.get(name))


def query_text(name: str, longest: int = 100) -> str:
    """Text from the query string, trimmed, and no longer than `longest` (a search is never longer)."""
    return request.args.get(name, "")[:longest].strip()
