"""An admin renames and removes teams, and moves a person to another organisation."""
from __future__ import annotations

from sqlalchemy import select

from core.accounts.models import Invitation, Organisation, Team, TeamMembership
from core.audit import AuditEvent
from supervision.audience import choices as audience_choices
from tests.pages import open_page
from tests.support import person, post_form, sign_in


def _admin(app):
    client = app.test_client()
    sign_in(client, "admin")
    return client


def _team(session, name: str) -> Team:
    session.rollback()
    session.expire_all()
    return session.scalar(select(Team).where(Team.name == name))


def test_an_admin_renames_a_team_and_its_people_move_with_it(app, session):
    admin = _admin(app)
    team = _team(session, "Keyworkers")
    url = f"/admin/teams/{team.id}"
    same = post_form(admin, url, {"name": "Keyworkers"}).get_data(as_text=True)
    assert "There is a problem" in same and "The team is already called Keyworkers" in same
    assert post_form(admin, url, {"name": "Recovery keyworkers"}).status_code == 302
    renamed = _team(session, "Recovery keyworkers")
    assert renamed.id == team.id and [t.name for t in person(session, "frontline").teams] == ["Recovery keyworkers"]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "team.renamed")) is not None


def test_a_team_is_removed_only_when_empty_and_after_the_admin_confirms(app, session):
    admin = _admin(app)
    team = _team(session, "Keyworkers")
    remove = f"/admin/teams/{team.id}/remove"
    asked = post_form(admin, remove, page_url=f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "Remove the team Keyworkers?" in asked and "Yes, remove the team" in asked
    assert _team(session, "Keyworkers").removed_at is None  # asking changed nothing
    refused = post_form(admin, remove, {"confirmed": "yes"}, page_url=f"/admin/teams/{team.id}",
                        follow_redirects=True).get_data(as_text=True)
    assert "still has 2 people in it" in refused
    session.execute(TeamMembership.__table__.delete().where(TeamMembership.team_id == team.id))
    session.commit()
    assert post_form(admin, remove, {"confirmed": "yes"}, page_url=f"/admin/teams/{team.id}").status_code == 302
    removed = _team(session, "Keyworkers")
    assert removed.removed_at is not None
    # Offered nowhere any more: not on a person's page, nor to a psychologist scheduling a group.
    page = open_page(admin, "accounts_admin.person", person_id=person(session, "frontline").id)
    assert f'value="{removed.id}"' not in page.split("Teams", 1)[-1].split("</fieldset>", 1)[0]
    with app.test_request_context():
        offered = dict(audience_choices(session, person(session, "psychologist")))
    assert f"team-{removed.id}" not in offered


def test_a_team_with_invitations_waiting_is_not_removed(app, session):
    from core.accounts.services import create_invitation
    team = _team(session, "Outreach")
    session.execute(TeamMembership.__table__.delete().where(TeamMembership.team_id == team.id))
    with app.test_request_context():
        create_invitation(session, invited_by=person(session, "admin"), email="new.worker@example.org",
                          organisation_id=team.organisation_id, team_id=team.id, roles=["frontline"],
                          professional_registration="")
    session.commit()
    refused = post_form(_admin(app), f"/admin/teams/{team.id}/remove", {"confirmed": "yes"},
                        page_url=f"/admin/teams/{team.id}", follow_redirects=True).get_data(as_text=True)
    assert "1 invitation waiting to be accepted" in refused
    assert _team(session, "Outreach").removed_at is None
    assert session.scalar(select(Invitation).where(Invitation.email == "new.worker@example.org")) is not None


def test_an_admin_moves_a_person_to_another_organisation_and_team(app, session):
    admin = _admin(app)
    worker = person(session, "frontline")
    harbour = session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing"))
    outreach = _team(session, "Outreach")
    page = f"/admin/people/{worker.id}"
    unknown = post_form(admin, f"{page}/organisation", {"move-destination": "org-999"}, page_url=page)
    assert "Choose an organisation or team from the list" in unknown.get_data(as_text=True)
    moved = post_form(admin, f"{page}/organisation", {"move-destination": f"team-{harbour.id}-{outreach.id}"},
                      page_url=page)
    assert moved.status_code == 302
    session.rollback()
    session.expire_all()
    worker = person(session, "frontline")
    assert worker.organisation_id == harbour.id and [t.name for t in worker.teams] == ["Outreach"]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "person.moved")) is not None


def test_deactivating_someone_asks_first(app, session):
    admin = _admin(app)
    worker = person(session, "frontline")
    page = f"/admin/people/{worker.id}"
    asked = post_form(admin, f"{page}/active", {"active": "no"}, page_url=page).get_data(as_text=True)
    assert "Deactivate Frontline&#39;s account?" in asked or "Deactivate Frontline's account?" in asked
    session.rollback()
    session.expire_all()
    assert person(session, "frontline").is_active
    assert post_form(admin, f"{page}/active", {"active": "no", "confirmed": "yes"}, page_url=page).status_code == 302
    session.rollback()
    session.expire_all()
    assert not person(session, "frontline").is_active
