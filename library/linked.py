"""The practice note made (or to be made) from a request, as its page lists it: for the psychologist who held
it, the offer to make one; for the worker asked, the question; for everyone who sees the request, the note."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from consult.linked import LinkedRecord
from consult.models import Consultation
from core.accounts.models import Person

from .models import NoteStatus
from .services import may_offer, note_for


def note_for_request(session: Session, c: Consultation, person: Person, now: datetime) -> list[LinkedRecord]:
    if c.status != "closed" or c.advice_given_at is None:
        return []  # only a closed request with advice is offered: no query for any other
    note = note_for(session, c.id)
    if note is None:
        return [LinkedRecord("Offer this as a practice note", f"/library/offer/{c.id}",
                             "with the worker's agreement, for others to find")] if may_offer(person, c) else []
    if note.status == NoteStatus.ASKED.value and person.id == c.requester_id:
        return [LinkedRecord("May this help others as a practice note?", f"/library/notes/{note.id}/agreement",
                             "say yes or no")]
    if note.status == NoteStatus.DRAFT.value and person.id == note.psychologist_id:
        return [LinkedRecord(note.title or "Your draft practice note", f"/library/notes/{note.id}/edit",
                             "agreed by the worker: check and publish it")]
    if note.status == NoteStatus.PUBLISHED.value:
        return [LinkedRecord(note.title, f"/library/notes/{note.id}", "published in the library")]
    return []
