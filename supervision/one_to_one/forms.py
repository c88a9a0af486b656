"""The forms of one-to-one supervision: the agreement's terms, a session record with its cases and actions,
confirming it, and a reflective account."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import (
    DayField,
    LengthLimit,
    LineField,
    ListSelectField,
    PageForm,
    WholeNumberField,
    checked_text,
    no_identifiers,
    on_or_after,
    optional_record,
    pseudonymised_reference,
)
from core.timeutil import FURTHEST_AHEAD, london, utcnow
from supervision.forms import SeriesForm

from .agreements import TERMS
from .models import MODES
from .revalidation import QUESTIONS, REGULATORS

CONFIDENTIALITY = (
    "What we discuss stays between us. I will break confidentiality only if something you tell me means someone "
    "is at risk of serious harm, a safeguarding concern, or unsafe practice that puts people at risk: then I will "
    "tell you first, unless that would add to the risk, and agree with you who needs to know. The record of each "
    "session is seen by the two of us only; your team lead sees the dates, never what we discussed.")
COVERS = ("Your caseload and the cases you find hardest, your wellbeing at work, and your learning and "
          "development.")
CASES, ACTIONS = 3, 4  # rows the record form offers for particular cases and agreed actions


def _note(label: str, required: str | None = None, hint: str | None = None):
    validators = [DataRequired(message=required)] if required else [Optional()]
    return LineField(label, description=hint, validators=[
        *validators, LengthLimit(max=300, message="Keep this to 300 characters or fewer"), no_identifiers])


class TermsForm(FlaskForm):
    """The terms of an agreement: offered, changed, or confirmed at a review."""

    every_weeks = WholeNumberField("How often: every how many weeks", default=4,
                                   not_a_number="Enter how many weeks apart, like 4", validators=[
                                       InputRequired(message="Enter how many weeks apart, like 4"),
                                       NumberRange(min=1, max=12, message="Between 1 and 12 weeks")])
    minutes = WholeNumberField("How long (minutes)", default=60, not_a_number="Enter the length in minutes, like 60",
                               validators=[InputRequired(message="Enter the length in minutes, like 60"),
                                           NumberRange(min=15, max=180, message="Between 15 and 180 minutes")])
    starts_on = DayField("Date of the first session", validators=[InputRequired(message="Enter the first date")])
    start_time = LineField("Start time", validators=[DataRequired(message="Enter the start time, like 14:00")])
    mode = ListSelectField("Where", choices=list(MODES.items()), default="in_person",
                           validators=[DataRequired(message="Choose in person, by video or by phone")],
                           not_offered="Choose in person, by video or by phone")
    location = LineField("The room, address or video link", validators=[
        Optional(), LengthLimit(max=300, message="Keep this to 300 characters or fewer")])
    covers = checked_text("What supervision covers", required="Say what supervision covers", max_length=2000)
    confidentiality = checked_text("Confidentiality and its limits", max_length=3000,
                                   required="Say what stays confidential, and when it cannot",
                                   description="What happens if unsafe practice or a safeguarding concern comes up.")
    review_on = DayField("Review date", validators=[InputRequired(message="Enter the review date")])
    change_note = _note("What is changing (for a change or a review)")

    validate_start_time = SeriesForm.validate_start_time
    validate_review_on = on_or_after("starts_on", "The review date must be on or after the first session")

    def validate_starts_on(self, field):
        if field.data and field.data > london(utcnow()).date() + FURTHEST_AHEAD:
            raise ValidationError("Choose a first date within the next year")

    def terms(self) -> dict:
        return {key: (self[key].data.strip() if isinstance(self[key].data, str) else self[key].data)
                for key in TERMS}


class OfferForm(TermsForm):
    supervisee_email = LineField("Supervisee's work email address", validators=[
        DataRequired(message="Enter the work email address of the person you will supervise"),
        LengthLimit(max=254, message="An email address is 254 characters or fewer")])


class DeclineForm(PageForm):
    """Turning down (or withdrawing) a version: a short reason the other person reads."""

    prefix_name = "decline"
    note = _note("Reason (optional)", hint="The other person reads it. Do not name clients.")


class EndForm(DeclineForm):
    prefix_name = "end"


class RecordForm(FlaskForm):
    caseload = checked_text("Caseload", max_length=5000, description="How the caseload is, and what was discussed "
                            "about it. Refer to clients only by reference, in the cases below.")
    wellbeing = checked_text("Wellbeing", max_length=5000)
    learning = checked_text("Learning and development", max_length=5000)
    correction_note = _note("What you corrected (for a correction)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in range(1, CASES + 1):
            if (self[f"case_{n}_discussion"].data or self[f"case_{n}_consultation"].data) \
                    and not self[f"case_{n}_reference"].data:
                self[f"case_{n}_reference"].errors.append("Enter the client reference for this case")
                valid = False
        for n in range(1, ACTIONS + 1):
            what, owner, due = (self[f"action_{n}_{part}"] for part in ("what", "owner", "due"))
            if what.data and not (owner.data and due.data):
                (owner if not owner.data else due).errors.append("Give each action who will do it and by when")
                valid = False
        if not any(self[key].data for key in ("caseload", "wellbeing", "learning")) and \
                not any(self[f"case_{n}_reference"].data for n in range(1, CASES + 1)):
            self.caseload.errors.append("Write what was discussed under at least one heading")
            valid = False
        return valid

    def themes(self) -> dict[str, str]:
        return {key: (self[key].data or "").strip() for key in ("caseload", "wellbeing", "learning")}


for _n in range(1, CASES + 1):
    setattr(RecordForm, f"case_{_n}_reference", LineField(f"Case {_n}: client reference", validators=[
        Optional(), LengthLimit(max=40, message="Client reference must be 40 characters or fewer"),
        pseudonymised_reference]))
    setattr(RecordForm, f"case_{_n}_consultation", optional_record(
        f"Case {_n}: the request it came from (optional)", "Choose one of the supervisee's requests from the list"))
    setattr(RecordForm, f"case_{_n}_discussion", checked_text(f"Case {_n}: what was discussed", max_length=3000))
for _n in range(1, ACTIONS + 1):
    setattr(RecordForm, f"action_{_n}_what", _note(f"Action {_n}"))
    setattr(RecordForm, f"action_{_n}_owner", ListSelectField(
        f"Action {_n}: who", choices=[("", "Choose"), ("supervisor", "Supervisor"), ("supervisee", "Supervisee")],
        validators=[Optional()], not_offered="Choose supervisor or supervisee"))
    setattr(RecordForm, f"action_{_n}_due", DayField(f"Action {_n}: by when", validators=[Optional()]))


class ConfirmForm(PageForm):
    prefix_name = "confirm"
    version = HiddenField()
    reflection = checked_text("Your own reflection (optional)", max_length=5000,
                              description="What you take from the session, in your words. Your supervisor sees it.")


class CorrectionForm(PageForm):
    prefix_name = "correction"
    note = _note("What needs correcting", required="Say what needs correcting")


class AccountForm(FlaskForm):
    regulator = ListSelectField("Your regulator", choices=[(key, r.name) for key, r in REGULATORS.items()],
                                validators=[DataRequired(message="Choose your regulator")],
                                not_offered="Choose your regulator from the list")

    def answers(self) -> dict[str, str]:
        return {key: (self[key].data or "").strip() for key in QUESTIONS}


for _key in QUESTIONS:
    setattr(AccountForm, _key, checked_text(REGULATORS["nmc"].labels[_key], max_length=5000))
