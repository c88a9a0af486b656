"""Forms for duty patterns, leave, cover and who they are for."""
from __future__ import annotations

from datetime import time

from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import DayField, LineField, ListMultipleField, ListSelectField, PageForm, WholeNumberField, on_or_after
from core.timeutil import FURTHEST_AHEAD, london, utcnow

from . import services as rota

WEEKDAYS = [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday"),
            ("5", "Saturday"), ("6", "Sunday")]


def _clock(message: str):
    def check(form, field):
        try:
            field.data = time.fromisoformat((field.data or "").strip().replace(".", ":")).strftime("%H:%M")
        except ValueError as error:
            raise ValidationError(message) from error
    return check


def _ends_after_it_starts(form, field):
    """A duty runs within one day: 17:00 to 09:00 is far more often a slip than a night on duty."""
    if not form.start_time.errors and field.data and form.start_time.data and field.data <= form.start_time.data:
        raise ValidationError("The end time must be after the start time: a duty starts and ends on the same day")


def _within_a_year(message: str):
    def check(form, field):
        if field.data and field.data > london(utcnow()).date() + FURTHEST_AHEAD:
            raise ValidationError(message)
    return check


def _clock_field(label: str, which: str, example: str) -> LineField:
    return LineField(label, validators=[
        DataRequired(message=f"Enter the {which} time, like {example}"),
        _clock(f"Enter the {which} time as hours and minutes, like {example}")])


class WhoForm(PageForm):
    psychologist_id = ListSelectField("Psychologist", coerce=int, choices=[],
                                      validators=[DataRequired(message="Choose a psychologist")],
                                      not_offered="Choose a psychologist from the list")


class PatternForm(WhoForm):
    prefix_name = "pattern"
    weekdays = ListMultipleField("Days", choices=WEEKDAYS, validators=[DataRequired(message="Select at least one day")],
                                 not_offered="Select days from the list")
    start_time = _clock_field("Start time", "start", "09:00")
    end_time = _clock_field("End time", "end", "17:00")
    every_weeks = WholeNumberField("Every how many weeks", default=1,
                                   not_a_number="Enter how often as a number, like 1 for every week", validators=[
        InputRequired(message="Enter how often, like 1 for every week or 2 for every other week"),
        NumberRange(min=1, max=8, message="Every how many weeks must be between 1 and 8")])
    starts_on = DayField("From", validators=[InputRequired(message="Enter the first date")])
    ends_on = DayField("Until (optional)", validators=[Optional()])
    daily_capacity = WholeNumberField("New consultations a day", default=5,
                                      not_a_number="Enter how many new consultations you can take a day, like 5",
                                      validators=[
        InputRequired(message="Enter how many new consultations you can take a day"),
        NumberRange(min=0, max=50, message="Daily capacity must be between 0 and 50")])

    field_order = ("pattern-psychologist_id", "pattern-weekdays", "pattern-start_time", "pattern-end_time",
                   "pattern-every_weeks", "pattern-starts_on", "pattern-ends_on", "pattern-daily_capacity")

    validate_end_time = _ends_after_it_starts
    validate_starts_on = _within_a_year("Choose a first date within the next year")

    def cleaned(self) -> dict:
        """The pattern as the rota's services take it."""
        return {"weekdays": self.weekdays.data, "start_time": self.start_time.data, "end_time": self.end_time.data,
                "every_weeks": self.every_weeks.data, "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
                "daily_capacity": self.daily_capacity.data}

    validate_ends_on = on_or_after("starts_on", "'Until' must be the same as or after 'From'")


class LeaveForm(WhoForm):
    prefix_name = "leave"
    starts_on = DayField("First day of leave", validators=[InputRequired(message="Enter the first day of leave")])
    ends_on = DayField("Last day of leave", validators=[InputRequired(message="Enter the last day of leave")])

    validate_ends_on = on_or_after("starts_on", "The last day must be the same as or after the first day")


class CoverForm(WhoForm):
    prefix_name = "cover"
    day = DayField("Date", validators=[InputRequired(message="Enter the date")])
    start_time = _clock_field("Start time", "start", "09:00")
    end_time = _clock_field("End time", "end", "17:00")
    capacity = WholeNumberField("New consultations", default=3,
                                not_a_number="Enter how many new consultations you can take, like 3", validators=[
        InputRequired(message="Enter how many new consultations you can take"),
        NumberRange(min=0, max=50, message="Capacity must be between 0 and 50")])

    validate_end_time = _ends_after_it_starts
    validate_day = _within_a_year("Choose a date within the next year for the cover")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and rota.local_span(self.day.data, self.start_time.data, self.end_time.data)[1] <= utcnow():
            self.end_time.errors = [*self.end_time.errors, "This cover would have ended already: choose a time to come"]
            valid = False
        return valid
