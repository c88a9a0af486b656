"""Who a reflective-practice group is for, and who may schedule one for whom.

A team lead schedules for their own teams or everyone at their organisation. Psychologists run groups across
services, so they may schedule for any team, any organisation, or the whole partnership: otherwise the staff
of a service with no team lead (a community pharmacy) could never be offered reflective practice."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.models import Organisation, Person, Role, Team, TeamMembership
from core.accounts.organisations import organisations_with_teams

from .models import GroupSeries, SeriesOrganisation

PARTNERSHIP = "partnership"
CHOSEN = "chosen"  # several organisations, chosen on the form
SCHEDULERS = (Role.TEAM_LEAD, Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST)


def schedules_across_services(person: Person) -> bool:
    return person.has_role(Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST)


def choices(session: Session, person: Person) -> list[tuple[str, str]]:
    """The audiences this person may schedule a group for, as (value, label)."""
    if not schedules_across_services(person):
        return ([(f"org-{person.organisation_id}", f"Everyone at {person.organisation.name}")]
                + [(f"team-{t.id}", t.name) for t in person.teams if t.removed_at is None])
    return [(PARTNERSHIP, "Everyone in the partnership"), (CHOSEN, "Chosen organisations (choose them below)")] + [
        choice for org_id, org_name, teams in organisations_with_teams(session)
        for choice in [(f"org-{org_id}", f"Everyone at {org_name}")]
        + [(f"team-{team_id}", f"{team_name}, {org_name}") for team_id, team_name in teams]]


def resolve(session: Session, value: str) -> tuple[int | None, int | None]:
    """(organisation id, team id) for a chosen audience; the choice was one offered, so it names a real row.
    The whole partnership and chosen organisations have neither."""
    if value in (PARTNERSHIP, CHOSEN):
        return None, None
    kind, _, number = value.partition("-")
    if kind == "team":
        team = session.get(Team, int(number))
        return team.organisation_id, team.id
    return int(number), None


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    return [(org_id, name) for org_id, name, _ in organisations_with_teams(session)]


def value_for(series: GroupSeries) -> str:
    if series.for_chosen_organisations:
        return CHOSEN
    if series.team_id is not None:
        return f"team-{series.team_id}"
    return f"org-{series.organisation_id}" if series.organisation_id is not None else PARTNERSHIP


def member_choices(session: Session, person: Person) -> list[tuple[int, str]]:
    """Who may be named in a closed group: a team lead's own teams; for a psychologist, anyone active."""
    query = select(Person.id, Person.name, Organisation.name).join(Organisation,
                                                                   Organisation.id == Person.organisation_id)
    if not schedules_across_services(person):
        query = query.where(Person.id.in_(select(TeamMembership.person_id)
                                          .where(TeamMembership.team_id.in_([t.id for t in person.teams]))))
    rows = session.execute(query.where(Person.is_active.is_(True)).order_by(Person.name, Person.id))
    return [(person_id, f"{name}, {org}") for person_id, name, org in rows]


def label(series: GroupSeries, organisation_name: str | None, team_name: str | None) -> str:
    """Who the group is for, in words, given the names of its organisation and team."""
    if series.for_chosen_organisations:
        return "Chosen organisations"
    if series.team_id is not None:
        return f"{team_name}, {organisation_name}"
    return f"Everyone at {organisation_name}" if series.organisation_id is not None else "Everyone in the partnership"


def chosen_names(session: Session, series: GroupSeries) -> list[str]:
    """The organisations a group for chosen organisations is open to, by name."""
    return list(session.scalars(select(Organisation.name).join(SeriesOrganisation,
                                                               SeriesOrganisation.organisation_id == Organisation.id)
                                .where(SeriesOrganisation.series_id == series.id).order_by(Organisation.name)))


def may_walk_in(session: Session, series: GroupSeries, person: Person) -> bool:
    """Whether someone who came without booking is among the people the group is for."""
    if series.organisation_id is not None:
        return person.organisation_id == series.organisation_id
    if not series.for_chosen_organisations:
        return True
    return session.get(SeriesOrganisation, (series.id, person.organisation_id)) is not None
