"""The forms for scheduling a group series (reflective practice or a case clinic) and changing its sessions,
the register, notes and evaluations."""
from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import (
    DayField,
    LengthLimit,
    LineField,
    ListMultipleField,
    ListSelectField,
    PageForm,
    TextField,
    WholeNumberField,
    confidence_field,
    no_identifiers,
    on_or_after,
)
from core.timeutil import FURTHEST_AHEAD, london, utcnow

from .models import LONGEST_SESSION_MINUTES

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]
NTH = [(1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last")]
ZONES = [("Europe/London", "UK time (Europe/London)"), ("Europe/Dublin", "Irish time (Europe/Dublin)")]


class SeriesForm(FlaskForm):
    title = LineField("Title", validators=[DataRequired(message="Enter a title"),
                                             LengthLimit(max=200, message="Title must be 200 characters or fewer"), no_identifiers])
    description = TextField("Description", validators=[Optional(), LengthLimit(max=5000, message="Keep the description to 5000 characters or fewer"), no_identifiers])
    facilitator_id = ListSelectField("Facilitator", coerce=int, choices=[],
                                     validators=[DataRequired(message="Choose a psychologist to facilitate")],
                                     not_offered="Choose a psychologist from the list")
    audience = ListSelectField("Who is it for?", choices=[],
                               validators=[DataRequired(message="Choose who the group is for")],
                               not_offered="Choose who the group is for from the list")
    kind = ListSelectField("Open round or closed group?", choices=[
        ("open", "Open round: anyone it is for can book"), ("closed", "Closed group: named members only")],
        default="open", validators=[DataRequired(message="Choose open round or closed group")],
        not_offered="Choose open round or closed group")
    organisation_ids = ListMultipleField("Which organisations (for chosen organisations)", coerce=int, choices=[],
                                         validators=[Optional()], not_offered="Choose organisations from the list")
    group_kind = ListSelectField("What kind of group?", choices=[
        ("reflective_practice", "Reflective practice: the group reflects together on their work"),
        ("case_clinic", "Case clinic: workers present cases and everyone leaves with written recommendations")],
        default="reflective_practice", validators=[Optional()], not_offered="Choose reflective practice or case clinic")
    case_slots = ListSelectField("Cases each session (case clinics)", coerce=int, choices=[(1, "One case"), (2, "Two cases")],
                                 default=1, validators=[Optional()], not_offered="Choose one or two cases")
    member_ids = ListMultipleField("Members (closed groups)", coerce=int, choices=[], validators=[Optional()],
                                   not_offered="Choose members from the list")
    capacity = WholeNumberField("Seats", not_a_number="Enter the number of seats, like 8", validators=[
        InputRequired(message="Enter the number of seats, like 8"),
        NumberRange(min=1, max=200, message="Seats must be between 1 and 200")])
    location = LineField("Location or video link", validators=[
        DataRequired(message="Enter where it happens, or the video link"),
        LengthLimit(max=300, message="Keep the location to 300 characters or fewer")])
    time_zone = ListSelectField("Time zone", choices=ZONES, default="Europe/London",
                                validators=[DataRequired(message="Choose a time zone")],
                                not_offered="Choose a time zone from the list")
    frequency = ListSelectField("How often", choices=[("weekly", "Weekly, or every few weeks"),
                                                      ("monthly", "Monthly, on a set weekday")],
                                default="weekly", validators=[DataRequired(message="Choose how often")],
                                not_offered="Choose how often")
    every_weeks = WholeNumberField("Every how many weeks (weekly)", default=1,
                                   not_a_number="Enter how many weeks apart, like 1 or 2", validators=[
                                       Optional(), NumberRange(min=1, max=12, message="Between 1 and 12 weeks")])
    weekday = ListSelectField("Day of the week", coerce=int, choices=WEEKDAYS,
                              validators=[InputRequired(message="Choose the day of the week")],
                              not_offered="Choose a day from the list")
    nth = ListSelectField("Which one in the month (monthly)", coerce=int, choices=NTH, default=1,
                          validators=[Optional()], not_offered="Choose which one in the month")
    start_time = LineField("Start time", validators=[DataRequired(message="Enter the start time, like 13:30")])
    minutes = WholeNumberField("Length (minutes)", default=90, not_a_number="Enter the length in minutes, like 90",
                               validators=[InputRequired(message="Enter the length in minutes, like 90"),
                                           NumberRange(min=15, max=LONGEST_SESSION_MINUTES,
                                                       message=f"Length must be between 15 and {LONGEST_SESSION_MINUTES} minutes")])
    starts_on = DayField("First date", validators=[InputRequired(message="Enter the first date")])
    ends_on = DayField("Until (optional)", validators=[Optional()])
    session_count = WholeNumberField("Or for how many sessions (optional)", not_a_number="Enter a number of sessions, like 10",
                                     validators=[Optional(), NumberRange(min=1, max=200, message="Between 1 and 200 sessions")])
    booking_cutoff_hours = WholeNumberField("Booking closes (hours before)", default=2,
                                            not_a_number="Enter a number of hours, like 2",
                                            validators=[InputRequired(message="Enter when booking closes, in hours before"),
                                                        NumberRange(min=0, max=336, message="Between 0 and 336 hours")])
    cancellation_cutoff_hours = WholeNumberField("Cancelling closes (hours before)", default=24,
                                                 not_a_number="Enter a number of hours, like 24",
                                                 validators=[InputRequired(message="Enter when cancelling closes, in hours before"),
                                                             NumberRange(min=0, max=336, message="Between 0 and 336 hours")])

    def validate_start_time(self, field):
        try:
            field.data = time.fromisoformat((field.data or "").strip().replace(".", ":")).strftime("%H:%M")
        except ValueError as error:
            raise ValidationError("Enter the start time as hours and minutes, like 13:30") from error

    def validate_starts_on(self, field):
        today = london(utcnow()).date()
        if field.data and field.data < today:
            raise ValidationError("The first date must be today or later")
        if field.data and field.data > today + FURTHEST_AHEAD:
            raise ValidationError("Choose a first date within the next year")

    validate_ends_on = on_or_after("starts_on", "'Until' must be the same as or after the first date")

    def validate_session_count(self, field):
        if field.data and self.ends_on.data:
            raise ValidationError("Give an end date or a number of sessions, not both")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not on the field: an empty optional field skips its own validators.
        if self.kind.data == "closed" and not self.member_ids.data:
            self.member_ids.errors = [*self.member_ids.errors, "Choose the members of the closed group"]
            valid = False
        if self.audience.data == "chosen" and len(self.organisation_ids.data or []) < 2:
            self.organisation_ids.errors = [*self.organisation_ids.errors,
                                            "Choose at least two organisations, or choose one organisation above"]
            valid = False
        return valid


REASON_HINT = "Optional. Everyone booked will see it, so do not name anyone."


def _reason_field():
    return TextField("Reason (optional)", description=REASON_HINT, validators=[
        Optional(), LengthLimit(max=300, message="Keep the reason to 300 characters or fewer"), no_identifiers])


class MoveSessionForm(PageForm):
    prefix_name = "move"
    day = DayField("New date", validators=[InputRequired(message="Enter the new date")])
    start_time = LineField("New start time", validators=[DataRequired(message="Enter the new start time, like 13:30")])
    reason = _reason_field()
    validate_start_time = SeriesForm.validate_start_time


class CancelSessionForm(PageForm):
    prefix_name = "cancel"
    reason = _reason_field()


class EndSeriesForm(PageForm):
    prefix_name = "end"
    reason = _reason_field()


class WalkInForm(PageForm):
    prefix_name = "walk_in"
    email = LineField("Their work email address", validators=[
        DataRequired(message="Enter the work email address of the person who came without booking"),
        LengthLimit(max=254, message="An email address is 254 characters or fewer")])


class NotesForm(FlaskForm):
    private_notes = TextField("Your private reflective notes", description="Only you can see these.",
                                  validators=[Optional(), LengthLimit(max=20000, message="Keep your notes to 20,000 characters or fewer"), no_identifiers])
    themes = TextField("Themes raised", description=(
        "Shared with the team leads. Describe what came up, not who said it: no names, initials or client details."),
        validators=[Optional(), LengthLimit(max=5000, message="Keep the themes to 5,000 characters or fewer"), no_identifiers])


class EvaluationForm(FlaskForm):
    helpful = ListSelectField("Was the session helpful?", choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")],
                              validators=[DataRequired(message="Choose whether the session was helpful")],
                              not_offered="Choose yes, partly or no")
    come_again = ListSelectField("Would you come again?", choices=[("yes", "Yes"), ("maybe", "Maybe"), ("no", "No")],
                                 validators=[DataRequired(message="Choose whether you would come again")],
                                 not_offered="Choose yes, maybe or no")
    takeaway = TextField("One thing you will take away (optional)",
                             description="Please do not name anyone, or write anything that would identify you.",
                             validators=[Optional(), LengthLimit(max=500, message="Keep it to 500 characters or fewer"), no_identifiers])


class ClinicEvaluationForm(EvaluationForm):
    """A case clinic's evaluation asks, as Project ECHO's do, how confident people felt before and after."""
    confidence_before = confidence_field("Before the clinic, how confident did you feel working with people with both "
                                    "mental health and substance use needs?", "Choose how confident you felt before")
    confidence_after = confidence_field("And now, after it?", "Choose how confident you feel now")
    do_differently = TextField("What will you do differently? (optional)",
                               description="Please do not name anyone, or write anything that would identify you.",
                               validators=[Optional(), LengthLimit(max=500, message="Keep it to 500 characters or fewer"),
                                           no_identifiers])
