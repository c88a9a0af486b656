"""Consultations: a frontline worker's request, its conversation, calls and close-out."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from core.accounts.models import Organisation, Person, Team
from core.database import Base
from core.timeutil import utcnow
from directory.models import LocalService


class Status(str, enum.Enum):
    RECEIVED = "received"
    ALLOCATED = "allocated"
    AWAITING_INFORMATION = "awaiting_information"
    ADVICE_GIVEN = "advice_given"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "received": "Received", "allocated": "Allocated", "awaiting_information": "Awaiting information",
            "advice_given": "Advice given", "closed": "Closed",
        }[self.value]


# Listed rather than "not closed", so the (status, due_at) index finds open requests without reading closed ones.
OPEN_STATUSES = [s.value for s in Status if s is not Status.CLOSED]


URGENCY = {"urgent": "Urgent – today", "soon": "Soon – within 2 working days", "routine": "Routine – within 5 working days"}
URGENCY_ORDER = {"urgent": 0, "soon": 1, "routine": 2}
# What is kept either way is a pseudonymised reference (and a keyed hash of it), never the person's name:
# without consent the discussion is pseudonymised, not anonymous.
CONSENT = {
    "consented": "The person has consented to me asking for advice",
    "pseudonymised": "I am asking without the person's consent, so I give only a pseudonymised reference and no "
                     "identifying details",
}
NEEDS = {
    "mental_health": "Mental health", "alcohol": "Alcohol", "drugs": "Drugs", "tobacco": "Tobacco",
    "housing": "Housing", "physical_health": "Physical health", "safeguarding": "Safeguarding",
    "children_carers": "Children or carers",
}
RISKS = {
    "suicide_self_harm": "Suicide or self-harm", "intoxication": "Intoxication or overdose",
    "harm_to_others": "Harm to others", "domestic_abuse": "Domestic abuse",
    "child_safeguarding": "Child safeguarding",
}
MODES = {"written": "Written reply", "phone": "Phone call", "video": "Video call", "in_person": "In person"}
OUTCOMES = {
    "advice_only": "Advice only", "formulation_shared": "Formulation shared",
    "joint_working": "Joint working agreed", "referral_recommended": "Referral recommended",
    "referral_avoided": "Referral avoided", "risk_escalated": "Risk escalated",
    "signposted": "Signposted elsewhere",
}


WITHOUT_ADVICE = {
    "secondary_mental_health": "Referred them to secondary mental health care",
    "referred_elsewhere": "Referred them somewhere else", "nothing": "Nothing", "not_sure": "Not sure",
}


def reference_of(consultation_id: int) -> str:
    """How people quote a request: C and six digits."""
    return f"C{consultation_id:06d}"


class Labelled:
    """What a consultation shows of itself, worked out from its id and risks: the same for the model and for a
    row of a list (`Listed`)."""

    @property
    def reference(self) -> str:
        return reference_of(self.id)

    @property
    def risk_list(self) -> list[str]:
        return [r for r in self.risks.split(",") if r]

    @property
    def awaiting_acknowledgement(self) -> bool:
        """An open urgent request nobody has yet said they have."""
        return self.status != Status.CLOSED.value and self.ack_started_at is not None and self.acknowledged_at is None


class Consultation(Labelled, Base):
    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_status_due", "status", "due_at"),
        # Every column the duty queue sorts by: a page of it is chosen from the index alone, and only those 25
        # rows are read (on SQLite another worker's write empties the page cache, so each row read counts;
        # PostgreSQL needs the id in the index to leave the table alone).
        Index("ix_consultations_queue", "status", "immediate_danger", "urgency", "due_at", "id"),
        Index("ix_consultations_requester_created", "requester_id", "created_at"),
        Index("ix_consultations_team_created", "team_id", "created_at"),
        Index("ix_consultations_psychologist_status", "psychologist_id", "status"),
        Index("ix_consultations_client_reference", "organisation_id", "client_reference"),
        Index("ix_consultations_client_key", "organisation_id", "client_key", "created_at"),  # the client's history
        Index("ix_consultations_allocated", "psychologist_id", "allocated_at"),
        # A month's allocations and closures by psychologist (duty hours; the allocation's fair share), from the index
        # alone.
        Index("ix_consultations_allocated_month", "allocated_at", "psychologist_id"),
        Index("ix_consultations_closed_by", "closed_at", "psychologist_id", "minutes_spent"),
        # The reach dashboard counts requests raised and closed in a period: these cover every column its
        # figures read, so a year of requests is read from the index alone.
        Index("ix_consultations_reach_raised", "created_at", "organisation_id", "team_id", "requester_id",
              "client_key", "urgency", "first_response_at", "advice_given_at", "closed_at", "due_at",
              "used_seconds", "target_seconds"),
        # With the id, PostgreSQL reads closed requests and joins their surveys from the index alone.
        Index("ix_consultations_reach_closed", "closed_at", "organisation_id", "team_id", "outcome", "minutes_spent",
              "id"),
        # The safety sweep finds urgent requests whose acknowledgement is due from this alone.
        Index("ix_consultations_ack_due", "ack_due_at"),
        Index("ix_consultations_exclusions", "created_at", "organisation_id", "team_id", "excluded_by",
              "exclusion_reason"),
        # What workers need to learn: a day's requests' needs and risks, rolled up or worked out afresh, from the
        # index alone (with the id to join their surveys).
        Index("ix_consultations_learning", "created_at", "organisation_id", "presenting_needs", "risks", "id"),
        # Time to acknowledge urgent requests, on the dashboard, read from the index alone.
        Index("ix_consultations_reach_acknowledged", "urgency", "created_at", "organisation_id", "team_id",
              "ack_started_at", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    client_reference: Mapped[str] = mapped_column(String(40))
    client_key: Mapped[str | None] = mapped_column(String(64))  # identifiers.client_key: survives retention
    consent_basis: Mapped[str] = mapped_column(String(20))
    presenting_needs: Mapped[str] = mapped_column(String(200))  # comma-separated NEEDS keys
    use_and_mental_health: Mapped[str] = mapped_column(Text)  # the PHE key question
    tried_so_far: Mapped[str] = mapped_column(Text, default="")
    care_coordinator: Mapped[str] = mapped_column(String(200), default="")
    risks: Mapped[str] = mapped_column(String(200), default="")  # comma-separated RISKS keys
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(10))
    preferred_mode: Mapped[str] = mapped_column(String(10))
    question: Mapped[str] = mapped_column(Text)
    continuity_psychologist_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    status: Mapped[str] = mapped_column(String(24), default=Status.RECEIVED.value)
    psychologist_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    allocated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The response clock: working seconds allowed, used so far, and when it last started.
    target_seconds: Mapped[int] = mapped_column(Integer)
    used_seconds: Mapped[int] = mapped_column(Integer, default=0)
    clock_started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    advice_given_at: Mapped[datetime | None]
    breach_escalated_at: Mapped[datetime | None]
    # The acknowledgement clock of an urgent request, in wall-clock time: started when someone is (or next will
    # be) on duty, due URGENT_ACK_MINUTES later; each missed step tells more people (`escalation_step` so far).
    ack_started_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    escalation_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    awaiting_since: Mapped[datetime | None]  # when the psychologist last asked for more information
    advice_opened_at: Mapped[datetime | None]  # when the requester first opened the request after advice
    check_back_due_at: Mapped[datetime | None]  # when the requester is asked how the client is getting on
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(30))
    minutes_spent: Mapped[int | None]
    referral_or_signposting: Mapped[str | None] = mapped_column(Text)
    # The service in the directory the psychologist recommends referring to (the worker makes the referral).
    referral_service_id: Mapped[int | None] = mapped_column(ForeignKey("local_services.id"), index=True)
    excluded_by: Mapped[str | None] = mapped_column(String(20))  # a kind of service that recently turned them away
    exclusion_reason: Mapped[str | None] = mapped_column(String(24))
    details_removed_at: Mapped[datetime | None]  # past its retention period: free text and messages removed

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id], lazy="raise_on_sql")
    psychologist: Mapped[Person | None] = relationship(foreign_keys=[psychologist_id], lazy="raise_on_sql")
    acknowledged_by: Mapped[Person | None] = relationship(foreign_keys=[acknowledged_by_id], lazy="raise_on_sql")
    organisation: Mapped[Organisation] = relationship(lazy="raise_on_sql")
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    referral_service: Mapped[LocalService | None] = relationship(lazy="raise_on_sql")
    # Worked out with the request's page (views._thread_query), never stored: whether colleagues from other
    # organisations are in it, and the reader's access grant in force. None when not asked for.
    has_guests: Mapped[bool | None] = query_expression()
    grant_id: Mapped[int | None] = query_expression()

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.presenting_needs.split(",") if n]

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED.value



@dataclass(frozen=True)
class Listed(Labelled):
    """A consultation as a row of a list shows it, with the names of who asked, who holds it and their team.
    Plain values rather than the model: making 25 consultations and their people into tracked objects cost
    more than the database took to find them."""
    id: int
    client_reference: str
    urgency: str
    risks: str
    immediate_danger: bool
    status: str
    outcome: str | None
    due_at: datetime | None
    ack_started_at: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    escalation_step: int
    requester_name: str
    psychologist_name: str | None
    team_name: str | None
    in_full: bool  # whether the reader may see it in full (consult.access), or only its summary


class Message(Base):
    """One entry in a consultation's conversation."""

    __tablename__ = "consultation_messages"
    __table_args__ = (Index("ix_consultation_messages_consultation", "consultation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # none: the service itself (a sweep)
    kind: Mapped[str] = mapped_column(String(20))  # message, information_request, advice, suggestion, event,
    # clinic (a case clinic's recommendations)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="raise_on_sql")


class CloseOutSurvey(Base):
    __tablename__ = "consultation_surveys"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    useful: Mapped[str] = mapped_column(String(10))
    more_confident: Mapped[str] = mapped_column(String(10))
    # The worker's side of the outcome: what they would have done without the advice (WITHOUT_ADVICE), and how
    # confident they felt before asking and feel now, 1 to 5. Empty on surveys answered before they were asked.
    without_advice: Mapped[str | None] = mapped_column(String(24))
    confidence_before: Mapped[int | None] = mapped_column(Integer)
    confidence_now: Mapped[int | None] = mapped_column(Integer)
    what_happened_next: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


ACTION_OWNERS = {
    "worker": "The worker", "team": "The worker's team", "client": "The client, with the worker's support",
    "psychologist": "The psychologist",
}


class AgreedAction(Base):
    """Something the advice agreed someone would do, and by when. The worker ticks it off; until then it shows on
    their page and their team lead's, so an agreed step is not lost once the thread is closed."""

    __tablename__ = "consultation_actions"
    __table_args__ = (Index("ix_consultation_actions_consultation", "consultation_id", "done_at"),
                      Index("ix_consultation_actions_overdue", "done_at", "reminded_at", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(12))  # ACTION_OWNERS
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reminded_at: Mapped[datetime | None]  # the worker told, once, that its date has passed


class ConsultationGuest(Base):
    """A colleague from another organisation of the partnership (a care coordinator, a hostel keyworker) invited
    into one consultation: they see its thread and reply to it, until removed."""

    __tablename__ = "consultation_guests"
    __table_args__ = (UniqueConstraint("consultation_id", "person_id", name="uq_consultation_guests_person"),
                      Index("ix_consultation_guests_person", "person_id", "removed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(100))  # their part in the person's care, like "care coordinator"
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="raise_on_sql")


class Snippet(Base):
    """A paragraph a psychologist saved to put into advice again (signposting, harm reduction): their own."""

    __tablename__ = "advice_snippets"
    __table_args__ = (Index("ix_advice_snippets_owner", "owner_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


CALL_MODES = {"phone": "Phone call", "video": "Video call", "in_person": "In person"}


class CallSlot(Base):
    """A call the psychologist booked with the worker; both see it, and a missed one is followed up."""

    __tablename__ = "consultation_calls"
    __table_args__ = (Index("ix_consultation_calls_consultation", "consultation_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="booked")  # booked, attended, missed
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sequence: Mapped[int] = mapped_column(Integer, default=0)


FOLLOW_UP_KINDS = {"missed_call": "Call with the psychologist missed", "re_engage": "Client missing appointments"}


class FollowUp(Base):
    """Work for the requester's team: rebooking a call with the psychologist that was missed, or agreeing a plan
    to re-engage a client who is missing appointments (NICE QS188 statement 4)."""

    __tablename__ = "consultation_follow_ups"
    __table_args__ = (Index("ix_consultation_follow_ups_team_open", "team_id", "done_at"),
                      Index("ix_consultation_follow_ups_kind_created", "kind", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="missed_call", server_default="missed_call")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_calls.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    consultation: Mapped[Consultation] = relationship(lazy="raise_on_sql")


class ReminderKind(str, enum.Enum):
    """The nudges that keep a request from stalling, each due at a time and sent once."""
    AWAITING_REQUESTER = "awaiting_requester"  # the worker has not answered the psychologist's question
    AWAITING_ESCALATION = "awaiting_escalation"  # still not: the psychologist and the team lead are told
    ADVICE_UNREAD = "advice_unread"  # advice given, not yet opened by the worker
    CHECK_BACK = "check_back"  # how is the client getting on since the advice?


class Reminder(Base):
    """A reminder due about a consultation. `since` is when the state it is about began (the question asked,
    the advice given): a reminder whose state has since ended or begun again is dropped, not sent."""

    __tablename__ = "consultation_reminders"
    __table_args__ = (Index("ix_consultation_reminders_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime]
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))  # sent, or dropped (no longer needed)

    consultation: Mapped[Consultation] = relationship(lazy="raise_on_sql")


CHECK_BACK_TRIED = {"yes": "Yes", "partly": "Partly", "no": "Not yet"}
CHECK_BACK_ENGAGED = {"yes": "Yes", "partly": "On and off", "no": "No", "not_seen": "I have not seen them"}


class CheckBack(Base):
    """The worker's answer, some days after the advice, about how the client is getting on."""

    __tablename__ = "consultation_check_backs"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    tried: Mapped[str] = mapped_column(String(10))
    engaged: Mapped[str] = mapped_column(String(10))
    missed_appointments: Mapped[bool] = mapped_column(Boolean)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))


class Hold(Base):
    """A psychologist has held this request (now or before): they keep seeing it in full."""

    __tablename__ = "consultation_holds"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    psychologist_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                                 index=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)


ACCESS_REASONS = {
    "covering": "Covering for a colleague",
    "lead_review": "Lead review",
    "asked_to_help": "The psychologist holding it asked me to help",
    "safeguarding": "A safeguarding concern",
    "other": "Another reason",
}


class AccessGrant(Base):
    """A psychologist not involved in a request said why they needed to see it ("break glass"); for some hours
    they may, and every view in that time is audited with the grant. Lead psychologists review these."""

    __tablename__ = "consultation_access_grants"
    __table_args__ = (Index("ix_consultation_access_grants_person", "person_id", "consultation_id", "expires_at"),
                      Index("ix_consultation_access_grants_granted", "granted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))  # ACCESS_REASONS
    details: Mapped[str] = mapped_column(Text, default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    consultation: Mapped[Consultation] = relationship(lazy="raise_on_sql")


class AllocationDecision(Base):
    """Why a request went to whom: the candidates and their figures, for the lead psychologist."""

    __tablename__ = "allocation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    chosen_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # How it was placed: "continuity" (the psychologist who advised before), "duty" (fair share among those on
    # duty), "waiting" (nobody could take it), "hand_over" (its holder went on leave or left).
    route: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    candidates_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
