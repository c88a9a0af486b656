"""Case clinics: a worker offers a case to a clinic session; the facilitating psychologist accepts it into a
slot, asks for changes, or declines it with a reason and somewhere else to take it (never a dead end).

Who sees a case in full is decided by their relationship to it: the presenter, the presenter's team leads and
the clinic's facilitator."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult import thread
from consult.models import Consultation
from core import audit
from core.accounts.models import Person, TeamMembership
from core.notifications import notify
from core.refusals import Refused
from core.timeutil import format_london, utcnow

from .models import (
    AWAITING_REVIEW,
    IN_A_SLOT,
    Booking,
    CaseStatus,
    ClinicCase,
    GroupSeries,
    GroupSession,
    SeriesKind,
    SessionStatus,
)
from .register import can_keep_register
from .services import can_join, joinable_condition, locked_session

CASE_FIELDS = ("client_reference", "use_and_mental_health", "tried_so_far", "question_for_group")
STATUS_LABELS = {
    CaseStatus.OFFERED: "Offered: waiting for the psychologist", CaseStatus.CHANGES_ASKED: "Changes asked for",
    CaseStatus.ACCEPTED: "Accepted", CaseStatus.DECLINED: "Declined", CaseStatus.WITHDRAWN: "Withdrawn",
    CaseStatus.PRESENTED: "Presented", CaseStatus.RECOMMENDATIONS_SENT: "Recommendations sent",
}


class CaseRefused(Refused):
    """Why a case cannot be offered, changed or decided on, in words for the person."""


def is_clinic(series: GroupSeries) -> bool:
    return series.kind == SeriesKind.CASE_CLINIC


def sees_in_full(session: Session, person: Person, case: ClinicCase, series: GroupSeries) -> bool:
    """The presenter, the clinic's facilitator, and team leads of a team the presenter is in."""
    if person.id in (case.presenter_id, series.facilitator_id):
        return True
    if not person.led_team_ids:
        return False
    return session.scalar(select(TeamMembership.team_id).where(
        TeamMembership.person_id == case.presenter_id, TeamMembership.team_id.in_(person.led_team_ids)).limit(1)) \
        is not None


def _link(case: ClinicCase) -> str:
    return f"/reflective-practice/cases/{case.id}"


def _open_for_cases(session: Session, gs: GroupSession, series: GroupSeries, now: datetime) -> None:
    if not is_clinic(series):
        raise CaseRefused("This session is reflective practice, not a case clinic: choose a case clinic session.")
    if gs.status != SessionStatus.SCHEDULED or series.ended_at is not None:
        raise CaseRefused("This session has been cancelled, so it cannot take cases. Choose another session.")
    if gs.starts_at <= now:
        raise CaseRefused("This session has already started. Choose a session still to come.")


def _exclusion(data: dict) -> dict:
    return {"excluded_by": data.get("excluded_by") or None, "exclusion_reason": data.get("exclusion_reason") or None}


def offer_case(session: Session, presenter: Person, gs: GroupSession, series: GroupSeries, data: dict,
               consultation_id: int | None = None, now: datetime | None = None,
               follow_up_of: ClinicCase | None = None) -> ClinicCase:
    """The facilitator is told, with a link, so an offered case is never left unseen. A follow-up ("how did it
    go?") keeps the consultation of the case it follows."""
    now = now or utcnow()
    _open_for_cases(session, gs, series, now)
    if not can_join(session, presenter, series):
        raise CaseRefused("This clinic is not open to you, so you cannot offer it a case.")
    if follow_up_of is not None:
        if follow_up_of.presenter_id != presenter.id or follow_up_of.status != CaseStatus.RECOMMENDATIONS_SENT:
            raise CaseRefused("Only a case you presented, with its recommendations sent, can be followed up.")
        consultation_id = follow_up_of.consultation_id
    case = ClinicCase(session_id=gs.id, presenter_id=presenter.id, consultation_id=consultation_id,
                      follow_up_of_id=follow_up_of.id if follow_up_of else None, created_at=now, updated_at=now,
                      **{name: data.get(name) or "" for name in CASE_FIELDS}, **_exclusion(data))
    case.summary = case.question_for_group
    session.add(case)
    session.flush()
    audit.record(session, "clinic_case.offered", "clinic_case", case.id, session=gs.id)
    if consultation_id is not None:
        thread.event(session, session.get(Consultation, consultation_id),
                     f"{presenter.name} offered this case to the case clinic {series.title} on "
                     f"{format_london(gs.starts_at)}.", now, by=presenter)
    notify(session, session.get(Person, series.facilitator_id), "A case has been offered to your case clinic",
           f"{presenter.name} offered a case for {series.title} on {format_london(gs.starts_at)}. Accept it into a "
           "slot, ask for changes, or decline it with somewhere else to take it.", link=_link(case))
    return case


