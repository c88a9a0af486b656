"""Changes the domain refuses. Each area's refusal (a consultation's status, a booking, a template
version) says why in words for the person; views commit the change or show that reason, the same way."""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class Refused(Exception):
    """Why a change cannot happen, in words for the person."""


def attempt(session: Session, change: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run `change()`: commit what it did and return its result, or roll it back and return why it was refused."""
    try:
        result = change()
    except Refused as refusal:
        session.rollback()
        return None, str(refusal)
    session.commit()
    return result, None
