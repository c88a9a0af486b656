"""The register and walk-ins (and, at a case clinic, the cases their presenters came to present), each person's
attendance (CPD) record, the facilitator's notes and themes, and the anonymous evaluations."""
from __future__ import annotations

import secrets
from datetime import datetime

import re2
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.accounts.models import Person, Role
from core.identifiers import normalise
from core.timeutil import utcnow

from .audience import may_walk_in
from .models import (
    BOOKED,
    WAITLISTED,
    Booking,
    CaseStatus,
    ClinicCase,
    Evaluation,
    GroupSeries,
    GroupSession,
    SessionNotes,
)
from .services import BookingRefused

WORD = re2.compile(r"[a-z0-9'’-]+")

# Fewer answers than this are not shown: with two or three people in the room, one answer is one person.
EVALUATIONS_SHOWN_FROM = 3
HELPFUL = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]
COME_AGAIN = [("yes", "Yes"), ("maybe", "Maybe"), ("no", "No")]


def can_keep_register(person: Person, series: GroupSeries) -> bool:
    """The facilitator, and the team leads who scheduled the series or lead its team."""
    return person.id == series.facilitator_id or can_manage_series(person, series)


def can_manage_series(person: Person, series: GroupSeries) -> bool:
    """Whoever scheduled the series, and those who lead the people it is for: the team's leads; for everyone
    at an organisation, its team leads; for the whole partnership, the lead psychologists."""
    if person.id == series.created_by_id:
        return True
    if series.team_id is not None:
        return series.team_id in person.led_team_ids
    if series.organisation_id is not None:
        return person.organisation_id == series.organisation_id and person.has_role(Role.TEAM_LEAD)
    return person.has_role(Role.LEAD_PSYCHOLOGIST)


# Booked people first (alphabetical by sign-up), then the waitlist, with names in the same query; run with
# the session's id as "group_session". Built once: it is asked for on every view of a register.
REGISTER = (select(Booking).options(joinedload(Booking.person))
            .where(Booking.session_id == bindparam("group_session"), Booking.status.in_([BOOKED, WAITLISTED]))
            .order_by(Booking.status, Booking.created_at, Booking.id))


def mark_attendance(session: Session, gs: GroupSession, marks: dict[int, str], now: datetime | None = None) -> int:
    """Returns how many of the people booked were marked."""
    chosen = {booking_id: mark for booking_id, mark in marks.items() if mark in ("attended", "absent")}
    marked = 0
    for booking in session.scalars(select(Booking).where(Booking.session_id == gs.id, Booking.status == BOOKED,
                                                         Booking.id.in_(chosen))):
        booking.attendance = chosen[booking.id]
        booking.updated_at = now or utcnow()
        marked += 1
    if marked:
        audit.record(session, "session.register_marked", "group_session", gs.id, marked=marked)
    _mark_presented(session, gs, now)
    return marked


def _mark_presented(session: Session, gs: GroupSession, now: datetime | None = None) -> int:
    """Once a clinic session has begun, an accepted case whose presenter is on the register as attended has been
    presented. Returns how many."""
    now = now or utcnow()
    if gs.starts_at > now:
        return 0
    cases = session.scalars(select(ClinicCase).join(Booking, (Booking.session_id == ClinicCase.session_id)
                                                    & (Booking.person_id == ClinicCase.presenter_id))
                            .where(ClinicCase.session_id == gs.id, ClinicCase.status == CaseStatus.ACCEPTED,
                                   Booking.attendance == "attended")).all()
    for case in cases:
        case.status, case.updated_at = CaseStatus.PRESENTED, now
        audit.record(session, "clinic_case.presented", "clinic_case", case.id)
    return len(cases)


def add_walk_in(session: Session, gs: GroupSession, email: str, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    series = session.get(GroupSeries, gs.series_id)
    walker = session.scalar(select(Person).where(Person.email == email.strip().lower(), Person.is_active.is_(True)))
    if walker is None or not may_walk_in(session, series, walker):
        raise BookingRefused("There is no one with that email address in this organisation." if series.organisation_id
                             else "There is no one with that email address in the organisations this group is for."
                             if series.for_chosen_organisations else
                             "There is no one with that email address in the partnership.")
    booking = session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == walker.id))
    if booking is None:
        booking = Booking(session_id=gs.id, person_id=walker.id, status=BOOKED, created_at=now, updated_at=now)
        session.add(booking)
    booking.status, booking.attendance, booking.walk_in, booking.updated_at = BOOKED, "attended", True, now
    booking.offer_expires_at = None
    session.flush()
    audit.record(session, "session.walk_in_added", "group_session", gs.id, person=walker.id)
    _mark_presented(session, gs, now)
    return booking


