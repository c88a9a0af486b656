"""Admin pages for organisations, teams, people and invitations; team leads' own teams."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..confirm import confirm_first
from ..database import db
from ..pagination import paginate
from ..params import query_text
from ..refusals import attempt
from ..security import role_required
from ..timeutil import utcnow
from . import organisations as changes
from . import services
from .admin_forms import InvitationForm, MovePersonForm, OrganisationForm, PersonForm, TeamForm
from .models import Invitation, Organisation, Person, PersonRole, Role, Team, TeamMembership

bp = Blueprint("accounts_admin", __name__)


@bp.route("/admin/")
@role_required(Role.ADMIN)
def index():
    return render_template("admin/index.html")


# --- Organisations and teams ---------------------------------------------------

@bp.route("/admin/organisations")
@role_required(Role.ADMIN)
def organisations():
    session = db.session
    rows = session.execute(
        select(Organisation,
               select(func.count(Team.id)).where(Team.organisation_id == Organisation.id).scalar_subquery(),
               select(func.count(Person.id)).where(Person.organisation_id == Organisation.id).scalar_subquery())
        .order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", rows=rows)


def _save_organisation(session, form, organisation=None) -> Organisation | None:
    saved, refusal = attempt(session, lambda: changes.save_organisation(
        session, organisation, form.name.data.strip(), form.service_type.data))
    if refusal:
        form.name.errors.append(refusal)
    return saved


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = _save_organisation(db.session, form)
        if organisation:
            flash(f"{organisation.name} has been added.", "success")
            return redirect(url_for("accounts_admin.organisation", organisation_id=organisation.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


def _organisation_with_teams(session, organisation_id: int) -> Organisation:
    organisation = session.scalar(
        select(Organisation).options(selectinload(Organisation.teams)).where(Organisation.id == organisation_id))
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation(organisation_id: int):
    session = db.session
    organisation = _organisation_with_teams(session, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        if _save_organisation(session, form, organisation):
            flash("Organisation details saved.", "success")
            return redirect(url_for("accounts_admin.organisation", organisation_id=organisation.id))
        organisation = _organisation_with_teams(session, organisation_id)  # reloaded after the rollback
    return render_template("admin/organisation.html", organisation=organisation, form=form,
                           team_form=TeamForm(prefix="team"))


@bp.route("/admin/organisations/<int:organisation_id>/teams", methods=["POST"])
@role_required(Role.ADMIN)
def add_team(organisation_id: int):
    session = db.session
    organisation = _organisation_with_teams(session, organisation_id)
    team_form = TeamForm(prefix="team")
    if team_form.validate_on_submit():
        team, refusal = attempt(session, lambda: changes.add_team(session, organisation, team_form.name.data.strip()))
        if team:
            flash(f"Team {team.name} added.", "success")
            return redirect(url_for("accounts_admin.organisation", organisation_id=organisation.id))
        team_form.name.errors.append(refusal)
        organisation = _organisation_with_teams(session, organisation_id)  # reloaded after the rollback
    form = OrganisationForm(obj=organisation, formdata=None)
    return render_template("admin/organisation.html", organisation=organisation, form=form, team_form=team_form)


def _team(team_id: int) -> Team:
    team = db.session.scalar(select(Team).options(selectinload(Team.organisation)).where(Team.id == team_id))
    if team is None:
        abort(404)
    return team


@bp.route("/admin/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team(team_id: int):
    session = db.session
    team = _team(team_id)
    form = TeamForm(obj=team)
    if form.validate_on_submit():
        name = form.name.data.strip()
        _, refusal = attempt(session, lambda: changes.rename_team(session, team, name))
        if refusal is None:
            flash(f"The team is now called {name}.", "success")
            return redirect(url_for("accounts_admin.team", team_id=team.id))
        form.name.errors.append(refusal)
        team = _team(team_id)
    members = session.scalar(select(func.count()).select_from(TeamMembership)
                             .where(TeamMembership.team_id == team.id))
    return render_template("admin/team.html", team=team, form=form, members=members)


@bp.route("/admin/teams/<int:team_id>/remove", methods=["POST"])
@role_required(Role.ADMIN)
def remove_team(team_id: int):
    session = db.session
    team = _team(team_id)
    back = url_for("accounts_admin.team", team_id=team.id)
    asking = confirm_first(f"Remove the team {team.name}?", [
        "It will no longer be offered for people, invitations or groups.",
        "Its past requests and groups keep its name.", "You cannot undo this."], "Yes, remove the team", back)
    if asking is not None:
        return asking
    _, refusal = attempt(session, lambda: changes.remove_team(session, team))
    flash(refusal or f"{team.name} has been removed.", "error" if refusal else "success")
    return redirect(back if refusal else url_for("accounts_admin.organisation", organisation_id=team.organisation_id))


# --- People ---------------------------------------------------------------------

@bp.route("/admin/people")
@role_required(Role.ADMIN)
def people():
    session = db.session
    q, role = query_text("q"), query_text("role", 40)
    query = select(Person).options(selectinload(Person.role_rows)).order_by(Person.name, Person.id)
    if q:  # autoescape: a % or _ typed in a search is looked for, not a wildcard
        query = query.where(or_(func.lower(Person.name).contains(q.lower(), autoescape=True),
                                Person.email.contains(q.lower(), autoescape=True)))
    if role in {r.value for r in Role}:
        query = query.where(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == role)))
    page = paginate(session, query)
    return render_template("admin/people.html", page=page, q=q, role=role, roles=list(Role))


def _team_choices(session, organisation_id: int) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in session.scalars(changes.offered_teams(organisation_id))]


@bp.route("/admin/people/<int:person_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person(person_id: int):
    session = db.session
    person = db.get_or_404(Person, person_id)
    form = PersonForm(obj=person, data=None if request.method == "POST" else {
        "roles": sorted(person.roles), "team_ids": [t.id for t in person.teams]})
    form.team_ids.choices = _team_choices(session, person.organisation_id)
    if form.validate_on_submit():
        _, refusal = attempt(session, lambda: services.update_person(
            session, person, name=form.name.data.strip(),
            professional_registration=(form.professional_registration.data or "").strip(),
            roles=form.roles.data, team_ids=form.team_ids.data or [], by=current_user._get_current_object()))
        if not refusal:
            flash("Changes saved.", "success")
            return redirect(url_for("accounts_admin.person", person_id=person.id))
        form.roles.errors.append(refusal)
    return _person_page(person, form=form)


def _person_page(person: Person, form: PersonForm | None = None, move_form: MovePersonForm | None = None):
    session = db.session
    if form is None:
        form = PersonForm(obj=person, formdata=None, data={"roles": sorted(person.roles),
                                                           "team_ids": [t.id for t in person.teams]})
        form.team_ids.choices = _team_choices(session, person.organisation_id)
    if move_form is None:
        move_form = MovePersonForm(formdata=None, prefix="move")
        move_form.destination.choices = _destinations(session, person)
    return render_template("admin/person.html", person=person, form=form, move_form=move_form)


def _destinations(session, person: Person) -> list[tuple[str, str]]:
    """Every other organisation, with no team or with one of its teams."""
    return [choice for org_id, org_name, teams in changes.organisations_with_teams(session, person.organisation_id)
            for choice in [(f"org-{org_id}", f"{org_name} (no team yet)")]
            + [(f"team-{org_id}-{team_id}", f"{team_name}, {org_name}") for team_id, team_name in teams]]


@bp.route("/admin/people/<int:person_id>/organisation", methods=["POST"])
@role_required(Role.ADMIN)
def move_person(person_id: int):
    session = db.session
    person = db.get_or_404(Person, person_id)
    form = MovePersonForm(prefix="move")
    form.destination.choices = _destinations(session, person)
    if form.validate_on_submit():
        parts = form.destination.data.split("-")  # offered choices only: org-<id> or team-<org>-<team>
        organisation = session.get(Organisation, int(parts[1]))
        team_id = int(parts[2]) if parts[0] == "team" else None
        _, refusal = attempt(session, lambda: changes.move_person(session, person, organisation, team_id))
        if refusal is None:
            flash(f"{person.name} now works at {organisation.name}. Their open requests stay with their old team.",
                  "success")
            return redirect(url_for("accounts_admin.person", person_id=person.id))
        form.form_errors.append(refusal)
        person = session.get(Person, person_id)
    return _person_page(person, move_form=form)


@bp.route("/admin/people/<int:person_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_active(person_id: int):
    session = db.session
    person = db.get_or_404(Person, person_id)
    if request.form.get("active") == "no":
        if person.id == current_user.id:
            flash("You cannot deactivate your own account.", "error")
        else:
            asking = confirm_first(f"Deactivate {person.name}'s account?", [
                "They are signed out everywhere at once and cannot sign in.",
                "Requests they hold are passed to other psychologists, and their duties are cancelled.",
                "Their records stay. You can reactivate the account later."], "Yes, deactivate the account",
                url_for("accounts_admin.person", person_id=person.id), {"active": "no"})
            if asking is not None:
                return asking
            handed_over = services.deactivate(session, person)
            flash(" ".join([f"{person.name} has been deactivated and signed out everywhere.", *handed_over]),
                  "success")
    else:
        services.reactivate(session, person)
        flash(f"{person.name} can sign in again.", "success")
    session.commit()
    return redirect(url_for("accounts_admin.person", person_id=person.id))


@bp.route("/admin/people/<int:person_id>/two-factor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_two_factor(person_id: int):
    person = db.get_or_404(Person, person_id)
    services.reset_two_factor(db.session, person)
    db.session.commit()
    flash(f"Two-factor sign-in has been reset for {person.name}. They will set it up again next time.", "success")
    return redirect(url_for("accounts_admin.person", person_id=person.id))


# --- Invitations (admins: anyone; team leads: staff for the teams they lead) ---

def _invitation_scope(session):
    """Organisations and teams the current person may invite into."""
    if current_user.has_role(Role.ADMIN):
        organisations = list(session.scalars(select(Organisation).order_by(Organisation.name)))
        teams = list(session.scalars(changes.offered_teams()))
        roles = list(Role)
    elif current_user.has_role(Role.TEAM_LEAD):
        teams = list(current_user.teams)
        organisations = [current_user.organisation]
        roles = [Role.FRONTLINE, Role.TEAM_LEAD]
    else:
        abort(403)
    return organisations, teams, roles


@bp.route("/invitations/new", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.TEAM_LEAD)
def new_invitation():
    session = db.session
    organisations, teams, roles = _invitation_scope(session)
    form = InvitationForm()
    form.organisation_id.choices = [(o.id, o.name) for o in organisations]
    names = {o.id: o.name for o in organisations}
    is_admin = current_user.has_role(Role.ADMIN)
    team_choices = [(t.id, f"{t.name} ({names.get(t.organisation_id, '')})") for t in teams]
    # Admins may invite someone to no team; a team lead invites into a team they lead.
    form.team_id.choices = ([(0, "No team")] if is_admin else []) + team_choices
    form.team_organisation = {t.id: t.organisation_id for t in teams}
    form.roles.choices = [(r.value, r.label) for r in roles]
    if request.method == "GET" and not is_admin:
        form.organisation_id.data = current_user.organisation_id
    if form.validate_on_submit():
        if not is_admin and not form.team_id.data:
            form.team_id.errors.append("Select the team this person will join")
        elif is_admin and services.find_person_by_email(session, form.email.data):
            # Admins see everyone anyway; to anyone else, an address with an account looks like any other.
            form.email.errors.append("Someone with this email address already has an account")
        else:
            services.create_invitation(
                session, invited_by=current_user._get_current_object(), email=form.email.data,
                organisation_id=form.organisation_id.data, team_id=form.team_id.data or None,
                roles=form.roles.data, professional_registration=(form.professional_registration.data or "").strip())
            session.commit()
            flash(f"Invitation sent to {form.email.data.strip().lower()}.", "success")
            return redirect(url_for("accounts_admin.invitations"))
    return render_template("admin/invitation_form.html", form=form, is_admin=is_admin)


@bp.route("/invitations")
@role_required(Role.ADMIN, Role.TEAM_LEAD)
def invitations():
    session = db.session
    query = (select(Invitation)
             .options(selectinload(Invitation.organisation), selectinload(Invitation.team))
             .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
             .order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    if not current_user.has_role(Role.ADMIN):
        query = query.where(Invitation.team_id.in_(current_user.led_team_ids))
    return render_template("admin/invitations.html", page=paginate(session, query), now=utcnow())


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN, Role.TEAM_LEAD)
def revoke_invitation(invitation_id: int):
    session = db.session
    invitation = session.get(Invitation, invitation_id)
    allowed = invitation is not None and (
        current_user.has_role(Role.ADMIN)
        or invitation.team_id in current_user.led_team_ids)
    if not allowed:
        abort(404)
    if services.revoke_invitation(session, invitation):
        session.commit()
        flash(f"The invitation to {invitation.email} has been withdrawn.", "success")
    return redirect(url_for("accounts_admin.invitations"))


@bp.route("/teams")
@role_required(Role.TEAM_LEAD)
def my_teams():
    session = db.session
    team_ids = current_user.led_team_ids
    members = session.execute(
        select(TeamMembership.team_id, Person)
        .join(Person, Person.id == TeamMembership.person_id)
        .options(selectinload(Person.role_rows))
        .where(TeamMembership.team_id.in_(team_ids))
        .order_by(Person.name)
    ).all()
    by_team: dict[int, list[Person]] = {}
    for team_id, member in members:
        by_team.setdefault(team_id, []).append(member)
    audit.record(session, "team.members_viewed", "team", ",".join(map(str, team_ids)))
    return render_template("admin/my_teams.html", teams=current_user.teams, by_team=by_team)
