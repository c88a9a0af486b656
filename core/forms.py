"""Form fields whose refusals are written in plain words for the error summary."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError

from .identifiers import free_text_problem, reference_problem
from .params import whole_number
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


def pseudonymised_reference(form, field) -> None:
    """Refuse a client reference that is a name, an NHS number, a date of birth or the like, with the reason."""
    problem = reference_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def checked_text(label: str, required: str | None = None, max_length: int = 5000,
                 description: str | None = None) -> TextField:
    """Free text others read: required (with the message to show) or optional, bounded, and refused when it
    carries an identifier."""
    validators = [DataRequired(message=required)] if required else [Optional()]
    return TextField(label, description=description, validators=validators + [
        LengthLimit(max=max_length, message=f"Keep this to {max_length:,} characters or fewer"), no_identifiers])


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


def optional_id(value) -> int | None:
    """`coerce` for a select of records that may be left empty: no answer is None, anything not an id is 0
    (never offered, so refused as not on the list rather than with WTForms' own words)."""
    if value in ("", None):
        return None
    return value if isinstance(value, int) else whole_number(str(value)) or 0


def optional_record(label: str, not_offered: str, **kwargs) -> ListSelectField:
    """A select of records (the page sets its choices) that may be left empty (`optional_id`)."""
    return ListSelectField(label, coerce=optional_id, choices=[], may_be_empty=True, not_offered=not_offered,
                           **kwargs)


CONFIDENCE = [(1, "1: not at all confident"), (2, "2"), (3, "3"), (4, "4"), (5, "5: very confident")]


def confidence_field(label: str, missing: str) -> ListSelectField:
    """How confident someone feels, 1 to 5, as Project ECHO's evaluations ask it."""
    return ListSelectField(label, coerce=int, choices=CONFIDENCE, validators=[InputRequired(message=missing)],
                           not_offered="Choose a number from 1 to 5")


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


MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
DATE_PARTS = ("day", "month", "year")


class _WithValues:
    """The posted form as one field sees it: its own name carrying the values given."""

    def __init__(self, formdata, name: str, values: list[str]):
        self.formdata, self.name, self.values = formdata, name, values

    def __contains__(self, key):
        return key == self.name or key in self.formdata

    def getlist(self, key):
        return self.values if key == self.name else self.formdata.getlist(key)


class DayField(DateField):
    """A date as the NHS.UK date input asks for it: day, month and year in three boxes (posted as NAME-day,
    NAME-month, NAME-year), in that order whatever the browser's language, so nobody meets a US-ordered
    picker. A month may be typed as a number or a name. A single YYYY-MM-DD value under NAME is read too (the
    dashboard's shareable links use it). Each refusal says what is wrong in plain words, and what was typed
    is kept for the form to show again (`typed`)."""

    def __init__(self, label=None, validators=None, not_a_date: str = "Enter a real date, like 24 11 2026",
                 **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)
        self.not_a_date = not_a_date
        self.typed: dict[str, str] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.typed = None
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in DATE_PARTS):
            # Bounded before anything reads them: no part of a date is longer than a month's name.
            self.typed = {part: (formdata.get(f"{self.name}-{part}") or "")[:20].strip() for part in DATE_PARTS}
            given = [" ".join(self.typed.values())] if any(self.typed.values()) else []
            formdata = _WithValues(formdata, self.name, given)
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        if self.typed is not None:
            if valuelist:
                self.data = self._from_parts()
        else:
            if valuelist and len(valuelist[0] or "") > 30:
                raise ValueError(self.not_a_date)
            try:
                super().process_formdata(valuelist)
            except ValueError as error:
                raise ValueError(self.not_a_date) from error
        if self.data is not None and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(f"Enter a year between {EARLIEST_YEAR} and {LATEST_YEAR}")

    def _from_parts(self) -> date:
        typed = self.typed
        missing = [part for part in DATE_PARTS if not typed[part]]
        if missing:
            raise ValueError(f"The date must include a {' and a '.join(missing)}")
        month = typed["month"].lower().rstrip(".")
        month = int(month) if month.isdigit() and month.isascii() else MONTHS.get(month)
        if not (typed["day"].isascii() and typed["day"].isdigit() and typed["year"].isascii()
                and typed["year"].isdigit()) or month is None:
            raise ValueError(self.not_a_date)
        if len(typed["year"]) != 4:
            raise ValueError("Enter the year as 4 numbers, like 2026")
        try:
            return date(int(typed["year"]), month, int(typed["day"]))
        except (ValueError, OverflowError) as error:  # a day or month of twenty digits overflows, not just fails
            raise ValueError(self.not_a_date) from error

    def parts(self) -> dict[str, str]:
        """What the three boxes show: what was typed, or the date held."""
        if self.typed is not None:
            return self.typed
        if self.data is None:
            return {part: "" for part in DATE_PARTS}
        return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}


def on_or_after(earlier: str, message: str):
    """A validator for a date that must not come before the date in the form's field `earlier` ("until" after
    "from"); either left empty is for their own validators."""
    def check(form, field):
        if field.data and form[earlier].data and field.data < form[earlier].data:
            raise ValidationError(message)
    return check


class PageForm(FlaskForm):
    """One of several forms on a page: a prefix keeps their field names and ids apart."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
