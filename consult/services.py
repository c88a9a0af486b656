"""Consultation domain logic: plain functions of a session and data, used by views, sweeps and tests."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.directory import lead_psychologists, team_leads
from core.accounts.models import Person, Role
from core.database import with_row_locks
from core.identifiers import client_key
from core.notifications import notify
from core.timeutil import format_london, utcnow
from core.workweek import add_working_time, working_seconds_between, working_week

from . import access, allocation, calls, guests, referrals, reminders, thread, urgent
from .models import OPEN_STATUSES, Consultation, Status
from .states import TransitionRefused, check_transition

# --- Response targets ----------------------------------------------------------

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


# --- Who is who on a request ------------------------------------------------------

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
        excluded_by=data.get("excluded_by") or None,
        exclusion_reason=data.get("exclusion_reason") or None,
        created_at=now,
        updated_at=now,
        target_seconds=target_seconds(urgency),
        used_seconds=0,
    )
    start_clock(c, now)
    session.add(c)
    session.flush()
    audit.record(session, "consultation.created", "consultation", c.id, urgency=urgency)
    if not (data.get("continuity") == "same" and _route_for_continuity(session, c, now)):
        route_new_request(session, c, now)
    urgent.on_raised(session, c, now)
    return c


def _route_for_continuity(session: Session, c: Consultation, now: datetime) -> bool:
    """Give the request to the psychologist who last advised about this client, if they are on duty soon."""
    previous = previous_psychologist(session, c)
    if previous is None:
        return False
    c.continuity_psychologist_id = previous.id
    if not allocation.continuity_reachable(session, previous.id, now):
        return False
    why = "Asked for the same psychologist as last time for this client."
    allocation.record(session, c, previous, [], why, now, route="continuity")
    allocate(session, c, previous, now, why)
    return True


def previous_psychologist(session: Session, c: Consultation) -> Person | None:
    """The active psychologist who last held a request about this client in this organisation."""
    return session.scalar(
        select(Person).join(Consultation, Consultation.psychologist_id == Person.id)
        .where(Consultation.organisation_id == c.organisation_id,
               func.lower(Consultation.client_reference) == c.client_reference.lower(),
               Consultation.id != c.id, Person.is_active.is_(True))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(1))


def allocate(session: Session, c: Consultation, psychologist: Person, now: datetime, why: str,
             tell_requester: tuple[str, str] | None = None) -> None:
    """Give a request to a psychologist: it becomes theirs, and an urgent one starts their acknowledgement clock.
    The requester is told `tell_requester` (a title and a body), or that the psychologist is looking at it."""
    if c.status == Status.RECEIVED.value:
        _move(c, Status.ALLOCATED)
    access.hold(session, c, psychologist, now)
    thread.event(session, c, f"Allocated to {psychologist.name}. {why}", now, by=psychologist)
    audit.record(session, "consultation.allocated", "consultation", c.id, psychologist=psychologist.id, why=why)
    if urgent.needs_acknowledging(c) and c.advice_given_at is None:
        urgent.start_clock(c, now)
        due = f"Acknowledge it by {format_london(c.ack_due_at)}, or it goes to other psychologists. "
    else:
        due = ""
    reply_due = f"Reply due by {format_london(c.due_at)}." if c.due_at else ""
    thread.tell(session, psychologist, c, thread.urgent_title(c, "A consultation request is yours"),
                f"{why} {due}{reply_due}".strip())
    thread.tell(session, c.requester_id, c, *(tell_requester or (
        "Your request has been allocated", f"{psychologist.name} is looking at your request for {c.client_reference}.")))


def route_new_request(session: Session, c: Consultation, now: datetime | None = None) -> None:
    """Give a new request to the fairest choice among the psychologists on duty, or leave it in the pool.

    When nobody can take it, it waits in the pool for the next duty (the rota
    sweep allocates it then) and the requester is told when that is.
    """
    now = now or utcnow()
    chosen, candidates, reason = allocation.choose(session, now)
    allocation.record(session, c, chosen, candidates, reason, now, route="duty" if chosen else "waiting")
    if chosen is not None:
        allocate(session, c, chosen, now, reason)
        return
    thread.event(session, c, f"Waiting in the duty queue. {reason}", now)
    thread.tell(session, c.requester_id, c, "Your request is waiting for the next duty psychologist", reason)


def allocate_waiting(session: Session, now: datetime | None = None) -> int:
    """The rota sweep: place requests waiting in the pool now that someone is on duty, most urgent first."""
    now = now or utcnow()
    waiting = session.scalars(select(Consultation).where(Consultation.psychologist_id.is_(None),
                                                         Consultation.status.in_(OPEN_STATUSES))
                              .order_by(Consultation.immediate_danger.desc(), Consultation.due_at, Consultation.id)
                              .limit(200)).all()
    placed = 0
    for c in waiting:
        chosen, candidates, reason = allocation.choose(session, now)
        if chosen is None:
            break
        allocation.record(session, c, chosen, candidates, reason, now, route="duty")
        allocate(session, c, chosen, now, reason)
        placed += 1
    return placed


# --- Changes of status -----------------------------------------------------------

def _move(c: Consultation, new: Status) -> None:
    check_transition(c.status, new)
    c.status = new.value


def take(session: Session, c: Consultation, psychologist: Person, now: datetime | None = None) -> None:
    """Take a request waiting in the pool."""
    now = now or utcnow()
    if not psychologist.has_role(Role.PSYCHOLOGIST):
        raise TransitionRefused("Only a psychologist can take a request.")
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    if c.psychologist_id is not None:
        raise TransitionRefused("Someone has already taken this request.")
    if c.status == Status.RECEIVED.value:
        _move(c, Status.ALLOCATED)
    access.hold(session, c, psychologist, now)
    urgent.mark_acknowledged(c, psychologist, now)  # whatever the holder does shows they have seen it
    thread.event(session, c, f"{psychologist.name} took this request.", now, by=psychologist)
    audit.record(session, "consultation.taken", "consultation", c.id)
    thread.tell(session, c.requester_id, c, "Your request has been allocated",
                f"{psychologist.name} is looking at your request for {c.client_reference}.")


def reassign(session: Session, c: Consultation, by: Person, to: Person, reason: str, now: datetime | None = None) -> None:
    """The holder passes a request on; a lead psychologist moves anyone's, or places one nobody holds. Always
    with a reason, recorded on the thread and audited; the new holder, the previous one and the worker are told."""
    now = now or utcnow()
    if not to.has_role(Role.PSYCHOLOGIST) or not to.is_active:
        raise TransitionRefused("Choose an active psychologist to pass this request to.")
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    lead = by.has_role(Role.LEAD_PSYCHOLOGIST)
    if c.psychologist_id != by.id and not lead:
        raise TransitionRefused("Only the psychologist holding this request, or a lead psychologist, can move it.")
    if c.psychologist_id == to.id:
        raise TransitionRefused(f"{to.name} already holds this request.")
    previous = c.psychologist_id
    if c.status == Status.RECEIVED.value:
        _move(c, Status.ALLOCATED)
    access.hold(session, c, to, now)
    moved = "passed this request to" if previous == by.id else "placed this request with" if previous is None \
        else "reassigned this request to"
    thread.event(session, c, f"{by.name} {moved} {to.name}: {reason}", now, by=by)
    if previous is not None:
        calls.cancel_calls_to_come(session, c, by, f"the request has passed to {to.name}, who will book a new "
                                   "call if one is needed.", now)
    audit.record(session, "consultation.reassigned", "consultation", c.id, previous=previous, to=to.id, reason=reason)
    if urgent.needs_acknowledging(c) and c.advice_given_at is None:
        urgent.start_clock(c, now)  # the new holder has not seen it yet
    thread.tell(session, to, c, thread.urgent_title(c, "A consultation request has been passed to you"),
                f"{by.name}: {reason}")
    if previous not in (None, by.id):
        thread.tell(session, previous, c, "A request you held has been reassigned",
                    f"{by.name} reassigned it to {to.name}: {reason}")
    thread.tell(session, c.requester_id, c, "Your request has a new psychologist", f"{to.name} now holds your request.")


def ask_for_information(session: Session, c: Consultation, psychologist: Person, body: str,
                        now: datetime | None = None) -> None:
    now = now or utcnow()
    _move(c, Status.AWAITING_INFORMATION)
    stop_clock(c, now)  # paused while we wait for the requester
    urgent.mark_acknowledged(c, psychologist, now)
    thread.add_message(session, c, psychologist, "information_request", body, now)
    reminders.information_asked(session, c, now)
    audit.record(session, "consultation.information_requested", "consultation", c.id)
    thread.tell(session, c.requester_id, c, "The psychologist needs more information",
                "Please answer the question on your request so they can advise you.")


def reply(session: Session, c: Consultation, author: Person, body: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    if is_requester(author, c) and c.status == Status.AWAITING_INFORMATION.value:
        _move(c, Status.ALLOCATED)
        start_clock(c, now)  # the clock runs again from the answer
    if is_allocated_psychologist(author, c):
        urgent.mark_acknowledged(c, author, now)
    thread.add_message(session, c, author, "message", body, now)
    audit.record(session, "consultation.replied", "consultation", c.id)
    for other in guests.others_in_thread(session, c, author):
        thread.tell(session, other, c, "New reply on a consultation", f"{author.name} replied.")


def give_advice(session: Session, c: Consultation, psychologist: Person, body: str,
                now: datetime | None = None, referral_service_id: int | None = None) -> None:
    """Advice, or more of it: after the worker replies to advice, the psychologist may add to it. It may
    recommend a referral to a service in the directory (`referrals`)."""
    now = now or utcnow()
    service = referrals.recommend(session, c, referral_service_id, psychologist, now) \
        if referral_service_id else None
    further = c.status == Status.ADVICE_GIVEN.value
    if not further:
        _move(c, Status.ADVICE_GIVEN)
    stop_clock(c, now)
    urgent.mark_acknowledged(c, psychologist, now)
    c.advice_given_at = c.advice_given_at or now
    c.advice_opened_at = None  # new advice is unread until the worker opens it
    thread.add_message(session, c, psychologist, "advice", body, now)
    reminders.advice_given(session, c, now)
    audit.record(session, "consultation.advice_given", "consultation", c.id)
    thread.tell(session, c.requester_id, c, "More advice is ready" if further else "Advice is ready",
                f"{psychologist.name} has {'added to the' if further else 'written'} advice on your request. It is "
                "advice for you to use: no referral has been made for the person." + referrals.told(service))


def close(session: Session, c: Consultation, psychologist: Person, outcome: str, minutes: int,
          referral_or_signposting: str, now: datetime | None = None, referral_service_id: int | None = None) -> None:
    """Close with an outcome. Never a dead end: without advice, a referral or signposting is required; a
    recommended referral names the service, from the directory or (when it is not listed) in words."""
    now = now or utcnow()
    routed = referral_service_id or referral_or_signposting.strip()
    if c.advice_given_at is None and not routed:
        raise TransitionRefused("No advice has been given, so say where the worker should turn instead: "
                                "a recommended referral or signposting")
    if outcome == "referral_recommended" and not routed:
        raise TransitionRefused("Choose the service to refer to from the directory, or describe the referral "
                                "if the service is not listed")
    service = referrals.recommend(session, c, referral_service_id, psychologist, now)
    _move(c, Status.CLOSED)
    stop_clock(c, now)
    urgent.mark_acknowledged(c, psychologist, now)
    c.closed_at = now
    c.outcome = outcome
    c.minutes_spent = minutes
    c.referral_or_signposting = referral_or_signposting.strip() or None
    thread.event(session, c, f"{psychologist.name} closed this request.", now, by=psychologist)
    audit.record(session, "consultation.closed", "consultation", c.id, outcome=outcome)
    calls.cancel_calls_to_come(session, c, psychologist, "the request is closed.", now)
    to = f" to {service.name}" if service else ""
    referral = (f"The psychologist recommends a referral{to} but has not made it: you make it, with the person's "
                "agreement. " if outcome == "referral_recommended" or service else "")
    thread.tell(session, c.requester_id, c, "Your request has been closed",
                f"{referral}Tell us whether the advice helped: it takes a minute and shapes the service.")


def is_overdue(c: Consultation, now: datetime | None = None) -> bool:
    return c.due_at is not None and c.due_at < (now or utcnow())


# --- Escalating breaches ----------------------------------------------------------

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
        body = (f"The {c.urgency} consultation request {c.reference} was due advice or a request for more "
                f"information by {format_london(c.due_at)} and has had neither.")
        told = thread.tell_each(session, [*leads, *team_leads(session, c.team_id)], c,
                                thread.urgent_title(c, "Reply target missed"), body)
        audit.record(session, "consultation.breach_escalated", "consultation", c.id, told=sorted(p.id for p in told))
    return len(breached)


# --- Formulations on a case -----------------------------------------------------------

def suggest_template(session: Session, c: Consultation, psychologist: Person, version_id: int, title: str,
                     now: datetime | None = None) -> None:
    now = now or utcnow()
    if not c.is_open:
        raise TransitionRefused("This request is closed, so it cannot be changed.")
    thread.add_message(session, c, psychologist, "suggestion",
                       f"I suggest filling in the formulation template **{title}** for this client: "
                       f"[start it here](/formulations/versions/{version_id}/start?case={c.id}).", now)
    audit.record(session, "consultation.template_suggested", "consultation", c.id, version=version_id)
    thread.tell(session, c.requester_id, c, "A formulation template has been suggested",
                f"{psychologist.name} suggests the template '{title}' for this client.")


def notify_about_formulation(session: Session, c: Consultation, formulation, commenter: Person) -> None:
    notify(session, session.get(Person, formulation.author_id), f"New comment on your formulation ({c.reference})",
           f"{commenter.name} commented on your formulation.", link=f"/formulations/{formulation.id}")
