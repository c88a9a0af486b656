"""A practice note's life: asked of the worker, agreed or declined, de-identified and edited by the psychologist,
published into the search, retired out of it. Plain functions of a session, data and the time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from consult import thread
from consult.models import NEEDS, Consultation, Status
from core import audit, search
from core.accounts.models import SERVICE_TYPE_LABELS, Organisation, Person, ServiceType, Team
from core.refusals import Refused

from . import deidentify
from .models import NoteAnswer, NoteStatus, PracticeNote

KIND = "note"  # its kind in the search
SERVICE_TYPES = {kind.value for kind in ServiceType}  # an organisation's kind of service


def note_for(session: Session, consultation_id: int) -> PracticeNote | None:
    return session.scalar(select(PracticeNote).where(PracticeNote.consultation_id == consultation_id))


def may_offer(person: Person, c: Consultation) -> bool:
    """The psychologist who held a closed request with advice may offer it as a note."""
    return c.status == Status.CLOSED.value and c.advice_given_at is not None and c.psychologist_id == person.id \
        and c.details_removed_at is None


def offer(session: Session, c: Consultation, psychologist: Person, now: datetime) -> PracticeNote:
    """Ask the worker's agreement: nothing of the request is copied until they give it."""
    if not may_offer(psychologist, c):
        raise Refused("Only the psychologist who held a closed request with advice can offer it as a note")
    if note_for(session, c.id) is not None:
        raise Refused("This request has already been offered as a practice note")
    note = PracticeNote(consultation_id=c.id, psychologist_id=psychologist.id, asked_at=now, updated_at=now)
    session.add(note)
    session.flush()
    thread.tell(session, c.requester_id, c, "May your question help others?",
                f"{psychologist.name} would like to turn your question and their advice into a practice note for "
                "other workers to find. The reference, names and anything identifying are taken out first, and you "
                "can say no.", link=f"/library/notes/{note.id}/agreement")
    audit.record(session, "practice_note.offered", "practice_note", note.id, actor_id=psychologist.id,
                 consultation=c.id)
    return note


def known_terms(session: Session, c: Consultation) -> list[deidentify.Known]:
    """What the note must not say about this request: its reference, its people, its organisation and team."""
    people = dict(session.execute(select(Person.name, Person.id).where(
        Person.id.in_([c.requester_id, c.psychologist_id]))).all())
    roles = {name: "the worker" if person_id == c.requester_id else "the psychologist"
             for name, person_id in people.items()}
    team = session.get(Team, c.team_id).name if c.team_id else None
    return deidentify.known_terms(c.client_reference, roles, session.get(Organisation, c.organisation_id).name, team)


def decide(session: Session, note: PracticeNote, c: Consultation, worker: Person, agreed: bool,
           now: datetime) -> None:
    """The worker's answer. Agreed: the draft starts from the question and the advice with the reference, names
    and organisation taken out, for the psychologist to check and edit."""
    if note.status != NoteStatus.ASKED.value or worker.id != c.requester_id:
        raise Refused("This has already been answered")
    note.decided_at, note.updated_at = now, now
    if not agreed:
        note.status = NoteStatus.DECLINED.value
        thread.tell(session, note.psychologist_id, c, "No practice note",
                    f"{worker.name} would rather this request was not made into a practice note.")
        audit.record(session, "practice_note.declined", "practice_note", note.id, actor_id=worker.id)
        return
    known = known_terms(session, c)
    note.status = NoteStatus.DRAFT.value
    note.question = deidentify.stripped(c.question, known)
    note.advice = deidentify.stripped("\n\n".join(m.body for m in thread.advice(session, c.id)), known)
    note.needs = c.presenting_needs
    note.services = session.get(Organisation, c.organisation_id).service_type
    thread.tell(session, note.psychologist_id, c, "You may make a practice note",
                f"{worker.name} agreed. Check and edit the draft, then publish it.",
                link=f"/library/notes/{note.id}/edit")
    audit.record(session, "practice_note.agreed", "practice_note", note.id, actor_id=worker.id)


