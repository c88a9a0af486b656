"""Consultation domain logic: plain functions of a session and data, used by views, sweeps and tests."""
from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from core import audit
from core.accounts.models import Person, PersonRole, Role, TeamMembership
from core.database import with_row_locks
from core.notifications import notify
from core.timeutil import format_london, utcnow

from . import allocation
from .identifiers import client_key
from .models import CALL_MODES, OPEN_STATUSES, CallSlot, Consultation, FollowUp, Message, Status
from .states import TransitionRefused, check_transition
from .workhours import WorkingWeek, add_working_time, working_seconds_between


# --- Response targets ----------------------------------------------------------

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def working_week() -> WorkingWeek:
    """The working week from configuration (WORKING_DAYS, WORKING_DAY_START, WORKING_DAY_END)."""
    config = current_app.config
    return _week(config["WORKING_DAYS"], config["WORKING_DAY_START"], config["WORKING_DAY_END"])


@lru_cache(maxsize=8)
def _week(days: str, start: str, end: str) -> WorkingWeek:
    return WorkingWeek(
        start=time.fromisoformat(start), end=time.fromisoformat(end),
        days=frozenset(DAY_NAMES.index(d.strip().lower()[:3]) for d in days.split(",") if d.strip()))


def target_seconds(urgency: str) -> int:
    config, week = current_app.config, working_week()
    if urgency == "urgent":
        return int(config["TARGET_URGENT_HOURS"] * 3600)
    days = config["TARGET_SOON_DAYS"] if urgency == "soon" else config["TARGET_ROUTINE_DAYS"]
    return int(days * week.day_seconds)


def start_clock(c: Consultation, now: datetime) -> None:
    c.clock_started_at = now
    c.breach_escalated_at = None  # a restarted clock can be breached (and escalated) afresh
    c.due_at = add_working_time(now, c.target_seconds - c.used_seconds, working_week())


def stop_clock(c: Consultation, now: datetime) -> None:
    """Pause (awaiting information) or stop (advice given, closed) the response clock."""
    if c.clock_started_at is not None:
        c.used_seconds += int(working_seconds_between(c.clock_started_at, now, working_week()))
    c.clock_started_at = None
    c.due_at = None


# --- Who may see what ------------------------------------------------------------

# Written once with who is asking as bind parameters (`visible_params`), so queries built on it can be kept.
_ANY_CONSULTATION = true()
_OWN_OR_TEAMS = or_(Consultation.requester_id == bindparam("me"),
                    Consultation.team_id.in_(bindparam("my_led_teams", expanding=True)))


def visible_to(person: Person):
    """SQL condition: the consultations this person may see; run it with `visible_params(person)`.

    The requester, their team's leads, and the partnership's psychologists (for
    triage and allocation). Nobody else, whatever their role.
    """
    return _ANY_CONSULTATION if person.has_role(Role.PSYCHOLOGIST) else _OWN_OR_TEAMS


def visible_params(person: Person) -> dict:
    return {} if person.has_role(Role.PSYCHOLOGIST) else {"me": person.id, "my_led_teams": person.led_team_ids}


def can_view(person: Person, c: Consultation) -> bool:
    return (person.has_role(Role.PSYCHOLOGIST) or c.requester_id == person.id
            or (c.team_id is not None and c.team_id in person.led_team_ids))


def is_requester(person: Person, c: Consultation) -> bool:
    return c.requester_id == person.id


def is_allocated_psychologist(person: Person, c: Consultation) -> bool:
    return c.psychologist_id == person.id and person.has_role(Role.PSYCHOLOGIST)


# --- Raising and routing ---------------------------------------------------------

