"""An admin's changes to teams and to where people work: renaming or removing a team, moving a person to another
organisation. Plain functions of a session, audited; a change that cannot happen is refused with the reason."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..refusals import Refused
from ..timeutil import utcnow
from .models import Invitation, Organisation, Person, Team, TeamMembership
from .services import set_teams


def offered_teams(organisation_id: int | None = None):
    """SQL: the teams people can still be put in (not removed), by name."""
    query = select(Team).where(Team.removed_at.is_(None)).order_by(Team.name)
    return query if organisation_id is None else query.where(Team.organisation_id == organisation_id)


def organisations_with_teams(session: Session, leaving_out: int | None = None) -> list[tuple[int, str, list]]:
    """(organisation id, name, [(team id, team name), ...]) for every organisation, its teams still offered, by
    name: one query, for the lists that offer an organisation or one of its teams."""
    query = (select(Organisation.id, Organisation.name, Team.id, Team.name)
             .outerjoin(Team, (Team.organisation_id == Organisation.id) & Team.removed_at.is_(None))
             .order_by(Organisation.name, Organisation.id, Team.name))
    if leaving_out is not None:
        query = query.where(Organisation.id != leaving_out)
    grouped: list[tuple[int, str, list]] = []
    for org_id, org_name, team_id, team_name in session.execute(query):
        if not grouped or grouped[-1][0] != org_id:
            grouped.append((org_id, org_name, []))
        if team_id is not None:
            grouped[-1][2].append((team_id, team_name))
    return grouped


_TEAM_NAME_TAKEN = "This organisation already has a team with this name"


def _store(session: Session, record, name_taken: str):
    """Write the record now, so a name already taken is refused here, in words, rather than at commit."""
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        raise Refused(name_taken) from None
    return record


def save_organisation(session: Session, organisation: Organisation | None, name: str,
                      service_type: str) -> Organisation:
    """A new organisation, or changes to one; names are unique across the partnership."""
    organisation = organisation or Organisation()
    organisation.name, organisation.service_type = name, service_type
    _store(session, organisation, "An organisation with this name already exists")
    audit.record(session, "organisation.saved", "organisation", organisation.id, name=organisation.name)
    return organisation


def add_team(session: Session, organisation: Organisation, name: str) -> Team:
    team = _store(session, Team(organisation_id=organisation.id, name=name), _TEAM_NAME_TAKEN)
    audit.record(session, "team.created", "team", team.id, name=team.name)
    return team


def rename_team(session: Session, team: Team, name: str) -> None:
    if team.removed_at is not None:
        raise Refused("This team has been removed, so it cannot be renamed.")
    if name == team.name:
        raise Refused(f"The team is already called {name}: type the new name")
    before, team.name = team.name, name
    _store(session, team, _TEAM_NAME_TAKEN)
    audit.record(session, "team.renamed", "team", team.id, before=before, after=name)


def remove_team(session: Session, team: Team, now: datetime | None = None) -> None:
    """Only an empty team goes: its people would otherwise lose their team lead without anyone deciding."""
    members = session.scalar(select(func.count()).select_from(TeamMembership)
                             .where(TeamMembership.team_id == team.id)) or 0
    if members:
        raise Refused(f"{team.name} still has {members} {'person' if members == 1 else 'people'} in it. Move them to "
                      "another team (on each person's page) before removing it.")
    now = now or utcnow()
    waiting = session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.team_id == team.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now)) or 0
    if waiting:
        raise Refused(f"{team.name} has {waiting} invitation{'' if waiting == 1 else 's'} waiting to be accepted. "
                      "Withdraw them first.")
    team.removed_at = now
    audit.record(session, "team.removed", "team", team.id, name=team.name)


def move_person(session: Session, person: Person, organisation: Organisation, team_id: int | None) -> None:
    """To another organisation, into one of its teams or none: their teams at the old one are left."""
    if organisation.id == person.organisation_id:
        raise Refused(f"{person.name} already works at {organisation.name}: choose another organisation")
    if team_id is not None and session.scalar(offered_teams(organisation.id).where(Team.id == team_id)) is None:
        raise Refused("Choose a team that belongs to the new organisation")
    before = person.organisation_id
    person.organisation_id = organisation.id
    set_teams(session, person, [team_id] if team_id else [])
    session.expire(person, ["organisation"])
    audit.record(session, "person.moved", "person", person.id, before=before, after=organisation.id, team=team_id)