def revise_case(session: Session, presenter: Person, case: ClinicCase, data: dict,
                now: datetime | None = None) -> None:
    """After changes were asked for, the presenter's new answers go back to the facilitator."""
    if case.presenter_id != presenter.id:
        raise CaseRefused("Only the person who offered this case can change it.")
    if case.status not in (CaseStatus.OFFERED, CaseStatus.CHANGES_ASKED):
        raise CaseRefused(f"This case is {STATUS_LABELS[case.status].lower()}, so it can no longer be changed.")
    now = now or utcnow()
    for name, value in {**{name: data.get(name) or "" for name in CASE_FIELDS}, **_exclusion(data)}.items():
        setattr(case, name, value)
    case.summary = case.question_for_group
    was_asked = case.status == CaseStatus.CHANGES_ASKED
    case.status, case.updated_at = CaseStatus.OFFERED, now
    audit.record(session, "clinic_case.revised", "clinic_case", case.id)
    if was_asked:
        series = session.get(GroupSeries, session.get(GroupSession, case.session_id).series_id)
        notify(session, session.get(Person, series.facilitator_id), "A case you asked to be changed is back",
               f"{presenter.name} changed the case they offered for {series.title}. Open it to decide.",
               link=_link(case))


def withdraw_case(session: Session, presenter: Person, case: ClinicCase, now: datetime | None = None) -> None:
    if case.presenter_id != presenter.id:
        raise CaseRefused("Only the person who offered this case can withdraw it.")
    if case.status not in (CaseStatus.OFFERED, CaseStatus.CHANGES_ASKED, CaseStatus.ACCEPTED):
        raise CaseRefused(f"This case is {STATUS_LABELS[case.status].lower()}, so it cannot be withdrawn.")
    case.status, case.slot, case.updated_at = CaseStatus.WITHDRAWN, None, now or utcnow()
    audit.record(session, "clinic_case.withdrawn", "clinic_case", case.id)


def _decidable(case: ClinicCase, series: GroupSeries, facilitator: Person) -> None:
    if facilitator.id != series.facilitator_id:
        raise CaseRefused("Only the clinic's facilitator decides on the cases offered to it.")
    if case.status not in AWAITING_REVIEW:
        raise CaseRefused(f"This case is {STATUS_LABELS[case.status].lower()}: there is nothing to decide now.")


def accept_case(session: Session, facilitator: Person, case: ClinicCase, series: GroupSeries, slot: int,
                summary: str, now: datetime | None = None) -> None:
    """Into a free slot; two cases never share one (the database refuses the second, even at the same moment)."""
    _decidable(case, series, facilitator)
    if not 1 <= slot <= (series.case_slots or 1):
        raise CaseRefused(f"Choose a slot from 1 to {series.case_slots or 1}.")
    now = now or utcnow()
    locked_session(session, case.session_id)  # one decision at a time per session
    taken = CaseRefused(f"Slot {slot} already has a case. Choose another slot, or ask for the case to be offered "
                        "to a later session.")
    if session.scalar(select(ClinicCase.id).where(ClinicCase.session_id == case.session_id, ClinicCase.slot == slot)):
        raise taken
    case.status, case.slot, case.summary, case.updated_at = CaseStatus.ACCEPTED, slot, summary, now
    try:
        session.flush()
    except IntegrityError:  # the unique index, should two decisions ever get past the lock together
        raise taken from None
    audit.record(session, "clinic_case.accepted", "clinic_case", case.id, slot=slot)
    gs = session.get(GroupSession, case.session_id)
    notify(session, session.get(Person, case.presenter_id), "Your case has been accepted for the case clinic",
           f"Your case will be presented at {series.title} on {format_london(gs.starts_at)} (case {slot}). "
           "Book your seat on the session if you have not yet.", link=_link(case))


