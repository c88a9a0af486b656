"""Forms for signing in, passwords, two-factor and invitations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, ValidationError

from ..forms import LengthLimit, LineField
from .passwords import password_problem


def _email_field(label: str = "Email address"):
    return EmailField(label, validators=[
        DataRequired(message="Enter your email address"),
        Email(message="Enter an email address in the correct format, like name@example.org",
              check_deliverability=False),
        LengthLimit(max=254, message="Email address must be 254 characters or fewer"),
    ])


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password")])


class TwoFactorForm(FlaskForm):
    code = LineField("Security code", validators=[
        DataRequired(message="Enter the 6-digit code from your authenticator app"),
        LengthLimit(max=12, message="Enter the 6-digit code from your authenticator app"),
    ])


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class NewPasswordForm(FlaskForm):
    """Choose a password; `email` (set by the view) lets the policy refuse the address itself."""

    password = PasswordField("New password", validators=[DataRequired(message="Enter a new password")])
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired(message="Confirm your new password"),
        EqualTo("password", message="The passwords do not match"),
    ])

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field):
        problem = password_problem(field.data or "", self._email)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    field_order = ("current_password", "password", "confirm")
    current_password = PasswordField("Current password", validators=[
        DataRequired(message="Enter your current password"),
    ])


class AcceptInvitationForm(NewPasswordForm):
    field_order = ("name", "password", "confirm")
    name = LineField("Full name", validators=[
        DataRequired(message="Enter your full name"),
        LengthLimit(max=200, message="Name must be 200 characters or fewer"),
    ])
