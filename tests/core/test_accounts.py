"""Invitations, password rules and resets, and the admin pages for people and organisations."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import event, select

from core.accounts.models import Organisation, Team
from core.accounts.passwords import password_problem
from core.notifications import OutboxMessage
from core.timeutil import utcnow
from tests.pages import open_page
from tests.support import person, post_form, sign_in


def _sweep_reset_requests(app) -> int:
    """What the scheduler does with password reset requests."""
    from core.scheduler import run_sweep, sweeps_of
    return run_sweep(app, sweeps_of(app)["password-resets"])


def _link_in_latest_email(session, to: str, path: str) -> str:
    session.rollback()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == to)
                              .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no email to {to}"
    return re.search(rf"http://localhost({path}/\S+)", message.body).group(1)


def _invite(client, session, email="new.worker@example.org", team="Keyworkers", roles=("frontline",)):
    team_id = session.scalar(select(Team.id).where(Team.name == team))
    org_id = session.scalar(select(Team.organisation_id).where(Team.id == team_id))
    return post_form(client, "/invitations/new", {
        "email": email, "organisation_id": org_id, "team_id": team_id, "roles": list(roles),
    })


def test_an_admin_invites_someone_who_sets_up_their_account_once(app, client, session):
    sign_in(client, "admin")
    assert _invite(client, session).status_code == 302
    link = _link_in_latest_email(session, "new.worker@example.org", "/invitations")

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert "Set up your account" in page.get_data(as_text=True)
    done = post_form(newcomer, link, {"name": "Nia New", "password": "three-random-words", "confirm": "three-random-words"})
    assert done.status_code == 302
    session.rollback()
    created = person(session, "new_worker")
    assert created.roles == {"frontline"} and [t.name for t in created.teams] == ["Keyworkers"]
    assert sign_in(app.test_client(), "new.worker@example.org", "three-random-words").status_code == 302
    # The link was single-use.
    assert app.test_client().get(link).status_code == 410


def test_an_invitation_link_expires(app, client, session):
    sign_in(client, "admin")
    _invite(client, session)
    link = _link_in_latest_email(session, "new.worker@example.org", "/invitations")
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = app.test_client().get(link)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_weak_password_is_refused_on_the_form_and_the_name_is_kept(app, client, session):
    sign_in(client, "admin")
    _invite(client, session)
    link = _link_in_latest_email(session, "new.worker@example.org", "/invitations")
    newcomer = app.test_client()
    response = post_form(newcomer, link, {"name": "Nia New", "password": "password1234", "confirm": "password1234"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "This password is too common" in body
    assert 'value="Nia New"' in body
    assert 'href="#name"' not in body and 'href="#password"' in body


def test_password_rules():
    assert password_problem("short") == "Password must be 12 characters or more"
    assert "too common" in password_problem("1234567890123")
    assert password_problem("nia@example.org", "NIA@example.org") == "Password must not be your email address"
    assert password_problem("a-long-and-unusual-phrase") is None


def test_a_team_lead_invites_only_into_the_teams_they_lead(app, client, session):
    sign_in(client, "team_lead")
    page = open_page(client, "accounts_admin.new_invitation")
    assert "Outreach" not in page  # another organisation's team is not offered
    assert 'value="admin"' not in page and 'value="psychologist"' not in page
    refused = _invite(client, session, team="Outreach")
    assert refused.status_code == 200 and "Select a team" in refused.get_data(as_text=True)
    escalate = _invite(client, session, roles=("admin",))
    assert escalate.status_code == 200 and "Select roles from the list" in escalate.get_data(as_text=True)
    assert _invite(client, session).status_code == 302
    session.rollback()
    assert session.scalars(select(OutboxMessage.to_address)).all() == ["new.worker@example.org"]


def test_frontline_staff_cannot_invite(client):
    sign_in(client, "frontline")
    open_page(client, "accounts_admin.new_invitation", status=403)


def test_an_admin_inviting_an_existing_person_is_told_so(client, session):
    sign_in(client, "admin")
    response = _invite(client, session, email="frontline@example.org")
    assert "already has an account" in response.get_data(as_text=True)


def test_a_team_lead_inviting_cannot_tell_whether_an_address_has_an_account(app, session):
    lead = app.test_client()
    sign_in(lead, "team_lead")
    pages = []
    for email in ("other.frontline@example.org", "new.person@example.org"):  # the first has an account elsewhere
        response = _invite(lead, session, email=email)
        assert response.status_code == 302
        pages.append(lead.get(response.headers["Location"]).get_data(as_text=True).replace(email, "EMAIL"))
    assert "Invitation sent to EMAIL." in pages[0] and pages[0].count("EMAIL") == pages[1].count("EMAIL")
    session.rollback()
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "other.frontline@example.org")).one()
    assert told.subject.startswith("You already have an account") and "/invitations/" not in told.body


def test_a_reset_request_does_the_same_work_for_an_account_and_for_none(app):
    """Same words, and the same statements run, so the answer takes the same time either way."""
    from tests.support import csrf_from

    def statements_for(email: str) -> tuple[list[str], str]:
        client = app.test_client()
        token = csrf_from(client.get("/forgot-password"))
        engine, seen = app.extensions["database"]["engine"], []
        listener = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            body = client.post("/forgot-password", data={"email": email, "csrf_token": token}).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen, body.replace(email, "EMAIL")

    assert statements_for("frontline@example.org") == statements_for("nobody.here@example.org")


def test_password_reset_by_single_use_link_ends_other_sessions(app, client, session):
    sign_in(client, "frontline")
    requester = app.test_client()
    sent = post_form(requester, "/forgot-password", {"email": "frontline@example.org"})
    assert "Check your email" in sent.get_data(as_text=True)
    assert _sweep_reset_requests(app) == 1 and _sweep_reset_requests(app) == 0  # once
    link = _link_in_latest_email(session, "frontline@example.org", "/reset-password")
    done = post_form(requester, link, {"password": "a-fresh-passphrase", "confirm": "a-fresh-passphrase"})
    assert done.status_code == 302
    open_page(client, "core.home", status=302)  # the old session has ended
    assert sign_in(app.test_client(), "frontline").status_code == 200  # old password refused
    assert sign_in(app.test_client(), "frontline", "a-fresh-passphrase").status_code == 302
    assert app.test_client().get(link).status_code == 410


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(app, session):
    client = app.test_client()
    response = post_form(client, "/forgot-password", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert _sweep_reset_requests(app) == 0
    session.rollback()
    assert session.scalars(select(OutboxMessage)).all() == []


def test_reset_links_expire(app, session):
    client = app.test_client()
    post_form(client, "/forgot-password", {"email": "frontline@example.org"})
    _sweep_reset_requests(app)
    link = _link_in_latest_email(session, "frontline@example.org", "/reset-password")
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        assert app.test_client().get(link).status_code == 410


def test_admin_adds_an_organisation_and_a_duplicate_name_is_explained(client, session):
    sign_in(client, "admin")
    created = post_form(client, "/admin/organisations/new", {"name": "Eastside Pharmacy", "service_type": "community_pharmacy"})
    assert created.status_code == 302
    duplicate = post_form(client, "/admin/organisations/new", {"name": "Eastside Pharmacy", "service_type": "other"})
    body = duplicate.get_data(as_text=True)
    assert "An organisation with this name already exists" in body and 'value="Eastside Pharmacy"' in body
    missing = post_form(client, "/admin/organisations/new", {"name": ""})
    assert "Enter the organisation&#39;s name" in missing.get_data(as_text=True) or \
        "Enter the organisation's name" in missing.get_data(as_text=True)
    session.rollback()
    org = session.scalar(select(Organisation).where(Organisation.name == "Eastside Pharmacy"))
    assert org.service_type == "community_pharmacy"
    team = post_form(client, f"/admin/organisations/{org.id}/teams", {"team-name": "Counter staff"},
                     page_url=f"/admin/organisations/{org.id}")
    assert team.status_code == 302
    page = open_page(client, "accounts_admin.organisation", organisation_id=org.id)
    assert "Counter staff" in page
    same_team = post_form(client, f"/admin/organisations/{org.id}/teams", {"team-name": "Counter staff"},
                          page_url=f"/admin/organisations/{org.id}")
    assert "already has a team with this name" in same_team.get_data(as_text=True)
    clash = post_form(client, f"/admin/organisations/{org.id}",
                      {"name": "Riverside Drug and Alcohol Service", "service_type": "community_pharmacy"})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 200 and "An organisation with this name already exists" in body
    assert "Counter staff" in body  # the page still shows what is stored
    session.rollback()
    assert session.get(Organisation, org.id).name == "Eastside Pharmacy"


def test_admin_changes_roles_and_teams(client, session):
    sign_in(client, "admin")
    target = person(session, "frontline")
    team_id = session.scalar(select(Team.id).where(Team.name == "Keyworkers"))
    response = post_form(client, f"/admin/people/{target.id}", {
        "name": "Frontline Renamed", "roles": ["frontline", "team_lead"], "team_ids": [team_id],
        "professional_registration": ""})
    assert response.status_code == 302
    session.rollback()
    changed = person(session, "frontline")
    assert changed.name == "Frontline Renamed" and changed.roles == {"frontline", "team_lead"}


def test_a_role_changed_by_an_admin_applies_from_the_signed_in_persons_next_page(app, client, session):
    worker = app.test_client()
    sign_in(worker, "psychologist")
    open_page(worker, "consult.queue", status=200)
    sign_in(client, "admin")
    target = person(session, "psychologist")
    assert post_form(client, f"/admin/people/{target.id}", {
        "name": target.name, "roles": ["frontline"], "professional_registration": ""}).status_code == 302
    open_page(worker, "consult.queue", status=403)
    assert 'href="/reach/"' not in open_page(worker, "consult.mine")  # nor in the menu


def test_admin_cannot_remove_their_own_admin_role(client, session):
    sign_in(client, "admin")
    me = person(session, "admin")
    response = post_form(client, f"/admin/people/{me.id}", {"name": "Admin", "roles": ["frontline"]})
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)


def test_admin_people_list_is_paginated_and_searchable(client, session):
    from core.accounts.services import create_person
    org_id = session.scalar(select(Organisation.id).limit(1))
    for n in range(30):
        create_person(session, email=f"bulk{n:02d}@example.org", name=f"Bulk Person {n:02d}",
                      organisation_id=org_id, roles=["frontline"])
    session.commit()
    sign_in(client, "admin")
    first = open_page(client, "accounts_admin.people")
    assert "Page 1 of 2" in first
    found = open_page(client, "accounts_admin.people", q="bulk07")
    assert "Bulk Person 07" in found and "Bulk Person 08" not in found


def test_team_lead_sees_their_team_members_only(client):
    sign_in(client, "team_lead")
    page = open_page(client, "accounts_admin.my_teams")
    assert "Frontline" in page and "Other Frontline" not in page