def ask_for_changes(session: Session, facilitator: Person, case: ClinicCase, series: GroupSeries, note: str,
                    now: datetime | None = None) -> None:
    _decidable(case, series, facilitator)
    case.status, case.review_note, case.updated_at = CaseStatus.CHANGES_ASKED, note, now or utcnow()
    audit.record(session, "clinic_case.changes_asked", "clinic_case", case.id)
    notify(session, session.get(Person, case.presenter_id), "Changes asked for on the case you offered",
           f"{facilitator.name} asked for changes before the case clinic: {note}", link=_link(case))


def decline_case(session: Session, facilitator: Person, case: ClinicCase, series: GroupSeries, reason: str,
                 suggestion: str, now: datetime | None = None) -> None:
    """A decline always says where else the worker can take the case."""
    _decidable(case, series, facilitator)
    if not reason.strip() or not suggestion.strip():
        raise CaseRefused("Say why the case is declined and where else the worker can take it.")
    case.status, case.review_note, case.suggestion = CaseStatus.DECLINED, reason, suggestion
    case.updated_at = now or utcnow()
    audit.record(session, "clinic_case.declined", "clinic_case", case.id)
    notify(session, session.get(Person, case.presenter_id), "The case you offered was not taken this time",
           f"{facilitator.name}: {reason}\n\nWhere else to take it: {suggestion}", link=_link(case))


def send_recommendations(session: Session, facilitator: Person, case: ClinicCase, series: GroupSeries,
                         gs: GroupSession, text: str, now: datetime | None = None) -> int:
    """After the session: the group's recommendations go to the presenter and to everyone marked attended, and
    onto the consultation's thread when the case came from one. Returns how many people were told."""
    now = now or utcnow()
    if facilitator.id != series.facilitator_id:
        raise CaseRefused("Only the clinic's facilitator sends the recommendations.")
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.PRESENTED):
        raise CaseRefused(f"This case is {STATUS_LABELS[case.status].lower()}: there are no recommendations to send.")
    if gs.starts_at > now:
        raise CaseRefused("Recommendations are sent after the session has started: the group makes them.")
    case.status, case.recommendations = CaseStatus.RECOMMENDATIONS_SENT, text
    case.recommendations_sent_at = case.updated_at = now
    audit.record(session, "clinic_case.recommendations_sent", "clinic_case", case.id)
    attended = session.scalars(select(Person).join(Booking, Booking.person_id == Person.id).where(
        Booking.session_id == gs.id, Booking.attendance == "attended",
        Person.id.not_in([case.presenter_id, facilitator.id])))
    when = format_london(gs.starts_at)
    notify(session, session.get(Person, case.presenter_id), "Recommendations from the case clinic",
           f"{facilitator.name} sent the group's recommendations on the case you presented at {series.title} on "
           f"{when}.", link=_link(case))
    told = 1
    for person in attended:
        notify(session, person, "Recommendations from the case clinic you attended",
               f"The recommendations on case {case.slot} at {series.title} on {when} are on the session's page.",
               link=f"/reflective-practice/sessions/{gs.id}")
        told += 1
    if case.consultation_id is not None:
        thread.add_message(session, session.get(Consultation, case.consultation_id), facilitator, "clinic",
                           f"Recommendations from the case clinic {series.title} on {when}:\n\n{text}", now)
    return told


REVIEW_REMINDER_HOURS = 48


def remind_undecided(session: Session, now: datetime | None = None) -> int:
    """Two days before a clinic session, its facilitator is told once about the cases still waiting for their
    decision, so no worker arrives to find theirs was never looked at. Returns how many facilitators were told."""
    now = now or utcnow()
    waiting = session.execute(
        select(ClinicCase, GroupSession, GroupSeries).join(GroupSession, GroupSession.id == ClinicCase.session_id)
        .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(ClinicCase.status == CaseStatus.OFFERED, ClinicCase.review_reminded_at.is_(None),
               GroupSession.status == SessionStatus.SCHEDULED, GroupSession.starts_at > now,
               GroupSession.starts_at <= now + timedelta(hours=REVIEW_REMINDER_HOURS))
        .order_by(GroupSession.starts_at, ClinicCase.id)).all()
    by_session: dict[int, list] = {}
    for case, gs, series in waiting:
        by_session.setdefault(gs.id, [gs, series, []])[2].append(case)
        case.review_reminded_at = now
    for gs, series, cases in by_session.values():
        notify(session, session.get(Person, series.facilitator_id),
               f"{len(cases)} case{'s' if len(cases) > 1 else ''} still to decide for your case clinic",
               f"{series.title} on {format_london(gs.starts_at)} has {len(cases)} offered "
               f"case{'s' if len(cases) > 1 else ''} waiting for you to accept, ask for changes or decline.",
               link=f"/reflective-practice/sessions/{gs.id}")
    return len(by_session)


