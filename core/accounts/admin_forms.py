"""Forms for managing organisations, teams, people and invitations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from ..forms import LengthLimit, LineField, ListMultipleField, ListSelectField
from .models import ROLE_LABELS, SERVICE_TYPE_LABELS


class OrganisationForm(FlaskForm):
    name = LineField("Organisation name", validators=[
        DataRequired(message="Enter the organisation's name"),
        LengthLimit(max=200, message="Name must be 200 characters or fewer"),
    ])
    service_type = ListSelectField(
        "Type of service",
        not_offered="Select the type of service",
        choices=[(t.value, label) for t, label in SERVICE_TYPE_LABELS.items()],
        validators=[DataRequired(message="Select the type of service")],
    )


class TeamForm(FlaskForm):
    name = LineField("Team name", validators=[
        DataRequired(message="Enter the team's name"),
        LengthLimit(max=200, message="Name must be 200 characters or fewer"),
    ])


def _roles_field():
    return ListMultipleField(
        "Roles",
        not_offered="Select roles from the list",
        choices=[(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[DataRequired(message="Select at least one role")],
    )


def _registration_field():
    return LineField("Professional registration (psychologists)", validators=[
        Optional(), LengthLimit(max=100, message="Registration must be 100 characters or fewer"),
    ])


class InvitationForm(FlaskForm):
    email = EmailField("Email address", validators=[
        DataRequired(message="Enter the email address to invite"),
        Email(message="Enter an email address in the correct format, like name@example.org",
              check_deliverability=False),
        LengthLimit(max=254, message="Email address must be 254 characters or fewer"),
    ])
    organisation_id = ListSelectField("Organisation", coerce=int, not_offered="Select an organisation from the list",
                                      validators=[DataRequired(message="Select an organisation")])
    team_id = ListSelectField("Team", coerce=int, not_offered="Select a team from the list", validators=[Optional()])
    roles = _roles_field()
    professional_registration = _registration_field()

    def validate_team_id(self, field):
        # Team choices carry their organisation so the pair can be checked.
        if field.data and field.data not in self.team_organisation:
            raise ValidationError("Select a team from the list")
        if field.data and self.team_organisation[field.data] != self.organisation_id.data:
            raise ValidationError("Select a team that belongs to the chosen organisation")

    team_organisation: dict[int, int] = {}


class PersonForm(FlaskForm):
    name = LineField("Full name", validators=[
        DataRequired(message="Enter the person's full name"),
        LengthLimit(max=200, message="Name must be 200 characters or fewer"),
    ])
    roles = _roles_field()
    team_ids = ListMultipleField("Teams", coerce=int, not_offered="Select teams from the list",
                                 validators=[Optional()])
    professional_registration = _registration_field()


class MovePersonForm(FlaskForm):
    destination = ListSelectField("Move to", not_offered="Choose an organisation or team from the list",
                                  validators=[DataRequired(message="Choose where they now work")])