def raise_request(session: Session, requester: Person, data: dict, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    urgency = "urgent" if data["immediate_danger"] else data["urgency"]
    c = Consultation(
        requester_id=requester.id,
        organisation_id=requester.organisation_id,
        team_id=requester.teams[0].id if requester.teams else None,
        client_reference=data["client_reference"].strip(),
        client_key=client_key(current_app.config["SECRET_KEY"], requester.organisation_id, data["client_reference"]),
        consent_basis=data["consent_basis"],
        presenting_needs=",".join(data["presenting_needs"]),
        use_and_mental_health=data["use_and_mental_health"],
        tried_so_far=data.get("tried_so_far") or "",
        care_coordinator=(data.get("care_coordinator") or "").strip(),
        risks=",".join(data.get("risks") or []),
        immediate_danger=bool(data["immediate_danger"]),
        urgency=urgency,
        preferred_mode=data["preferred_mode"],
        question=data["question"],
        created_at=now,
        updated_at=now,
        target_seconds=target_seconds(urgency),
        used_seconds=0,
    )
    start_clock(c, now)
    session.add(c)
    session.flush()
    audit.record(session, "consultation.created", "consultation", c.id, urgency=urgency)
    if data.get("continuity") == "same":
        previous = previous_psychologist(session, c)
        if previous is not None:
            c.continuity_psychologist_id = previous.id
            if allocation.continuity_reachable(session, previous.id, now):
                why = "Asked for the same psychologist as last time for this client."
                allocation.record(session, c, previous, [], why, now)
                _allocate(session, c, previous, now, why)
                return c
    route_new_request(session, c, now)
    return c


def previous_psychologist(session: Session, c: Consultation) -> Person | None:
    """The active psychologist who last held a request about this client in this organisation."""
    return session.scalar(
        select(Person).join(Consultation, Consultation.psychologist_id == Person.id)
        .where(Consultation.organisation_id == c.organisation_id,
               func.lower(Consultation.client_reference) == c.client_reference.lower(),
               Consultation.id != c.id, Person.is_active.is_(True))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(1))


def _allocate(session: Session, c: Consultation, psychologist: Person, now: datetime, why: str) -> None:
    _move(c, Status.ALLOCATED)
    c.psychologist_id = psychologist.id
    c.allocated_at = now
    _add_message(session, c, psychologist, "event", f"Allocated to {psychologist.name}. {why}", now)
    audit.record(session, "consultation.allocated", "consultation", c.id, psychologist=psychologist.id, why=why)
    _tell(session, psychologist.id, c, "A consultation request is yours",
          f"{why} Reply due by {format_london(c.due_at)}.")
    _tell(session, c.requester_id, c, "Your request has been allocated",
          f"{psychologist.name} is looking at your request for {c.client_reference}.")


def _holding(role: Role, *columns):
    """Active people holding a role, by name: `columns` of them (the whole person, or just some fields)."""
    return (select(*columns).join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role == role.value, Person.is_active.is_(True)).order_by(Person.name))


def people_with_role(session: Session, role: Role) -> list[Person]:
    return list(session.scalars(_holding(role, Person)))


def psychologists(session: Session) -> list[Person]:
    return people_with_role(session, Role.PSYCHOLOGIST)