def cases_of_session(session: Session, gs: GroupSession) -> list[ClinicCase]:
    """Every case offered to a session, those in a slot first (by slot), then the rest oldest first."""
    return list(session.scalars(
        select(ClinicCase).where(ClinicCase.session_id == gs.id)
        .order_by(ClinicCase.slot.is_(None), ClinicCase.slot, ClinicCase.created_at, ClinicCase.id)))


def free_slots(series: GroupSeries, cases: list[ClinicCase]) -> list[int]:
    taken = {c.slot for c in cases if c.status in IN_A_SLOT}
    return [n for n in range(1, (series.case_slots or 1) + 1) if n not in taken]


def consultation_to_present(session: Session, person: Person, consultation_id: int | None) -> Consultation | None:
    """The person's own consultation, to carry its answers into a case; None for anyone else's."""
    if consultation_id is None:
        return None
    c = session.get(Consultation, consultation_id)
    return c if c is not None and c.requester_id == person.id else None


def to_follow_up(session: Session, person: Person, case_id: int | None) -> ClinicCase | None:
    """The person's own presented case, with its recommendations sent, to bring back to a later session."""
    case = session.get(ClinicCase, case_id) if case_id is not None else None
    if case is None or case.presenter_id != person.id or case.status != CaseStatus.RECOMMENDATIONS_SENT:
        return None
    return case


def follow_up_answers(case: ClinicCase) -> dict:
    return {"client_reference": case.client_reference, "use_and_mental_health": case.use_and_mental_health,
            "tried_so_far": f"{case.tried_so_far}\n\nThe group recommended:\n{case.recommendations}".strip(),
            "question_for_group": "How did it go? What happened when we tried the recommendations, and what next?"}


def set_teaching(session: Session, by: Person, gs: GroupSession, series: GroupSeries, topic: str,
                 presenter_id: int | None) -> None:
    """A clinic session's short teaching topic ("didactic") and who gives it; an empty topic removes it."""
    if not is_clinic(series) or not can_keep_register(by, series):
        raise CaseRefused("Only the clinic's facilitator or its team leads set the teaching topic.")
    gs.teaching_topic, gs.teaching_presenter_id = topic, presenter_id if topic else None
    audit.record(session, "group_session.teaching_set", "group_session", gs.id)


def answers_of(c: Consultation) -> dict:
    return {"client_reference": c.client_reference, "use_and_mental_health": c.use_and_mental_health,
            "tried_so_far": c.tried_so_far, "question_for_group": c.question, "excluded_by": c.excluded_by,
            "exclusion_reason": c.exclusion_reason}


def clinics_to_come(person: Person, now: datetime):
    """SQL: case clinic sessions still to come that this person may join, soonest first; run it with
    `joinable_params(person)`."""
    return (select(GroupSession, GroupSeries.title).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
            .where(GroupSeries.kind == SeriesKind.CASE_CLINIC, GroupSeries.ended_at.is_(None),
                   GroupSession.status == SessionStatus.SCHEDULED, GroupSession.starts_at > now,
                   joinable_condition(person))
            .order_by(GroupSession.starts_at, GroupSession.id))


def your_cases(person: Person):
    """SQL: rows of (case, session start, series title) this person offered, newest first."""
    return (select(ClinicCase, GroupSession.starts_at, GroupSeries.title)
            .join(GroupSession, GroupSession.id == ClinicCase.session_id)
            .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
            .where(ClinicCase.presenter_id == person.id)
            .order_by(ClinicCase.created_at.desc(), ClinicCase.id.desc()))