def attendance_record(session: Session, person_id: int):
    """Sessions this person attended, newest first, with the series and facilitator, for their CPD record."""
    return (select(Booking).options(joinedload(Booking.session).joinedload(GroupSession.series)
                                    .joinedload(GroupSeries.facilitator))
            .join(GroupSession, GroupSession.id == Booking.session_id)
            .where(Booking.person_id == person_id, Booking.attendance == "attended")
            .order_by(GroupSession.starts_at.desc(), Booking.id.desc()))


# --- The facilitator's notes and the themes shared with team leads ---------------------------

def notes_for(session: Session, gs: GroupSession) -> SessionNotes:
    return session.get(SessionNotes, gs.id) or SessionNotes(session_id=gs.id, private_notes="", themes="")


def names_problem(session: Session, gs: GroupSession, text: str, shared_with: str) -> str | None:
    """Text others will see (themes go to the team leads; a reason for a change to everyone booked) must not name
    anyone booked on the session, or its facilitator (identifiers are refused by the form). The text is read once
    into its words, so the check is linear however many people there are."""
    words = set(WORD.findall(normalise(text).lower()))
    names = session.scalars(
        select(Person.name).join(Booking, Booking.person_id == Person.id)
        .where(Booking.session_id == gs.id, Booking.status.in_((BOOKED, WAITLISTED)))
        .union(select(Person.name).join(GroupSeries, GroupSeries.facilitator_id == Person.id)
               .where(GroupSeries.id == gs.series_id)))
    for name in names:
        for part in {name, *name.split()}:
            if len(part) >= 3 and all(piece in words for piece in WORD.findall(part.lower())):
                return (f"{shared_with}, so it must not name anyone: remove \u201c{part}\u201d. "
                        "Describe what happened, not who.")
    return None


def save_notes(session: Session, gs: GroupSession, private_notes: str, themes: str, now: datetime | None = None) -> None:
    notes = session.get(SessionNotes, gs.id)
    if notes is None:
        notes = SessionNotes(session_id=gs.id)
        session.add(notes)
    notes.private_notes, notes.themes, notes.updated_at = private_notes, themes, now or utcnow()
    audit.record(session, "session.notes_saved", "group_session", gs.id)


# --- Anonymous evaluations --------------------------------------------------------------------

def can_evaluate(booking: Booking, gs: GroupSession, now: datetime | None = None) -> bool:
    return (booking.attendance == "attended" and booking.evaluation != "answered"
            and gs.ends_at <= (now or utcnow()))


def answer_evaluation(session: Session, booking: Booking, gs: GroupSession, helpful: str, come_again: str,
                      takeaway: str, confidence: tuple[int, int] | None = None, do_differently: str = "") -> None:
    """Store the answer with no link to the person: no person, no time, a random id. The booking only
    remembers that it has been answered, so nobody answers twice."""
    if not can_evaluate(booking, gs):
        raise BookingRefused("You have already answered for this session, thank you.")
    booking.evaluation = "answered"
    before, after = confidence or (None, None)
    session.add(Evaluation(id=secrets.token_hex(16), session_id=gs.id, helpful=helpful, come_again=come_again,
                           takeaway=takeaway.strip(), confidence_before=before, confidence_after=after,
                           do_differently=do_differently.strip()))


def evaluation_summary(session: Session, gs: GroupSession) -> dict:
    """Counts for each answer, and the takeaways in alphabetical order (not the order they came in)."""
    def tally(column) -> dict[str, int]:
        return dict(session.execute(select(column, func.count()).where(Evaluation.session_id == gs.id)
                                    .group_by(column)).all())

    helpful = tally(Evaluation.helpful)
    total = sum(helpful.values())
    if total < EVALUATIONS_SHOWN_FROM:
        return {"total": total, "shown": False}
    again = tally(Evaluation.come_again)
    takeaways = sorted(t for t in session.scalars(select(Evaluation.takeaway).where(
        Evaluation.session_id == gs.id, Evaluation.takeaway != "")))
    before, after, answered = session.execute(
        select(func.avg(Evaluation.confidence_before), func.avg(Evaluation.confidence_after),
               func.count(Evaluation.confidence_after)).where(Evaluation.session_id == gs.id)).one()
    differently = sorted(t for t in session.scalars(select(Evaluation.do_differently).where(
        Evaluation.session_id == gs.id, Evaluation.do_differently != "")))
    return {"total": total, "shown": True, "takeaways": takeaways, "differently": differently,
            "confidence": (round(float(before), 1), round(float(after), 1)) if answered else None,
            "helpful": [(label, helpful.get(value, 0)) for value, label in HELPFUL],
            "come_again": [(label, again.get(value, 0)) for value, label in COME_AGAIN]}
