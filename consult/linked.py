"""Records other areas keep about a consultation's client (a formulation started for them), listed on its page.

Those areas depend on this one, not the other way round: each registers a function that, given a session, a
consultation, who is reading and when, returns in one query the records that reader may open."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from core.accounts.models import Person

from .models import Consultation


@dataclass(frozen=True)
class LinkedRecord:
    title: str
    url: str
    note: str


Records = Callable[[Session, Consultation, Person, datetime], list[LinkedRecord]]


@dataclass(frozen=True)
class LinkedKind:
    heading: str
    records: Records


_KINDS: list[LinkedKind] = []


def register_linked_records(heading: str, records: Records) -> None:
    if all(kind.heading != heading for kind in _KINDS):
        _KINDS.append(LinkedKind(heading, records))


def linked_records(session: Session, c: Consultation, person: Person,
                   now: datetime) -> list[tuple[str, list[LinkedRecord]]]:
    """Each kind with records for this consultation's client: (heading, records)."""
    found = [(kind.heading, kind.records(session, c, person, now)) for kind in _KINDS]
    return [(heading, records) for heading, records in found if records]
