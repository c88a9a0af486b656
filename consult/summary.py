"""The advice summary for the worker's own case notes: one page, as a PDF and as plain text to paste into
their case management system.

It carries what the notes need and nothing the platform alone knows: the references, the question, the advice
(each part, by whom and when), the agreed actions, any referral or signposting, and what to do if things get
worse. The PDF is drawn by WeasyPrint from an HTML page, fetching nothing from outside it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.timeutil import format_day, format_london
from directory.models import LocalService
from directory.services import route_lines

from . import thread
from .actions import of_request
from .models import ACTION_OWNERS, OUTCOMES, AgreedAction, Consultation

IF_THINGS_GET_WORSE = [
    "Call 999 if anyone's life is at risk or they are seriously hurt.",
    "For a mental health crisis, call the local crisis line or NHS 111 and choose option 2.",
    "Tell your safeguarding lead today about any risk to a child or adult.",
    "For a new or changed concern, raise a new request for consultation (urgent if it cannot wait), quoting "
    "{reference}. This is not a crisis service: do not wait for a reply when someone is at risk now.",
]
RESPONSIBILITY = ("This is advice for the worker to use. No referral has been made by the psychologist: if a "
                  "referral is advised, the worker makes it, with the person's agreement. The worker's service keeps "
                  "responsibility for the person's care.")


@dataclass(frozen=True)
class AdvicePart:
    author: str
    at: datetime
    body: str


@dataclass(frozen=True)
class AdviceSummary:
    c: Consultation
    advice: list[AdvicePart]
    actions: list[AgreedAction]
    made_at: datetime
    referral: LocalService | None = None  # the service in the directory recommended

    @property
    def route(self) -> list[str]:
        return route_lines(self.referral) if self.referral else []

    @property
    def worse(self) -> list[str]:
        return [line.format(reference=self.c.reference) for line in IF_THINGS_GET_WORSE]

    @property
    def outcome(self) -> str | None:
        return OUTCOMES.get(self.c.outcome or "")


def advice_summary(session: Session, c: Consultation, now: datetime) -> AdviceSummary | None:
    """The summary of a request's advice, or None while it has none."""
    advice = [AdvicePart(m.author.name if m.author else "The service", m.created_at, m.body)
              for m in thread.advice(session, c.id)]
    if not advice:
        return None
    referral = session.get(LocalService, c.referral_service_id) if c.referral_service_id else None
    return AdviceSummary(c, advice, of_request(session, c.id), now, referral)


def action_line(action: AgreedAction) -> str:
    by_when = f", by {format_day(action.due_on)}" if action.due_on else ""
    done = f" (done {format_london(action.done_at, with_time=False)})" if action.done_at else ""
    return f"{ACTION_OWNERS[action.owner]}: {action.what}{by_when}{done}"


def as_text(summary: AdviceSummary) -> str:
    """Plain text, wrapped by nothing, for pasting into another system's notes box."""
    c = summary.c
    lines = [f"Advice summary: consultation {c.reference}, client {c.client_reference}",
             f"Asked by {c.requester.name}, {c.organisation.name}, on {format_london(c.created_at)}",
             "", "QUESTION", c.question.strip(), ""]
    for part in summary.advice:
        lines += [f"ADVICE from {part.author}, {format_london(part.at)}", part.body.strip(), ""]
    if summary.actions:
        lines += ["AGREED ACTIONS", *(f"- {action_line(a)}" for a in summary.actions), ""]
    if summary.route:
        lines += ["REFERRAL RECOMMENDED (the worker makes it, with the person's agreement)", *summary.route, ""]
    if c.referral_or_signposting:
        lines += ["REFERRAL OR SIGNPOSTING RECOMMENDED", c.referral_or_signposting.strip(), ""]
    if summary.outcome:
        lines += [f"Outcome: {summary.outcome}", ""]
    lines += ["IF THINGS GET WORSE", *(f"- {line}" for line in summary.worse), "", RESPONSIBILITY, "",
              f"Summary made {format_london(summary.made_at)}."]
    return "\n".join(lines) + "\n"

