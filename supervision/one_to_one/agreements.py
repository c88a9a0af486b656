"""Supervision agreements: offered by a supervisor, accepted by the supervisee; changed (and reviewed) by a new
version one of them proposes and the other accepts; ended by either. When it is due: the rhythm, from the last
session held."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, Role
from core.database import with_row_locks
from core.notifications import notify
from core.refusals import Refused
from core.timeutil import LONDON, utcnow

from .models import LIVE, AgreementStatus, AgreementVersion, SupervisionAgreement

SUPERVISORS = (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST)
TERMS = ("every_weeks", "minutes", "start_time", "mode", "location", "covers", "confidentiality", "starts_on",
         "review_on")
# What the rhythm is made of: a change to any of these remakes the sessions to come.
RHYTHM = ("every_weeks", "minutes", "start_time", "starts_on")


class AgreementRefused(Refused):
    """Why an agreement cannot be offered, accepted, changed or ended, in words for the person."""


def may_supervise(person: Person) -> bool:
    return person.has_role(*SUPERVISORS)


def party(person: Person, agreement: SupervisionAgreement) -> str | None:
    """'supervisor' or 'supervisee' for the two people in it; None for anyone else."""
    if person.id == agreement.supervisor_id:
        return "supervisor"
    return "supervisee" if person.id == agreement.supervisee_id else None


def other_person(session: Session, agreement: SupervisionAgreement, person: Person) -> Person:
    return session.get(Person, agreement.supervisee_id if person.id == agreement.supervisor_id
                       else agreement.supervisor_id)


def in_force(session: Session, agreement: SupervisionAgreement) -> AgreementVersion | None:
    """The version both accepted that holds now, or None before the first is accepted."""
    if not agreement.version:
        return None
    return session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id,
                                                         AgreementVersion.number == agreement.version))


def open_proposal(session: Session, agreement: SupervisionAgreement) -> AgreementVersion | None:
    """A version one person proposed that the other has not yet accepted or turned down."""
    return session.scalar(select(AgreementVersion).where(
        AgreementVersion.agreement_id == agreement.id, AgreementVersion.number > agreement.version,
        AgreementVersion.declined_at.is_(None)).order_by(AgreementVersion.number.desc()).limit(1))


def versions(session: Session, agreement: SupervisionAgreement) -> list[AgreementVersion]:
    return list(session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id)
                                .order_by(AgreementVersion.number.desc())))


def next_due(agreement: SupervisionAgreement, terms: AgreementVersion) -> date:
    """The first session is due on the agreed first date; each after it, the rhythm on from the last held."""
    if agreement.last_held_on is None:
        return terms.starts_on
    return max(agreement.last_held_on + timedelta(weeks=terms.every_weeks), terms.starts_on)


def _new_version(session: Session, agreement: SupervisionAgreement, by: Person, terms: dict, note: str,
                 now: datetime) -> AgreementVersion:
    number = (session.scalar(select(func.max(AgreementVersion.number))
                             .where(AgreementVersion.agreement_id == agreement.id)) or 0) + 1
    version = AgreementVersion(agreement_id=agreement.id, number=number, proposed_by_id=by.id, proposed_at=now,
                               weekday=terms["starts_on"].weekday(), change_note=note,
                               **{key: terms[key] for key in TERMS})
    setattr(version, f"{party(by, agreement)}_accepted_at", now)  # proposing it is accepting it
    session.add(version)
    session.flush()
    return version


def offer(session: Session, supervisor: Person, supervisee: Person, terms: dict,
          now: datetime | None = None) -> SupervisionAgreement:
    """A supervisor offers an agreement; it holds once the supervisee accepts it."""
    now = now or utcnow()
    if not may_supervise(supervisor):
        raise AgreementRefused("Only psychologists offer supervision agreements.")
    if supervisee.id == supervisor.id:
        raise AgreementRefused("You cannot supervise yourself: choose someone else.")
    if not supervisee.is_active or supervisee.has_role(Role.COMMISSIONER):
        raise AgreementRefused("This person cannot take part in supervision here.")
    live = session.scalar(select(func.count()).select_from(SupervisionAgreement).where(
        SupervisionAgreement.supervisor_id == supervisor.id, SupervisionAgreement.supervisee_id == supervisee.id,
        SupervisionAgreement.status.in_(LIVE)))
    if live:
        raise AgreementRefused(f"You already have an agreement with {supervisee.name}: change that one instead.")
    agreement = SupervisionAgreement(supervisor_id=supervisor.id, supervisee_id=supervisee.id, created_at=now)
    session.add(agreement)
    session.flush()
    _new_version(session, agreement, supervisor, terms, "", now)
    notify(session, supervisee, f"{supervisor.name} offers you a supervision agreement",
           "Read the agreement: how often you will meet, what supervision covers and the limits of its "
           "confidentiality. Accept it to start, or say why not.", link=f"/supervision/agreements/{agreement.id}")
    audit.record(session, "supervision_agreement.offered", "supervision_agreement", agreement.id)
    return agreement


def _locked(session: Session, agreement: SupervisionAgreement) -> SupervisionAgreement:
    return session.scalar(with_row_locks(session, select(SupervisionAgreement)
                                         .where(SupervisionAgreement.id == agreement.id)))


def _in_force_for(session: Session, agreement: SupervisionAgreement, by: Person, doing: str, withdrawn_because: str,
                  now: datetime) -> SupervisionAgreement:
    """The agreement, locked, for one of its two people to change or end; a proposal still open is withdrawn."""
    agreement = _locked(session, agreement)
    if agreement.status != AgreementStatus.ACTIVE or party(by, agreement) is None:
        raise AgreementRefused(f"Only the two people in an agreement in force can {doing} it.")
    still_open = open_proposal(session, agreement)
    if still_open is not None:
        still_open.declined_at, still_open.declined_note = now, withdrawn_because
    return agreement


def propose_change(session: Session, agreement: SupervisionAgreement, by: Person, terms: dict, note: str,
                   now: datetime | None = None) -> AgreementVersion:
    """A new version (a change, or the terms confirmed or changed at a review) for the other person to accept.
    A proposal still open is replaced by it."""
    now = now or utcnow()
    agreement = _in_force_for(session, agreement, by, "change", "Replaced by a later proposal.", now)
    version = _new_version(session, agreement, by, terms, note, now)
    notify(session, other_person(session, agreement, by), f"{by.name} proposes a change to your supervision agreement",
           f"Version {version.number}: {note or 'see what has changed'}. It holds once you accept it; until then "
           "the current agreement stands.", link=f"/supervision/agreements/{agreement.id}")
    audit.record(session, "supervision_agreement.change_proposed", "supervision_agreement", agreement.id,
                 version=version.number)
    return version


def accept(session: Session, agreement: SupervisionAgreement, number: int, by: Person,
           now: datetime | None = None) -> AgreementVersion:
    """The other person accepts a version: it comes into force, and the sessions to come follow it."""
    from .sessions import follow_new_terms  # sessions follow agreements, which know nothing else of them

    now = now or utcnow()
    agreement = _locked(session, agreement)
    version = open_proposal(session, agreement)
    role = party(by, agreement)
    if version is None or version.number != number or agreement.status not in LIVE:
        raise AgreementRefused("This version is no longer waiting to be accepted.")
    if role is None or getattr(version, f"{role}_accepted_at") is not None:
        raise AgreementRefused("You have already accepted this version: it waits for the other person.")
    setattr(version, f"{role}_accepted_at", now)
    before = in_force(session, agreement)
    agreement.version, agreement.status = version.number, AgreementStatus.ACTIVE
    agreement.next_due_on = next_due(agreement, version)
    follow_new_terms(session, agreement, before, version, now)
    notify(session, other_person(session, agreement, by), f"{by.name} accepted the supervision agreement",
           f"Version {version.number} is now in force, and your sessions follow it. The calendar invitations come "
           "by email.", link=f"/supervision/agreements/{agreement.id}")
    audit.record(session, "supervision_agreement.accepted", "supervision_agreement", agreement.id,
                 version=version.number)
    return version


def decline(session: Session, agreement: SupervisionAgreement, number: int, by: Person, note: str,
            now: datetime | None = None) -> AgreementVersion:
    """Turn down a proposed version: a first offer turned down ends there; a change leaves the terms as they were."""
    now = now or utcnow()
    agreement = _locked(session, agreement)
    version = open_proposal(session, agreement)
    role = party(by, agreement)
    if version is None or version.number != number or role is None:
        raise AgreementRefused("This version is no longer waiting to be accepted.")
    version.declined_at, version.declined_note = now, note
    if agreement.status == AgreementStatus.OFFERED:
        agreement.status, agreement.ended_at = AgreementStatus.DECLINED, now
    withdrawn = getattr(version, f"{role}_accepted_at") is not None  # the proposer taking it back
    notify(session, other_person(session, agreement, by),
           f"{by.name} {'withdrew' if withdrawn else 'did not accept'} the proposed supervision agreement",
           f"Version {version.number}. {note}".strip(), link=f"/supervision/agreements/{agreement.id}")
    audit.record(session, "supervision_agreement.declined", "supervision_agreement", agreement.id,
                 version=version.number)
    return version


def end(session: Session, agreement: SupervisionAgreement, by: Person, note: str, now: datetime | None = None) -> int:
    """Either person ends it: the sessions to come are cancelled, with their invitations. Returns how many."""
    from .sessions import cancel_to_come

    now = now or utcnow()
    agreement = _in_force_for(session, agreement, by, "end", "The agreement ended.", now)
    agreement.status, agreement.ended_at, agreement.end_note = AgreementStatus.ENDED, now, note
    cancelled = cancel_to_come(session, agreement, "The supervision agreement has ended.", now)
    notify(session, other_person(session, agreement, by), f"{by.name} ended your supervision agreement",
           f"{note} The sessions still to come are cancelled.".strip(), link=f"/supervision/agreements/{agreement.id}")
    audit.record(session, "supervision_agreement.ended", "supervision_agreement", agreement.id, cancelled=cancelled)
    return cancelled


def today(now: datetime) -> date:
    return now.astimezone(LONDON).date()
