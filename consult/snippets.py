"""A psychologist's saved paragraphs: kept, changed and deleted by their owner alone, and put into advice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts.models import Person
from core.refusals import Refused

from .models import Snippet

MOST_PER_PSYCHOLOGIST = 100  # enough for a working library, and a list that never needs paging


def mine(session: Session, person: Person) -> list[Snippet]:
    return list(session.scalars(select(Snippet).where(Snippet.owner_id == person.id)
                                .order_by(func.lower(Snippet.title), Snippet.id).limit(MOST_PER_PSYCHOLOGIST)))


def owned(session: Session, person: Person, snippet_id: int | None) -> Snippet | None:
    """The snippet if it is this person's; None for anyone else's, so ids give nothing away."""
    snippet = session.get(Snippet, snippet_id) if snippet_id else None
    return snippet if snippet is not None and snippet.owner_id == person.id else None


def save(session: Session, person: Person, snippet: Snippet | None, title: str, body: str,
         now: datetime) -> Snippet:
    """Save a new paragraph (`snippet` None) or change one of this person's."""
    if snippet is None:
        kept = session.scalar(select(func.count()).select_from(Snippet).where(Snippet.owner_id == person.id))
        if kept >= MOST_PER_PSYCHOLOGIST:
            raise Refused(f"You have {MOST_PER_PSYCHOLOGIST} saved paragraphs: delete one you no longer use first")
        snippet = Snippet(owner_id=person.id, created_at=now)
        session.add(snippet)
    snippet.title, snippet.body, snippet.updated_at = title.strip(), body.strip(), now
    session.flush()
    return snippet


def inserted(advice: str, snippet: Snippet) -> str:
    """The advice with the paragraph added after what is written, a blank line between them."""
    written = advice.rstrip()
    return f"{written}\n\n{snippet.body}" if written else snippet.body