def problems(session: Session, note: PracticeNote, data: dict) -> dict[str, str]:
    """Each field's reason it cannot be published, by field name; empty when there is none."""
    c = session.get(Consultation, note.consultation_id) if note.consultation_id else None
    known = known_terms(session, c) if c is not None else []
    found = {name: deidentify.problem(data[name], known) for name in ("title", "question", "advice")}
    return {name: reason for name, reason in found.items() if reason}


def save(session: Session, note: PracticeNote, data: dict, now: datetime) -> None:
    """Keep the psychologist's edit; a published note is checked again and its search entry remade at once."""
    if note.status not in (NoteStatus.DRAFT.value, NoteStatus.PUBLISHED.value):
        raise Refused("This note cannot be changed")
    if note.status == NoteStatus.PUBLISHED.value and problems(session, note, data):
        raise Refused("A published note must stay free of identifiers: see the messages below")
    for name in ("title", "question", "advice", "needs", "services"):
        setattr(note, name, data[name])
    note.updated_at = now
    if note.status == NoteStatus.PUBLISHED.value:
        _index(session, note, now)


def publish(session: Session, note: PracticeNote, by: Person, now: datetime) -> None:
    data = {name: getattr(note, name) for name in ("title", "question", "advice")}
    if note.status != NoteStatus.DRAFT.value:
        raise Refused("Only a draft can be published")
    if not note.title.strip():
        raise Refused("Give the note a title before publishing it")
    if problems(session, note, data):
        raise Refused("Take out what identifies anyone before publishing: see the messages below")
    note.status, note.published_at, note.updated_at = NoteStatus.PUBLISHED.value, now, now
    _index(session, note, now)
    audit.record(session, "practice_note.published", "practice_note", note.id, actor_id=by.id)


def retire(session: Session, note: PracticeNote, by: Person, now: datetime) -> None:
    """Out of the library and the search at once; the words stay for the record."""
    if note.status != NoteStatus.PUBLISHED.value:
        raise Refused("Only a published note can be retired")
    note.status, note.retired_at, note.updated_at = NoteStatus.RETIRED.value, now, now
    search.remove(session, KIND, note.id)
    audit.record(session, "practice_note.retired", "practice_note", note.id, actor_id=by.id)


def tags(note: PracticeNote) -> str:
    needs = [NEEDS.get(n, n) for n in note.need_list]
    services = [SERVICE_TYPE_LABELS[ServiceType(s)] for s in note.service_list if s in SERVICE_TYPES]
    return ", ".join(needs + services)


def _index(session: Session, note: PracticeNote, now: datetime) -> None:
    search.put(session, KIND, note.id, note.title, f"{note.question}\n{note.advice}", tags=tags(note), now=now)


def answered(session: Session, note: PracticeNote, worker: Person, now: datetime) -> None:
    """A worker found their answer here and need not ask: counted on the dashboard."""
    if note.status != NoteStatus.PUBLISHED.value:
        raise Refused("This note is no longer in the library")
    session.add(NoteAnswer(note_id=note.id, person_id=worker.id, organisation_id=worker.organisation_id,
                           answered_at=now))
    audit.record(session, "practice_note.answered", "practice_note", note.id, actor_id=worker.id)


def forget_sources(session: Session, consultation_ids: list[int]) -> None:
    """Retention: these requests' details are going, so their notes no longer say where they came from; an offer
    still waiting for the worker's answer, or declined, goes with them (nothing of the request was copied)."""
    if not consultation_ids:
        return
    uncopied = (NoteStatus.ASKED.value, NoteStatus.DECLINED.value)
    session.execute(update(PracticeNote).where(PracticeNote.consultation_id.in_(consultation_ids),
                                               PracticeNote.status.not_in(uncopied))
                    .values(consultation_id=None))
    session.execute(delete(PracticeNote).where(PracticeNote.consultation_id.in_(consultation_ids)))
