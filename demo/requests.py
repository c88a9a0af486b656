"""A few weeks of consultation requests from every kind of service, in every state: closed with advice and a
survey, closed with a referral recommended, advice waiting to be read, a question waiting for the worker, a
call booked, a missed call followed up, one with immediate danger handled at once, and one waiting for the
next duty. Each story is told through the services at its own times."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import actions, calls, follow_ups, services
from consult.models import CloseOutSurvey, Consultation
from core.accounts.models import Person
from core.timeutil import LONDON, as_utc
from directory.models import LocalService
from formulations.models import TemplateVersion
from formulations.services import save_answers, start_formulation


@dataclass
class Story:
    worker: str
    days_ago: int  # counted back in working days, so every request was raised on a working day
    at: str  # London wall-clock time it was raised
    reference: str
    needs: list[str]
    use: str
    question: str
    risks: list[str] = field(default_factory=list)
    urgency: str = "soon"
    mode: str = "written"
    danger: bool = False
    tried: str = ""
    steps: list[tuple] = field(default_factory=list)  # (hours after raising, what happens, details...)
    excluded: tuple[str, str] | None = None  # recently turned away: (kind of service, the reason given)


STORIES = [
    Story("keyworker@example.org", 18, "10:15", "RDA-0412", ["mental_health", "alcohol"],
          "Drinking quietens the voices at night; mornings are the hardest and she misses her script pick-ups.",
          "How do I talk with her about mornings without her feeling judged?", risks=["suicide_self_harm"],
          tried="Moved appointments to the afternoon.",
          steps=[(1, "advice", "Start from what the drink does for her: it sounds like it is her way of getting "
                               "through the night. Ask what mornings are like before asking about drinking.\n\n"
                               "- Agree one small morning routine together\n- Keep the afternoon slot\n"
                               "- Ask the GP to review her sleep"),
                 (1.1, "action", "agree one small morning routine together", "client", 5, True),
                 (1.2, "action", "ask the GP to review her sleep", "worker", 10, False),
                 (26, "close", "advice_only", 35, ""), (30, "survey", "yes", "yes", "We agreed a morning plan."),
                 (30, "formulation", "What helps, what hinders: substance use and mental health")]),
    Story("pharmacist@example.org", 15, "11:40", "PH-2291", ["drugs", "mental_health"],
          "Comes for supervised methadone daily. Very anxious at the counter, sometimes leaves before dosing.",
          "What can we change at the counter so he can stay long enough to be dosed?", urgency="routine",
          steps=[(2, "info", "Does he leave when the queue is long, or at particular times of day?"),
                 (20, "reply", "Mostly lunchtime when it is busy. Mornings before ten are fine."),
                 (23, "advice", "Offer the quiet time before ten as his regular slot, and let him wait outside "
                                "until called. Naming the anxiety kindly (\"it looks like waiting is hard\") "
                                "often helps more than reassurance."),
                 (50, "close", "referral_avoided", 25, ""), (55, "survey", "yes", "yes", "")]),
    Story("needle.exchange@example.org", 12, "14:05", "NSP-0118", ["drugs", "mental_health", "housing"],
          "Injecting more since losing his room. Talks about not caring what happens to him.",
          "Is this something I should escalate, and how do I ask about it?", risks=["suicide_self_harm"],
          urgency="soon", mode="phone",
          steps=[(0.5, "pass", "psychologist@example.org", "Dr Hale leads on safeguarding for the partnership."),
                 (1, "call", 20, "phone", "missed"),
                 (22, "advice", "Ask directly and calmly about suicide: asking does not put the idea in his head. "
                                "If he has a plan or intent, follow your service's safeguarding route today. "
                                "Otherwise agree a safety plan and who he can call at night.")]),
    Story("outreach@example.org", 9, "09:30", "HO-0733", ["alcohol", "housing", "physical_health"],
          "Sleeping rough for three months. Refused by the hostel after being intoxicated at assessment.",
          "The hostel says she must be sober to be assessed. What can I ask for instead?", urgency="soon",
          tried="Two attempts at assessment; both refused.", excluded=("housing", "intoxicated"),
          steps=[(3, "advice", "Ask the hostel for an assessment at a time she is least intoxicated (often "
                               "mid-morning), with you there. Intoxication is a reason to adapt, not to exclude."),
                 (28, "close", "referral_recommended", 30,
                  "Ask for a joint assessment with the hostel.", "Brighton and Hove Community Mental Health Team")]),
    Story("keyworker@example.org", 6, "13:20", "RDA-0530", ["mental_health", "drugs", "children_carers"],
          "Using crack at weekends; her children stay with her mother then. Very low in the week.",
          "How do I balance her mood with the safeguarding questions?", risks=["child_safeguarding"],
          excluded=("mental_health", "not_severe_enough"),
          steps=[(2, "advice", "Be open that you have to think about the children with her, not about her. "
                               "Ask what a good week looks like for her and the children."),
                 (30, "close", "joint_working", 40, ""), (31, "survey", "partly", "yes", "")]),
    Story("teamlead@example.org", 5, "10:00", "RDA-0609", ["mental_health", "alcohol"],
          "He told reception he has pills saved up and plans to take them tonight.",
          "He says he will take an overdose tonight. What do we do now?", risks=["suicide_self_harm"],
          danger=True, urgency="urgent",
          steps=[(0.2, "advice", "Call 999 now if he is still with you and at risk. Stay with him, remove the "
                                 "pills if he agrees, and tell the crisis team."),
                 (4, "close", "risk_escalated", 20, "")]),
    Story("pharmacist@example.org", 3, "15:30", "PH-2304", ["alcohol", "mental_health"],
          "Buys cough medicine most days and says it helps her sleep. Seems low.",
          "How do I raise this without her going to another pharmacy?", urgency="routine",
          steps=[(20, "advice", "Start with sleep, which she has raised herself. Ask what the nights are like, "
                                "and offer to talk it through with her GP.")]),
    Story("outreach@example.org", 2, "11:10", "HO-0741", ["mental_health", "drugs"],
          "Hears voices telling him to stay away from people. Uses spice daily.",
          "How can I keep in touch with him when he avoids everyone?", urgency="soon",
          # Passed on whoever was on duty, so each psychologist holds an open request whatever the day.
          steps=[(0.5, "pass", "psychologist2@example.org", "Dr Rahman knows him from the outreach clinic."),
                 (3, "info", "When he does talk to you, where is he and what is happening?")]),
    Story("keyworker@example.org", 1, "10:45", "RDA-0412", ["mental_health", "alcohol"],
          "Mornings are a little better; she is drinking earlier in the afternoon now.",
          "Can we talk this through by phone with her care coordinator?", mode="phone",
          steps=[(1, "call", "tomorrow", "phone", None)]),
    Story("outreach@example.org", 1, "21:30", "HO-0752", ["alcohol", "mental_health"],
          "Came to the night shelter very distressed after a fight; drinking heavily since his brother died.",
          "How can I support him with grief when he is drinking this much?", urgency="routine"),
    Story("needle.exchange@example.org", 0, "now", "NSP-0126", ["drugs", "physical_health"],
          "Abscess on his arm he will not get looked at. Says hospitals treat him badly.",
          "How do I encourage him to get the abscess seen?", urgency="soon"),
]


def _working_day_back(today, days: int):
    day = today
    while days > 0 or day.weekday() >= 5:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _raised_at(story: Story, now: datetime) -> datetime:
    if story.at == "now":
        return now - timedelta(minutes=20)
    hours, minutes = (int(part) for part in story.at.split(":"))
    day = _working_day_back(now.astimezone(LONDON).date(), story.days_ago)
    return as_utc(datetime.combine(day, time(hours, minutes), LONDON))


def _request_data(story: Story) -> dict:
    return {"client_reference": story.reference, "consent_basis": "consented", "presenting_needs": story.needs,
            "use_and_mental_health": story.use, "tried_so_far": story.tried, "care_coordinator": "",
            "risks": story.risks, "immediate_danger": story.danger, "urgency": story.urgency,
            "preferred_mode": story.mode, "question": story.question, "continuity": "same",
            "excluded_by": story.excluded[0] if story.excluded else None,
            "exclusion_reason": story.excluded[1] if story.excluded else None}


def _holder(session: Session, c: Consultation, people: dict, when: datetime) -> Person:
    if c.psychologist_id is None:
        services.take(session, c, people["psychologist2@example.org"], when)
    return session.get(Person, c.psychologist_id)


def _next_working_morning(now: datetime) -> datetime:
    day = now.astimezone(LONDON).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return as_utc(datetime.combine(day, time(11, 0), LONDON))


def _step(session: Session, c: Consultation, people: dict, worker: Person, when: datetime, now: datetime,
          what: str, *details) -> None:
    if what == "info":
        services.ask_for_information(session, c, _holder(session, c, people, when), details[0], when)
    elif what == "reply":
        services.reply(session, c, worker, details[0], when)
    elif what == "advice":
        services.give_advice(session, c, _holder(session, c, people, when), details[0], when)
    elif what == "pass":
        to, reason = people[details[0]], details[1]
        holder = _holder(session, c, people, when)
        if holder.id != to.id:
            services.reassign(session, c, holder, to, reason, when)
    elif what == "action":
        text, owner, due_in_days, done = details
        holder = _holder(session, c, people, when)
        action = actions.agree(session, c, holder, text, owner, (when + timedelta(days=due_in_days)).date(), when)
        if done:
            actions.tick(session, c, action, worker, True, when + timedelta(days=due_in_days - 1))
    elif what == "close":
        outcome, minutes, signposting, *service = details  # and the service in the directory recommended
        referred = session.scalar(select(LocalService.id).where(LocalService.name == service[0])) if service else None
        services.close(session, c, _holder(session, c, people, when), outcome, minutes, signposting, when,
                       referral_service_id=referred)
    elif what == "survey":
        useful, confident, next_ = details
        session.add(CloseOutSurvey(consultation_id=c.id, useful=useful, more_confident=confident,
                                   what_happened_next=next_, submitted_at=when))
    elif what == "call":
        starts_in, mode, outcome = details
        starts = _next_working_morning(now) if starts_in == "tomorrow" else when + timedelta(hours=starts_in)
        holder = _holder(session, c, people, when)
        call = calls.book_call(session, c, holder, starts, mode, when)
        if outcome is not None:
            calls.mark_call(session, c, call, holder, outcome == "attended", starts + timedelta(minutes=30))
    elif what == "formulation":
        version = session.scalar(select(TemplateVersion).where(TemplateVersion.title == details[0]))
        formulation = start_formulation(session, worker, version, c.id, when)
        answers = [[f"Talked through with {c.client_reference} on {when.astimezone(LONDON):%-d %B}." if i == 0
                    else "" for i, _ in enumerate(section["prompts"])] for section in version.sections]
        save_answers(session, formulation, worker, answers, when + timedelta(minutes=25))


def seed(session: Session, people: dict, now: datetime) -> None:
    for story in sorted(STORIES, key=lambda s: _raised_at(s, now)):
        raised = _raised_at(story, now)
        worker = people[story.worker]
        c = services.raise_request(session, worker, _request_data(story), raised)
        for hours, what, *details in story.steps:
            when = raised + timedelta(hours=hours)
            if when < now:
                _step(session, c, people, worker, when, now, what, *details)
        session.flush()
    # A worker checks back on advice given a fortnight ago and says the client has been missing appointments.
    older = session.scalar(select(Consultation).where(Consultation.client_reference == "PH-2291"))
    follow_ups.check_back(session, older, people["pharmacist@example.org"],
                          {"tried": "yes", "engaged": "partly", "missed_appointments": True,
                           "next_steps": "Keep the early slot; ask the prescriber to review."},
                          now - timedelta(hours=3))
