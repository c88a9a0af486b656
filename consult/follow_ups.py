"""Following up: the worker checks back on how the client is getting on some days after the advice, and the
team follows up a call with the psychologist that was missed, or a client who is missing appointments (NICE
QS188 statement 4: people who miss appointments are followed up, not discharged)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import audit
from core.accounts.directory import team_leads
from core.accounts.models import Person
from core.timeutil import utcnow

from . import thread
from .models import FOLLOW_UP_KINDS, CheckBack, CloseOutSurvey, Consultation, FollowUp, Status
from .states import TransitionRefused


def open_follow_up(session: Session, c: Consultation, kind: str, reason: str, now: datetime,
                   call_id: int | None = None) -> FollowUp:
    """Work for the requester's team, shown on the team page until done; the requester and team leads are told."""
    follow_up = FollowUp(consultation_id=c.id, kind=kind, team_id=c.team_id, call_id=call_id, reason=reason,
                         created_at=now)
    session.add(follow_up)
    people = [session.get(Person, c.requester_id), *team_leads(session, c.team_id)]
    thread.tell_each(session, people, c, f"Follow-up needed: {FOLLOW_UP_KINDS[kind].lower()}", reason)
    return follow_up


def may_complete(person: Person, follow_up: FollowUp, c: Consultation) -> bool:
    """The team's leads, and the two people on the request: a team with no lead (a needle and syringe
    programme, say) must still be able to close its follow-ups."""
    return (follow_up.team_id in person.led_team_ids or c.requester_id == person.id
            or c.psychologist_id == person.id)


def complete_follow_up(session: Session, follow_up: FollowUp, person: Person, now: datetime | None = None) -> None:
    if follow_up.done_at is not None:
        raise TransitionRefused("This follow-up is already done.")
    follow_up.done_at = now or utcnow()
    follow_up.done_by_id = person.id
    audit.record(session, "consultation.follow_up_done", "consultation", follow_up.consultation_id)


def check_back(session: Session, c: Consultation, worker: Person, data: dict, now: datetime | None = None) -> CheckBack:
    """The worker's account of how the client is getting on; missed appointments start a plan to re-engage."""
    now = now or utcnow()
    if c.advice_given_at is None:
        raise TransitionRefused("You can check back once the psychologist has given advice.")
    if session.get(CheckBack, c.id) is not None:
        raise TransitionRefused("You have already checked back on this request. Thank you.")
    answer = CheckBack(consultation_id=c.id, tried=data["tried"], engaged=data["engaged"],
                       missed_appointments=data["missed_appointments"], next_steps=data.get("next_steps") or "",
                       submitted_at=now, by_id=worker.id)
    session.add(answer)
    thread.event(session, c, f"{worker.name} checked back on how {c.client_reference} is getting on.", now, by=worker)
    audit.record(session, "consultation.checked_back", "consultation", c.id, missed=answer.missed_appointments)
    if answer.missed_appointments:
        open_follow_up(session, c, "re_engage",
                       f"{c.client_reference} has been missing appointments. Agree a plan to re-engage them: ask "
                       "why they stopped coming, and what would help them keep in touch.", now)
    thread.tell(session, c.psychologist_id, c, "The worker has checked back",
                f"{worker.name} said how {c.client_reference} is getting on since your advice.")
    return answer


def answer_survey(session: Session, c: Consultation, worker: Person, data: dict,
                  now: datetime | None = None) -> CloseOutSurvey:
    """The worker's close-out survey: was the advice useful, are they more confident (and how confident, before and
    now), what would they have done without it, what happened next. Once."""
    if c.status != Status.CLOSED.value:
        raise TransitionRefused("The survey opens once the request is closed.")
    if session.get(CloseOutSurvey, c.id) is not None:
        raise TransitionRefused("You have already answered the survey for this request. Thank you.")
    answer = CloseOutSurvey(consultation_id=c.id, useful=data["useful"], more_confident=data["more_confident"],
                            without_advice=data.get("without_advice"), confidence_before=data.get("confidence_before"),
                            confidence_now=data.get("confidence_now"),
                            what_happened_next=data.get("what_happened_next") or "", submitted_at=now or utcnow())
    session.add(answer)
    audit.record(session, "consultation.survey_answered", "consultation", c.id)
    return answer
