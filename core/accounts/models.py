"""Organisations, teams, people and the records that let them sign in."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base
from ..timeutil import utcnow


class ServiceType(str, enum.Enum):
    MENTAL_HEALTH = "mental_health"
    DRUG_AND_ALCOHOL = "drug_and_alcohol"
    COMMUNITY_PHARMACY = "community_pharmacy"
    NEEDLE_AND_SYRINGE = "needle_and_syringe"
    HOUSING = "housing"
    PRIMARY_CARE = "primary_care"
    CRIMINAL_JUSTICE = "criminal_justice"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SERVICE_TYPE_LABELS[self]


SERVICE_TYPE_LABELS = {
    ServiceType.MENTAL_HEALTH: "Mental health",
    ServiceType.DRUG_AND_ALCOHOL: "Drug and alcohol",
    ServiceType.COMMUNITY_PHARMACY: "Community pharmacy",
    ServiceType.NEEDLE_AND_SYRINGE: "Needle and syringe programme",
    ServiceType.HOUSING: "Housing and homelessness",
    ServiceType.PRIMARY_CARE: "Primary care",
    ServiceType.CRIMINAL_JUSTICE: "Criminal justice",
    ServiceType.OTHER: "Other",
}


class Role(str, enum.Enum):
    FRONTLINE = "frontline"
    PSYCHOLOGIST = "psychologist"
    TEAM_LEAD = "team_lead"
    LEAD_PSYCHOLOGIST = "lead_psychologist"
    ADMIN = "admin"
    COMMISSIONER = "commissioner"  # read-only: the reach dashboard's aggregate figures, never client-level detail

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.FRONTLINE: "Frontline worker",
    Role.PSYCHOLOGIST: "Psychologist",
    Role.TEAM_LEAD: "Team lead",
    Role.LEAD_PSYCHOLOGIST: "Lead psychologist",
    Role.ADMIN: "Admin",
    Role.COMMISSIONER: "Commissioner",
}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    service_type: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(
        back_populates="organisation", order_by="Team.name", lazy="raise_on_sql"
    )

    @property
    def service_type_label(self) -> str:
        return ServiceType(self.service_type).label


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_teams_organisation_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A removed team is offered nowhere, but its past requests and groups keep its name.
    removed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="teams", lazy="raise_on_sql")


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class TeamMembership(Base):
    """A person belongs to a team; a team lead leads the teams they belong to."""

    __tablename__ = "team_memberships"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    professional_registration: Mapped[str | None] = mapped_column(String(100))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]

    # "unnested": reached through an outer join (a consultation's psychologist, say) this stays a flat
    # LEFT OUTER JOIN; the nested form "LEFT JOIN (people JOIN organisations)" made SQLite build the whole
    # people-by-organisation join for every list (15 ms of the duty queue's 33).
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin="unnested")
    # Loaded on first use, not with every person: the signed-in person's roles are loaded with them (see
    # sessions.load_person) and lists that show roles ask for them, so pages that only show names stay lean.
    role_rows: Mapped[list[PersonRole]] = relationship(cascade="all, delete-orphan", order_by=PersonRole.role)
    teams: Mapped[list[Team]] = relationship(secondary="team_memberships", order_by=Team.name)

    # Flask-Login: the signed-in session this request belongs to (set by the loader).
    sign_in = None
    # The signed-in person's roles as their sign-in found them (sessions.load_person), so the check before
    # every page loads no role rows; set_roles clears it when it changes them.
    signed_in_roles = None  # a frozenset of role values once signed in
    # How many of their notifications are unread, counted in the same statement as the sign-in (the header
    # shows it on every page).
    unread_notifications = 0

    @property
    def roles(self) -> set[str]:
        if self.signed_in_roles is not None:
            return set(self.signed_in_roles)
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        held = self.signed_in_roles if self.signed_in_roles is not None else self.roles
        return any(Role(r).value in held for r in roles)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles, key=lambda r: list(Role).index(Role(r)))]

    @property
    def led_team_ids(self) -> list[int]:
        """The teams a team lead leads: those they belong to."""
        return [team.id for team in self.teams] if self.has_role(Role.TEAM_LEAD) else []

    @property
    def two_factor_enabled(self) -> bool:
        return bool(self.totp_secret)

    # Flask-Login protocol. The id in the cookie is the per-sign-in token, never
    # the person's id, so ending that sign-in on the server ends the cookie too.
    @property
    def is_authenticated(self) -> bool:
        return self.sign_in is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.sign_in.token if self.sign_in is not None else None


class SignInSession(Base):
    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    # The raw token exists only in memory, for the response that sets the cookie.
    token = None


class PendingSignIn(Base):
    """A sign-in whose password has been checked and whose second factor is still to come. It is kept here, not
    in the cookie (which only carries a random token for it), so it cannot be forged: it exists only once the
    password step has passed, lasts minutes, and is used once."""

    __tablename__ = "pending_sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(10))  # "code": enter a code; "enrol": set it up (the role requires it)
    next_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email", "attempted_at"),
        Index("ix_sign_in_attempts_ip_at", "ip_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated Role values
    professional_registration: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    organisation: Mapped[Organisation] = relationship(lazy="raise_on_sql")
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    invited_by: Mapped[Person] = relationship(foreign_keys=[invited_by_id], lazy="raise_on_sql")

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]


class PasswordResetRequest(Base):
    """Someone asked for a password reset for this address. The page writes one of these whatever the address,
    so its answer takes the same time for an account and for none; the scheduler turns it into a link only for
    an active account."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (Index("ix_password_reset_requests_waiting", "handled_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


class PasswordReset(Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

