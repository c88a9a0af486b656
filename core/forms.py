"""Form fields whose refusals are written in plain words for the error summary."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from .identifiers import free_text_problem
from .text import one_line, plain_text


class LineField(StringField):
    """A single-line text field: control characters (CR, LF, NUL…) become spaces as the value arrives, before any
    check, so no name, title or reason can carry a line break into an email header, a calendar or a log."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = one_line(self.data)


class TextField(TextAreaField):
    """A multi-line text field: its lines kept, other control characters removed as the value arrives."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = plain_text(self.data)


class LengthLimit(Length):
    """A longest length that, once passed, stops the field's other checks: none of them (the identifier checks
    read every character) ever runs on text longer than its limit. WTForms' own Length only adds its message."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError as error:
            raise StopValidation(error.args[0]) from error


def no_identifiers(form, field) -> None:
    """Refuse an NHS number or email address in free text, with the reason (core.identifiers)."""
    problem = free_text_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class ListSelectField(SelectField):
    """A select or radios field that says 'Select … from the list' for a value not offered."""

    def __init__(self, label=None, validators=None, not_offered: str = "Select an option from the list",
                 may_be_empty: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_offered = not_offered
        self.may_be_empty = may_be_empty  # no answer is not "not offered": the form decides if it is needed

    def pre_validate(self, form):
        if self.may_be_empty and self.data in (None, ""):
            return
        if self.data is not None and self.choices is not None and \
                self.data not in {value for value, *_ in self.choices}:
            raise ValidationError(self.not_offered)


class ListMultipleField(SelectMultipleField):
    def __init__(self, label=None, validators=None, not_offered: str = "Select options from the list", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_offered = not_offered

    def pre_validate(self, form):
        offered = {value for value, *_ in (self.choices or [])}
        if self.data and any(value not in offered for value in self.data):
            raise ValidationError(self.not_offered)


class WholeNumberField(IntegerField):
    """An integer field whose refusal of non-numbers is in plain words."""

    def __init__(self, label=None, validators=None, not_a_number: str = "Enter a whole number, like 30", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.not_a_number) from error


# Dates anyone means, here: a year far outside them is a slip (or a probe), and the arithmetic done with dates
# (a day after, the period before) would overflow near the first and last years Python can hold.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class DayField(DateField):
    """A date (an HTML date input, YYYY-MM-DD) whose refusal of a non-date, or of a year outside EARLIEST_YEAR to
    LATEST_YEAR, is in plain words."""

    def __init__(self, label=None, validators=None, not_a_date: str = "Enter a real date, like 2026-11-24", **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)
        self.not_a_date = not_a_date

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0] or "") > 30:
            raise ValueError(self.not_a_date)
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.not_a_date) from error
        if self.data is not None and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}")


class PageForm(FlaskForm):
    """One of several forms on a page: a prefix keeps their field names and ids apart."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
