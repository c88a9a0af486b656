"""A small demo partnership so a newcomer can sign in as every role."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .accounts.models import Organisation, Person, Role, ServiceType, Team
from .accounts.services import create_person

DEMO_PASSWORD = "demo-password-2026"

ORGANISATIONS = [
    ("Northshire Mental Health NHS Trust", ServiceType.MENTAL_HEALTH, ["Clinical Psychology", "Community Mental Health Team"]),
    ("Riverside Drug and Alcohol Service", ServiceType.DRUG_AND_ALCOHOL, ["Recovery Keyworkers", "Needle and Syringe Programme"]),
    ("High Street Community Pharmacy", ServiceType.COMMUNITY_PHARMACY, ["Pharmacy Counter"]),
    ("Harbour Homelessness Charity", ServiceType.HOUSING, ["Street Outreach", "Hostel Support"]),
]

# email, name, organisation, teams, roles, professional registration
PEOPLE = [
    ("admin@example.org", "Sam Okafor", 0, [], [Role.ADMIN], None),
    ("psychologist@example.org", "Dr Morgan Hale", 0, ["Clinical Psychology"], [Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST], "HCPC PYL000001"),
    ("psychologist2@example.org", "Dr Aisha Rahman", 0, ["Clinical Psychology"], [Role.PSYCHOLOGIST], "HCPC PYL000002"),
    ("teamlead@example.org", "Chris Doyle", 1, ["Recovery Keyworkers"], [Role.TEAM_LEAD, Role.FRONTLINE], None),
    ("keyworker@example.org", "Alex Price", 1, ["Recovery Keyworkers"], [Role.FRONTLINE], None),
    ("needle.exchange@example.org", "Jamie Clarke", 1, ["Needle and Syringe Programme"], [Role.FRONTLINE], None),
    ("pharmacist@example.org", "Priya Shah", 2, ["Pharmacy Counter"], [Role.FRONTLINE], None),
    ("outreach@example.org", "Jo Evans", 3, ["Street Outreach"], [Role.FRONTLINE], None),
    ("hostel.lead@example.org", "Kim Taylor", 3, ["Hostel Support"], [Role.TEAM_LEAD], None),
    ("commissioner@example.org", "Dana Whitfield", 0, [], [Role.COMMISSIONER], None),
]


def seed(session: Session) -> list[Person]:
    organisations: list[Organisation] = []
    teams: dict[tuple[int, str], Team] = {}
    for index, (name, service_type, team_names) in enumerate(ORGANISATIONS):
        organisation = Organisation(name=name, service_type=service_type.value)
        session.add(organisation)
        session.flush()
        organisations.append(organisation)
        for team_name in team_names:
            team = Team(organisation_id=organisation.id, name=team_name)
            session.add(team)
            teams[(index, team_name)] = team
    session.flush()
    people = []
    for email, name, org_index, team_names, roles, registration in PEOPLE:
        people.append(create_person(
            session, email=email, name=name, organisation_id=organisations[org_index].id,
            roles=[r.value for r in roles], password=DEMO_PASSWORD,
            team_ids=[teams[(org_index, t)].id for t in team_names],
            professional_registration=registration,
        ))
    return people
