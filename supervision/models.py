"""Reflective practice and case clinics: group series, their sessions (real rows), bookings and the waitlist, and
the cases workers offer to a clinic."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow

BOOKED, WAITLISTED, OFFERED, CANCELLED = "booked", "waitlisted", "offered", "cancelled"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
# An offered seat is held for one person until the offer expires, so it counts against the capacity.
HOLDING_SEAT = (BOOKED, OFFERED)
# The longest a session may run. Lists of sessions still to finish look back only this far from now, so they
# read the few sessions ahead through the start-time index rather than every past session.
LONGEST_SESSION_MINUTES = 480


class SeriesKind(enum.StrEnum):
    REFLECTIVE_PRACTICE = "reflective_practice"
    CASE_CLINIC = "case_clinic"  # workers present cases to a psychologist-led group, and get recommendations


class GroupSeries(Base):
    __tablename__ = "group_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=SeriesKind.REFLECTIVE_PRACTICE,
                                      server_default=SeriesKind.REFLECTIVE_PRACTICE)
    case_slots: Mapped[int | None] = mapped_column(Integer)  # a case clinic's cases per session: 1 or 2
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)  # "your groups" looks it up
    # Who the group is for: one team; everyone at one organisation (no team); or, with neither, the whole
    # partnership (groups a psychologist runs for staff of several services).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # Neither an organisation nor a team, but several organisations, listed in group_series_organisations.
    for_chosen_organisations: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    open_round: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(40), default="Europe/London")
    # Recurrence: weekly every N weeks on a weekday, or monthly on the Nth weekday (N = -1 for the last).
    frequency: Mapped[str] = mapped_column(String(10))  # weekly, monthly
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    weekday: Mapped[int] = mapped_column(Integer)
    nth: Mapped[int | None] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    minutes: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    session_count: Mapped[int | None] = mapped_column(Integer)
    booking_cutoff_hours: Mapped[int] = mapped_column(Integer, default=2)
    cancellation_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    facilitator: Mapped[Person] = relationship(foreign_keys=[facilitator_id], lazy="raise_on_sql")


class SeriesMember(Base):
    """Named members of a closed group."""

    __tablename__ = "group_series_members"

    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)


class SeriesOrganisation(Base):
    """An organisation a group for chosen organisations is open to."""

    __tablename__ = "group_series_organisations"
    __table_args__ = (Index("ix_group_series_organisations_organisation", "organisation_id", "series_id"),)

    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)


class GroupSession(Base):
    __tablename__ = "group_sessions"
    __table_args__ = (
        UniqueConstraint("series_id", "occurrence", name="uq_group_sessions_occurrence"),
        Index("ix_group_sessions_starts", "starts_at"),
        Index("ix_group_sessions_held", "starts_at", "status", "series_id"),  # facilitation by month, index alone
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id", ondelete="CASCADE"), index=True)
    occurrence: Mapped[date] = mapped_column(Date)  # the date the rule gave it, kept when the session is moved
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    change_note: Mapped[str | None] = mapped_column(String(300))  # why it was moved or cancelled, for attendees
    teaching_topic: Mapped[str] = mapped_column(String(200), default="", server_default="")  # a clinic's short talk
    teaching_presenter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    series: Mapped[GroupSeries] = relationship(lazy="raise_on_sql")


class Booking(Base):
    __tablename__ = "group_bookings"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id", name="uq_group_bookings_person"),
        Index("ix_group_bookings_session_status", "session_id", "status", "created_at"),
        Index("ix_group_bookings_person", "person_id", "status"),
        Index("ix_group_bookings_offers", "status", "offer_expires_at"),
        Index("ix_group_bookings_reach", "session_id", "attendance", "person_id"),  # the dashboard's attendance
        Index("ix_group_bookings_attended_by", "person_id", "attendance", "session_id"),  # and whether someone did
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(12))  # booked, waitlisted, offered, cancelled
    offer_expires_at: Mapped[datetime | None]  # an offered seat passes on to the next person after this
    attendance: Mapped[str | None] = mapped_column(String(10))  # attended, absent: marked by the facilitator
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The reminder already sent, as hours before the start it was for; a moved session starts afresh.
    reminded_hours: Mapped[int | None] = mapped_column(Integer)
    reminded_for: Mapped[datetime | None]
    # None, "invited" or "answered". No time is kept, so the answer cannot be matched back to the person.
    evaluation: Mapped[str | None] = mapped_column(String(10))

    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    session: Mapped[GroupSession] = relationship(lazy="raise_on_sql")


class SessionNotes(Base):
    """The facilitator's private reflective notes, and the themes shared with the team leads."""

    __tablename__ = "group_session_notes"
    __table_args__ = (Index("ix_group_session_notes_updated", "updated_at"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    private_notes: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evaluation(Base):
    """An anonymous answer: no person, no time, and a random id so row order says nothing either."""

    __tablename__ = "group_evaluations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    helpful: Mapped[str] = mapped_column(String(10))  # yes, partly, no
    come_again: Mapped[str] = mapped_column(String(10))  # yes, maybe, no
    takeaway: Mapped[str] = mapped_column(Text, default="")
    # A case clinic also asks, ECHO-style: how confident were you before, and now (1 to 5)? What will you do
    # differently?
    confidence_before: Mapped[int | None] = mapped_column(Integer)
    confidence_after: Mapped[int | None] = mapped_column(Integer)
    do_differently: Mapped[str] = mapped_column(Text, default="", server_default="")


class CaseStatus(enum.StrEnum):
    OFFERED = "offered"
    CHANGES_ASKED = "changes_asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    PRESENTED = "presented"
    RECOMMENDATIONS_SENT = "recommendations_sent"


# Cases the facilitator still has to decide on, and cases holding a slot.
AWAITING_REVIEW = (CaseStatus.OFFERED,)
IN_A_SLOT = (CaseStatus.ACCEPTED, CaseStatus.PRESENTED, CaseStatus.RECOMMENDATIONS_SENT)


class ClinicCase(Base):
    """A case a worker offers to a case clinic session: the consultation form's prompts, pseudonymised. Only an
    accepted case holds a slot, and the unique index keeps one case to a slot whatever happens at once."""

    __tablename__ = "clinic_cases"
    __table_args__ = (
        UniqueConstraint("session_id", "slot", name="uq_clinic_cases_slot"),
        Index("ix_clinic_cases_session_status", "session_id", "status"),
        Index("ix_clinic_cases_presenter", "presenter_id", "created_at"),
        Index("ix_clinic_cases_exclusions", "created_at", "excluded_by", "exclusion_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    presenter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"),
                                                        index=True)
    status: Mapped[str] = mapped_column(String(24), default=CaseStatus.OFFERED)
    slot: Mapped[int | None] = mapped_column(Integer)  # set only while accepted, presented or followed up
    client_reference: Mapped[str] = mapped_column(String(40))
    use_and_mental_health: Mapped[str] = mapped_column(Text)  # the PHE key question
    tried_so_far: Mapped[str] = mapped_column(Text, default="")
    question_for_group: Mapped[str] = mapped_column(Text)
    excluded_by: Mapped[str | None] = mapped_column(String(20))  # as on the request form (consult.exclusions)
    exclusion_reason: Mapped[str | None] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text, default="")  # what attendees see, as the facilitator approved it
    review_note: Mapped[str] = mapped_column(Text, default="")  # the changes asked for, or why it was declined
    suggestion: Mapped[str] = mapped_column(Text, default="")  # with a decline: where else to take it
    recommendations: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown, after the session
    recommendations_sent_at: Mapped[datetime | None]
    review_reminded_at: Mapped[datetime | None]  # the facilitator reminded, before the session, to decide
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("clinic_cases.id", ondelete="SET NULL"),
                                                        index=True)  # "how did it go?" at a later session
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    presenter: Mapped[Person] = relationship(lazy="raise_on_sql")
    session: Mapped[GroupSession] = relationship(lazy="raise_on_sql")
