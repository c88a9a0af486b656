"""Who holds which role: the look-ups every area needs (the psychologists, the lead psychologists, a team's
leads), always of active people and in name order."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Person, PersonRole, Role, TeamMembership


def _holding(role: Role, *columns):
    """Active people holding a role, by name: `columns` of them (the whole person, or just some fields)."""
    return (select(*columns).join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role == role.value, Person.is_active.is_(True)).order_by(Person.name))


def people_with_role(session: Session, role: Role) -> list[Person]:
    return list(session.scalars(_holding(role, Person)))


def psychologists(session: Session) -> list[Person]:
    return people_with_role(session, Role.PSYCHOLOGIST)


def lead_psychologists(session: Session) -> list[Person]:
    return people_with_role(session, Role.LEAD_PSYCHOLOGIST)


def psychologist_choices(session: Session, leave_out: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the active psychologists for a drop-down: names only, not whole people."""
    rows = session.execute(_holding(Role.PSYCHOLOGIST, Person.id, Person.name))
    return [(person_id, name) for person_id, name in rows if person_id != leave_out]


def _leads_of_teams(*conditions):
    return _holding(Role.TEAM_LEAD, Person).join(TeamMembership, TeamMembership.person_id == Person.id) \
        .where(*conditions)


def team_leads(session: Session, team_id: int | None) -> list[Person]:
    """The active team leads of a team (none for a request made by someone in no team)."""
    if team_id is None:
        return []
    return list(session.scalars(_leads_of_teams(TeamMembership.team_id == team_id)))


def team_leads_of(session: Session, person_id: int) -> list[Person]:
    """The active team leads of every team a person belongs to, each once, the person aside."""
    teams = select(TeamMembership.team_id).where(TeamMembership.person_id == person_id)
    return list(session.scalars(_leads_of_teams(TeamMembership.team_id.in_(teams), Person.id != person_id)
                                .distinct()))
