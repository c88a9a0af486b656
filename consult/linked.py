"""Records other areas keep about a consultation (a formulation started for the client), listed on its page.

Those areas depend on this one, not the other way round: each registers a function that, given a session and a
consultation, returns its records in one query."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from .models import Consultation


@dataclass(frozen=True)
class LinkedRecord:
    title: str
    url: str
    note: str


@dataclass(frozen=True)
class LinkedKind:
    heading: str
    records: Callable[[Session, Consultation], list[LinkedRecord]]


_KINDS: list[LinkedKind] = []


def register_linked_records(heading: str, records: Callable[[Session, Consultation], list[LinkedRecord]]) -> None:
    if all(kind.heading != heading for kind in _KINDS):
        _KINDS.append(LinkedKind(heading, records))


def linked_records(session: Session, c: Consultation) -> list[tuple[str, list[LinkedRecord]]]:
    """Each kind with records for this consultation: (heading, records)."""
    found = [(kind.heading, kind.records(session, c)) for kind in _KINDS]
    return [(heading, records) for heading, records in found if records]
