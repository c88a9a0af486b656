"""A lived-in demo partnership for `make run`: the people of `core.demo`, a duty rota with someone on duty now
and next week, a few weeks of consultations in every state, reflective practice groups with past and booked
sessions, one-to-one supervision, formulations, a local service directory and a practice note, so every role's first page has something real on it.

Everything is made through the services the app itself uses, at times counted back from `now`, so the same
run on the same day gives the same partnership, and what it shows obeys every rule the app keeps. Never
in production: the command refuses, and so does `seed` when asked to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.accounts.models import Person
from core.demo import seed as seed_people
from core.notifications import SENT, OutboxMessage
from formulations.starter import seed_starter_library

from . import clinics, directory, groups, library, requests, rota, supervision


class NotInProduction(RuntimeError):
    """Demo data was asked for in production."""


def seed(session: Session, now: datetime, production: bool = False) -> list[Person]:
    if production:
        raise NotInProduction("Demo data is never created in production.")
    people = seed_people(session)
    by_email = {p.email: p for p in people}
    seed_starter_library(session, by_email["psychologist@example.org"])
    rota.seed(session, by_email, now)
    directory.seed(session, by_email, now)
    requests.seed(session, by_email, now)
    library.seed(session, by_email, now)
    groups.seed(session, by_email, now)
    clinics.seed(session, by_email, now)
    supervision.seed(session, by_email, now)
    # The emails of the demo's past were "sent" then; a new installation should not mail them all at once.
    session.execute(update(OutboxMessage).values(status=SENT, sent_at=OutboxMessage.created_at))
    return people
