"""Removing what is past its retention period, keeping what the reach figures need, logging each removal.

Closed consultations keep their dates, urgency, outcome, minutes, people and the keyed hash of the client
reference made when they were raised (so "distinct clients" still counts right); the reference itself, free
text, messages and follow-up reasons go. Formulations keep which template they used and when; their answers
and comments go. Session notes and themes, and supervision records (every version), are deleted outright."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from consult.models import AgreedAction, CloseOutSurvey, Consultation, FollowUp, Message
from core import audit
from core.database import with_row_locks
from core.identifiers import client_key
from core.timeutil import utcnow
from formulations.models import Formulation, FormulationComment, FormulationRevision, TemplateVersion
from formulations.services import empty_answers
from library.services import forget_sources
from supervision.models import SessionNotes
from supervision.one_to_one.models import RecordAction, RecordCase, SessionRecord, SupervisionSession

from .models import DEFAULT_DAYS, KINDS, RetentionPolicy

BATCH = 500  # per kind per sweep, so one sweep never holds the database for long


def periods(session: Session) -> dict[str, int | None]:
    """Each kind's period in days: what an admin set (None: kept for ever), or the default until they do."""
    stored = {p.kind: p.days for p in session.scalars(select(RetentionPolicy))}
    return {kind: stored.get(kind, DEFAULT_DAYS[kind]) for kind in KINDS}


def kept_for_ever(session: Session) -> list[str]:
    """The kinds an admin has set to be kept for ever (a blank period), for the warning on every admin page."""
    return [KINDS[kind] for kind in session.scalars(select(RetentionPolicy.kind).where(RetentionPolicy.days.is_(None)))
            if kind in KINDS]


def set_periods(session: Session, days: dict[str, int | None], by_id: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    before = periods(session)
    for kind, value in days.items():
        policy = session.get(RetentionPolicy, kind) or RetentionPolicy(kind=kind)
        policy.days, policy.updated_by_id, policy.updated_at = value, by_id, now
        session.add(policy)
    audit.record(session, "retention.periods_changed", "retention", None,
                 before=json.dumps(before), after=json.dumps(days))


def _claim(session: Session, query):
    return list(session.scalars(with_row_locks(session, query.limit(BATCH), skip_locked=True)))


def remove_consultation_details(session: Session, secret: str, cutoff: datetime, now: datetime) -> int:
    done = _claim(session, select(Consultation).where(
        Consultation.closed_at < cutoff, Consultation.details_removed_at.is_(None)).order_by(Consultation.id))
    ids = [c.id for c in done]
    if not ids:
        return 0
    session.execute(delete(Message).where(Message.consultation_id.in_(ids)))
    session.execute(delete(AgreedAction).where(AgreedAction.consultation_id.in_(ids)))
    forget_sources(session, ids)  # the practice notes made from them stay, no longer saying where from
    session.execute(update(FollowUp).where(FollowUp.consultation_id.in_(ids)).values(reason=""))
    session.execute(update(CloseOutSurvey).where(CloseOutSurvey.consultation_id.in_(ids)).values(what_happened_next=""))
    for c in done:
        c.client_key = c.client_key or client_key(secret, c.organisation_id, c.client_reference)
        c.client_reference = "removed"
        c.use_and_mental_health = c.tried_so_far = c.care_coordinator = c.question = ""
        c.referral_or_signposting = None
        c.details_removed_at = now
        audit.record(session, "retention.consultation_details_removed", "consultation", c.id, actor_id=None)
    return len(done)


def remove_formulation_content(session: Session, cutoff: datetime, now: datetime) -> int:
    done = _claim(session, select(Formulation).where(
        Formulation.updated_at < cutoff, Formulation.content_removed_at.is_(None)).order_by(Formulation.id))
    if not done:
        return 0
    ids = [f.id for f in done]
    versions = {v.id: v for v in session.scalars(select(TemplateVersion).where(
        TemplateVersion.id.in_({f.template_version_id for f in done})))}
    session.execute(delete(FormulationComment).where(FormulationComment.formulation_id.in_(ids)))
    session.execute(delete(FormulationRevision).where(FormulationRevision.formulation_id.in_(ids)))
    for f in done:
        # One blank revision keeps the page whole: it shows the template's prompts with nothing filled in.
        session.add(FormulationRevision(formulation_id=f.id, number=1, author_id=f.author_id, created_at=now,
                                        answers_json=json.dumps(empty_answers(versions[f.template_version_id]))))
        f.content_removed_at = now
        audit.record(session, "retention.formulation_content_removed", "formulation", f.id, actor_id=None)
    return len(done)


def remove_session_notes(session: Session, cutoff: datetime) -> int:
    done = _claim(session, select(SessionNotes).where(SessionNotes.updated_at < cutoff)
                  .order_by(SessionNotes.session_id))
    for notes in done:
        session.delete(notes)
        audit.record(session, "retention.session_notes_removed", "group_session", notes.session_id, actor_id=None)
    return len(done)


def remove_supervision_records(session: Session, cutoff: datetime, now: datetime) -> int:
    """Every version of a supervision session's record, once its newest is past the period. The session's date
    stays, for the compliance view and the figures."""
    newer = select(SessionRecord.id).where(SessionRecord.session_id == SupervisionSession.id,
                                           SessionRecord.written_at >= cutoff).exists()
    done = _claim(session, select(SupervisionSession).where(
        SupervisionSession.recorded_at < cutoff, SupervisionSession.record_removed_at.is_(None), ~newer)
        .order_by(SupervisionSession.id))
    ids = [s.id for s in done]
    if not ids:
        return 0
    records = select(SessionRecord.id).where(SessionRecord.session_id.in_(ids))
    session.execute(delete(RecordCase).where(RecordCase.record_id.in_(records)))
    session.execute(delete(RecordAction).where(RecordAction.record_id.in_(records)))
    session.execute(delete(SessionRecord).where(SessionRecord.session_id.in_(ids)))
    for held in done:
        held.record_removed_at = now
        audit.record(session, "retention.supervision_record_removed", "supervision_session", held.id, actor_id=None)
    return len(done)


def apply_retention(session: Session, secret: str, now: datetime | None = None) -> dict[str, int]:
    """One pass of the retention sweep. Kinds an admin keeps for ever are left alone."""
    now = now or utcnow()
    days = periods(session)
    done = {kind: 0 for kind in KINDS}
    if days["closed_consultations"] is not None:
        done["closed_consultations"] = remove_consultation_details(
            session, secret, now - timedelta(days=days["closed_consultations"]), now)
    if days["formulations"] is not None:
        done["formulations"] = remove_formulation_content(session, now - timedelta(days=days["formulations"]), now)
    if days["session_notes"] is not None:
        cutoff = now - timedelta(days=days["session_notes"])
        done["session_notes"] = remove_session_notes(session, cutoff) + remove_supervision_records(session, cutoff, now)
    session.flush()
    return done