def psychologist_choices(session: Session, leave_out: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the active psychologists for a drop-down: names only, not whole people."""
    rows = session.execute(_holding(Role.PSYCHOLOGIST, Person.id, Person.name))
    return [(person_id, name) for person_id, name in rows if person_id != leave_out]


def route_new_request(session: Session, c: Consultation, now: datetime | None = None) -> None:
    """Give a new request to the fairest choice among the psychologists on duty, or leave it in the pool.

    When nobody can take it, it waits in the pool for the next duty (the rota
    sweep allocates it then) and the requester is told when that is.
    """
    now = now or utcnow()
    chosen, candidates, reason = allocation.choose(session, now)
    allocation.record(session, c, chosen, candidates, reason, now)
    if chosen is not None:
        _allocate(session, c, chosen, now, reason)
        return
    _tell(session, c.requester_id, c, "Your request is waiting for the next duty psychologist", reason)
    if c.urgency == "urgent":
        title = f"Urgent consultation request {c.reference}"
        body = ("Immediate danger was reported. " if c.immediate_danger else "") + \
            f"An urgent request is waiting in the duty queue. Reply due by {format_london(c.due_at)}."
        for psychologist in psychologists(session):
            notify(session, psychologist, title, body, link=f"/consultations/{c.id}")


def allocate_waiting(session: Session, now: datetime | None = None) -> int:
    """The rota sweep: place requests waiting in the pool now that someone is on duty, most urgent first."""
    now = now or utcnow()
    waiting = session.scalars(select(Consultation).where(Consultation.status == Status.RECEIVED.value)
                              .order_by(Consultation.immediate_danger.desc(), Consultation.due_at, Consultation.id)
                              .limit(200)).all()
    placed = 0
    for c in waiting:
        chosen, candidates, reason = allocation.choose(session, now)
        if chosen is None:
            break
        allocation.record(session, c, chosen, candidates, reason, now)
        _allocate(session, c, chosen, now, reason)
        placed += 1
    session.commit()
    return placed


# --- Changes of status -----------------------------------------------------------

def _add_message(session: Session, c: Consultation, author: Person, kind: str, body: str, now: datetime) -> Message:
    message = Message(consultation_id=c.id, author_id=author.id, kind=kind, body=body, created_at=now)
    session.add(message)
    c.updated_at = now
    if author.id != c.requester_id and c.first_response_at is None and kind != "event":
        c.first_response_at = now
    return message


def _tell(session: Session, person_id: int | None, c: Consultation, title: str, body: str) -> None:
    if person_id is not None:
        notify(session, session.get(Person, person_id), f"{title} ({c.reference})", body,
               link=f"/consultations/{c.id}")


def _move(c: Consultation, new: Status) -> None:
    check_transition(c.status, new)
    c.status = new.value


def take(session: Session, c: Consultation, psychologist: Person, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not psychologist.has_role(Role.PSYCHOLOGIST):
        raise TransitionRefused("Only a psychologist can take a request.")
    _move(c, Status.ALLOCATED)
    c.psychologist_id = psychologist.id
    c.allocated_at = now
    _add_message(session, c, psychologist, "event", f"{psychologist.name} took this request.", now)
    audit.record(session, "consultation.taken", "consultation", c.id)
    _tell(session, c.requester_id, c, "Your request has been allocated",
          f"{psychologist.name} is looking at your request for {c.client_reference}.")


def reassign(session: Session, c: Consultation, by: Person, to: Person, reason: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not to.has_role(Role.PSYCHOLOGIST) or not to.is_active:
        raise TransitionRefused("Choose an active psychologist to pass this request to.")
    if Status(c.status) in (Status.RECEIVED, Status.CLOSED):
        raise TransitionRefused("Only an allocated, open request can be passed to someone else.")
    if c.psychologist_id == to.id:
        raise TransitionRefused(f"{to.name} already holds this request.")
    c.psychologist_id = to.id
    c.allocated_at = now
    _add_message(session, c, by, "event", f"{by.name} passed this request to {to.name}: {reason}", now)
    audit.record(session, "consultation.reassigned", "consultation", c.id, to=to.id, reason=reason)
    _tell(session, to.id, c, "A consultation request has been passed to you", reason)
    _tell(session, c.requester_id, c, "Your request has a new psychologist", f"{to.name} now holds your request.")


def ask_for_information(session: Session, c: Consultation, psychologist: Person, body: str,
                        now: datetime | None = None) -> None:
    now = now or utcnow()
    _move(c, Status.AWAITING_INFORMATION)
    stop_clock(c, now)  # paused while we wait for the requester
    _add_message(session, c, psychologist, "information_request", body, now)
    audit.record(session, "consultation.information_requested", "consultation", c.id)
    _tell(session, c.requester_id, c, "The psychologist needs more information",
          "Please answer the question on your request so they can advise you.")


def reply(session: Session, c: Consultation, author: Person, body: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    if is_requester(author, c) and c.status == Status.AWAITING_INFORMATION.value:
        _move(c, Status.ALLOCATED)
        start_clock(c, now)  # the clock runs again from the answer
    _add_message(session, c, author, "message", body, now)
    audit.record(session, "consultation.replied", "consultation", c.id)
    other = c.psychologist_id if is_requester(author, c) else c.requester_id
    _tell(session, other, c, "New reply on a consultation", f"{author.name} replied.")


def give_advice(session: Session, c: Consultation, psychologist: Person, body: str,
                now: datetime | None = None) -> None:
    now = now or utcnow()
    _move(c, Status.ADVICE_GIVEN)
    stop_clock(c, now)
    c.advice_given_at = c.advice_given_at or now
    _add_message(session, c, psychologist, "advice", body, now)
    audit.record(session, "consultation.advice_given", "consultation", c.id)
    _tell(session, c.requester_id, c, "Advice is ready", f"{psychologist.name} has written advice on your request.")


def close(session: Session, c: Consultation, psychologist: Person, outcome: str, minutes: int,
          referral_or_signposting: str, now: datetime | None = None) -> None:
    """Close with an outcome. Never a dead end: without advice, a referral or signposting is required."""
    now = now or utcnow()
    if c.advice_given_at is None and not referral_or_signposting.strip():
        raise TransitionRefused("No advice has been given, so say where the worker should turn instead: "
                                "a recommended referral or signposting")
    _move(c, Status.CLOSED)
    stop_clock(c, now)
    c.closed_at = now
    c.outcome = outcome
    c.minutes_spent = minutes
    c.referral_or_signposting = referral_or_signposting.strip() or None
    _add_message(session, c, psychologist, "event", f"{psychologist.name} closed this request.", now)
    audit.record(session, "consultation.closed", "consultation", c.id, outcome=outcome)
    _tell(session, c.requester_id, c, "Your request has been closed",
          "Tell us whether the advice helped: it takes a minute and shapes the service.")


def is_overdue(c: Consultation, now: datetime | None = None) -> bool:
    return c.due_at is not None and c.due_at < (now or utcnow())


def team_lead_ids(session: Session, team_id: int | None) -> list[int]:
    if team_id is None:
        return []
    return list(session.scalars(
        select(TeamMembership.person_id)
        .join(PersonRole, PersonRole.person_id == TeamMembership.person_id)
        .where(TeamMembership.team_id == team_id, PersonRole.role == Role.TEAM_LEAD.value)))


# --- Escalating breaches ----------------------------------------------------------

def lead_psychologists(session: Session) -> list[Person]:
    return people_with_role(session, Role.LEAD_PSYCHOLOGIST)


def escalate_breaches(session: Session, now: datetime | None = None) -> int:
    """Tell the lead psychologists and the requester's team leads, once, about each missed target.

    Rows are locked while claimed (SKIP LOCKED on PostgreSQL; an immediate
    transaction on SQLite), so two schedulers never escalate the same breach.
    """
    now = now or utcnow()
    query = (select(Consultation)
             .where(Consultation.status.in_(OPEN_STATUSES), Consultation.due_at < now,
                    Consultation.breach_escalated_at.is_(None))
             .order_by(Consultation.due_at).limit(200))
    breached = list(session.scalars(with_row_locks(session, query, skip_locked=True)))
    leads = lead_psychologists(session)
    for c in breached:
        c.breach_escalated_at = now
        title = f"Reply target missed ({c.reference})"
        body = (f"The {c.urgency} consultation request {c.reference} was due a reply by "
                f"{format_london(c.due_at)} and has not had one.")
        people = {p.id: p for p in leads}
        for lead_id in team_lead_ids(session, c.team_id):
            people.setdefault(lead_id, session.get(Person, lead_id))
        for person in people.values():
            notify(session, person, title, body, link=f"/consultations/{c.id}")
        audit.record(session, "consultation.breach_escalated", "consultation", c.id, told=sorted(people))
    session.commit()
    return len(breached)


# --- Calls and follow-ups -------------------------------------------------------

def book_call(session: Session, c: Consultation, psychologist: Person, starts_at: datetime, mode: str,
              now: datetime | None = None) -> CallSlot:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    if starts_at <= now:
        raise TransitionRefused("Choose a time in the future for the call")
    call = CallSlot(consultation_id=c.id, starts_at=starts_at, mode=mode, booked_by_id=psychologist.id,
                    created_at=now)
    session.add(call)
    session.flush()
    when = format_london(starts_at)
    _add_message(session, c, psychologist, "event", f"{psychologist.name} booked a {CALL_MODES[mode].lower()} for {when}.", now)
    audit.record(session, "consultation.call_booked", "consultation", c.id, call=call.id)
    _tell(session, c.requester_id, c, "A call has been booked",
          f"{psychologist.name} has booked a {CALL_MODES[mode].lower()} with you for {when}. "
          "Add it to your calendar from the request page.")
    return call


def mark_call(session: Session, c: Consultation, call: CallSlot, psychologist: Person, attended: bool,
              now: datetime | None = None) -> None:
    now = now or utcnow()
    if call.status != "booked":
        raise TransitionRefused("This call has already been marked.")
    if call.starts_at > now:
        raise TransitionRefused("You can mark the call once its time has come")
    call.status = "attended" if attended else "missed"
    call.sequence += 1
    _add_message(session, c, psychologist, "event",
                 f"The call on {format_london(call.starts_at)} was marked as {call.status}.", now)
    audit.record(session, f"consultation.call_{call.status}", "consultation", c.id, call=call.id)
    if not attended:
        _follow_up_missed_call(session, c, call, now)


def _follow_up_missed_call(session: Session, c: Consultation, call: CallSlot, now: datetime) -> None:
    """A missed call is followed up by the requester's team, not dropped (NICE QS188 statement 4)."""
    reason = f"The call booked for {format_london(call.starts_at)} was missed. Check in and rebook."
    session.add(FollowUp(consultation_id=c.id, team_id=c.team_id, call_id=call.id, reason=reason, created_at=now))
    for person_id in {c.requester_id, *team_lead_ids(session, c.team_id)}:
        _tell(session, person_id, c, "A call was missed: please follow up", reason)


def complete_follow_up(session: Session, follow_up: FollowUp, person: Person, now: datetime | None = None) -> None:
    if follow_up.done_at is not None:
        raise TransitionRefused("This follow-up is already done.")
    follow_up.done_at = now or utcnow()
    follow_up.done_by_id = person.id
    audit.record(session, "consultation.follow_up_done", "consultation", follow_up.consultation_id)


# --- Formulations on a case -----------------------------------------------------------

def suggest_template(session: Session, c: Consultation, psychologist: Person, version_id: int, title: str,
                     now: datetime | None = None) -> None:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    _add_message(session, c, psychologist, "suggestion",
                 f"I suggest filling in the formulation template **{title}** for this client: "
                 f"[start it here](/formulations/versions/{version_id}/start?case={c.id}).", now)
    audit.record(session, "consultation.template_suggested", "consultation", c.id, version=version_id)
    _tell(session, c.requester_id, c, "A formulation template has been suggested",
          f"{psychologist.name} suggests the template '{title}' for this client.")


def notify_about_formulation(session: Session, c: Consultation, formulation, commenter: Person) -> None:
    notify(session, session.get(Person, formulation.author_id), f"New comment on your formulation ({c.reference})",
           f"{commenter.name} commented on your formulation.", link=f"/formulations/{formulation.id}")
