"""Consultation forms. Help text teaches a good question; identifiers are refused with a reason."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import (
    DayField,
    LengthLimit,
    LineField,
    ListMultipleField,
    ListSelectField,
    PageForm,
    WholeNumberField,
    checked_text,
    confidence_field,
    no_identifiers,
    optional_record,
    pseudonymised_reference,
)
from core.timeutil import LONDON

from .exclusions import ExclusionFields
from .models import (
    ACCESS_REASONS,
    ACTION_OWNERS,
    CALL_MODES,
    CHECK_BACK_ENGAGED,
    CHECK_BACK_TRIED,
    CONSENT,
    MODES,
    NEEDS,
    OUTCOMES,
    RISKS,
    URGENCY,
    WITHOUT_ADVICE,
)

KEY_QUESTION = ("How does the person see their alcohol, drug or tobacco use helping or hindering "
                "their mental health, and vice versa?")
YES_NO = [("no", "No"), ("yes", "Yes")]


ADVICE_LENGTH = 10_000


class RequestForm(ExclusionFields, FlaskForm):
    client_reference = LineField("Client reference", validators=[
        DataRequired(message="Enter your client reference"),
        LengthLimit(max=40, message="Client reference must be 40 characters or fewer"), pseudonymised_reference,
    ])
    consent_basis = ListSelectField("Consent", choices=list(CONSENT.items()),
                                    validators=[DataRequired(message="Select how you are sharing this")],
                                    not_offered="Select how you are sharing this")
    presenting_needs = ListMultipleField("What needs does the person have?", choices=list(NEEDS.items()),
                                         validators=[DataRequired(message="Select at least one need")],
                                         not_offered="Select needs from the list")
    use_and_mental_health = checked_text(KEY_QUESTION, required="Describe how the person sees their use and their mental health")
    tried_so_far = checked_text("What has been tried so far?")
    care_coordinator = LineField("Care coordinator (if there is one)", validators=[
        Optional(), LengthLimit(max=200, message="Keep this to 200 characters or fewer"), no_identifiers])
    risks = ListMultipleField("Are any of these risks present?", choices=list(RISKS.items()),
                              validators=[Optional()], not_offered="Select risks from the list")
    immediate_danger = ListSelectField("Is anyone in immediate danger now?", choices=YES_NO,
                                       validators=[DataRequired(message="Say whether anyone is in immediate danger now")],
                                       not_offered="Say whether anyone is in immediate danger now")
    # Not required when someone is in immediate danger: that makes it urgent, whatever else is answered.
    urgency = ListSelectField("How soon do you need a reply?", choices=list(URGENCY.items()), may_be_empty=True,
                              not_offered="Select how soon you need a reply")
    preferred_mode = ListSelectField("How would you like the advice?", choices=list(MODES.items()),
                                     validators=[DataRequired(message="Select how you would like the advice")],
                                     not_offered="Select how you would like the advice")
    question = checked_text("What do you want to ask the psychologist?", required="Enter the question you want answered")
    continuity = ListSelectField("Who should answer?", choices=[
        ("duty", "Whoever is on duty (usually quickest)"),
        ("same", "The same psychologist as last time for this client"),
    ], default="duty", validators=[DataRequired(message="Select who should answer")],
        not_offered="Select who should answer")

    field_order = ("client_reference", "consent_basis", "presenting_needs", "use_and_mental_health",
                   "tried_so_far", "care_coordinator", "excluded_by", "exclusion_reason", "risks", "immediate_danger",
                   "urgency", "preferred_mode", "question", "continuity")

    def validate_urgency(self, field):
        if not field.data and self.immediate_danger.data != "yes":
            raise ValidationError("Select how soon you need a reply")

    def cleaned(self) -> dict:
        data = {name: self[name].data for name in self.field_order}
        data["immediate_danger"] = self.immediate_danger.data == "yes"
        return data


class MessageForm(PageForm):
    prefix_name = "message"
    body = checked_text("Your message", required="Enter your message")


def referral_service(label: str) -> ListSelectField:
    """A service from the directory (choices set by the page), or none."""
    return optional_record(label, "Choose a service from the directory's list")


class AdviceForm(PageForm):
    prefix_name = "advice"
    # A page or two: the worker reads it on shift, and it goes into their case notes.
    body = checked_text("Advice", required="Enter your advice", max_length=ADVICE_LENGTH)
    referral_service_id = referral_service("Recommend a referral to a service (optional)")
    # One of the psychologist's saved paragraphs, put in by the "Insert" button (the page sets the choices).
    snippet_id = optional_record("Insert one of your saved paragraphs", "Choose one of your saved paragraphs")


class GuestForm(PageForm):
    prefix_name = "guest"
    # A colleague's work address, to find them by: it is not stored (the invitation names the person).
    email = LineField("Their work email address", validators=[
        DataRequired(message="Enter your colleague's work email address"),
        LengthLimit(max=254, message="An email address is 254 characters or fewer")])
    role = LineField("Their part in the person's care", description="Like 'care coordinator' or 'hostel keyworker'.",
                     validators=[DataRequired(message="Say what part they have in the person's care"),
                                 LengthLimit(max=100, message="Keep this to 100 characters or fewer"),
                                 no_identifiers])


SNIPPET_LENGTH = 3000


class SnippetForm(PageForm):
    prefix_name = "snippet"
    title = LineField("Name", description="So you can find it, like 'Harm reduction for opioids'.", validators=[
        DataRequired(message="Give the paragraph a name"),
        LengthLimit(max=100, message="Keep the name to 100 characters or fewer"), no_identifiers])
    body = checked_text("Paragraph", required="Write the paragraph", max_length=SNIPPET_LENGTH)


class ActionForm(PageForm):
    prefix_name = "action"
    what = LineField("What is to be done", description="One step, in a few words, like 'book a GP appointment about "
                     "sleep'.", validators=[DataRequired(message="Say what is to be done"),
                                            LengthLimit(max=300, message="Keep the action to 300 characters or fewer"),
                                            no_identifiers])
    owner = ListSelectField("Who will do it", choices=list(ACTION_OWNERS.items()),
                            validators=[DataRequired(message="Choose who will do it")],
                            not_offered="Choose who will do it from the list")
    due_on = DayField("By when (optional)", validators=[Optional()])


class InformationRequestForm(PageForm):
    prefix_name = "information"
    body = checked_text("What do you need to know?", required="Say what information you need")


class ReassignForm(PageForm):
    prefix_name = "reassign"
    psychologist_id = ListSelectField("Pass to", coerce=int, choices=[],
                                      validators=[DataRequired(message="Choose a psychologist")],
                                      not_offered="Choose a psychologist from the list")
    reason = LineField("Reason", validators=[
        DataRequired(message="Give a reason for passing this on"),
        LengthLimit(max=300, message="Keep the reason to 300 characters or fewer"), no_identifiers])


class CloseForm(PageForm):
    prefix_name = "close"
    outcome = ListSelectField("Outcome", choices=list(OUTCOMES.items()),
                              validators=[DataRequired(message="Select an outcome")],
                              not_offered="Select an outcome from the list")
    minutes_spent = WholeNumberField("Time spent (minutes)", not_a_number="Enter the time you spent in minutes, like 30", validators=[
        InputRequired(message="Enter the time you spent in minutes, like 30"),
        NumberRange(min=1, max=24 * 60, message="Time spent must be between 1 and 1440 minutes"),
    ])
    referral_service_id = referral_service("Service recommended for a referral")
    referral_or_signposting = checked_text("Other referral or signposting", max_length=2000,
                                           description="For a service not in the directory, say which and how to "
                                           "refer; or where else the worker could turn.")

    def validate_referral_service_id(self, field):
        if self.outcome.data == "referral_recommended" and not field.data and \
                not (self.referral_or_signposting.data or "").strip():
            raise ValidationError("Choose the service to refer to from the directory, or describe the referral "
                                  "below if the service is not listed")


class SurveyForm(PageForm):
    prefix_name = "survey"
    useful = ListSelectField("Was the advice useful?", choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")],
                             validators=[DataRequired(message="Say whether the advice was useful")],
                             not_offered="Say whether the advice was useful")
    more_confident = ListSelectField("Do you feel more confident working with this person?",
                                     choices=[("yes", "Yes"), ("no", "No")],
                                     validators=[DataRequired(message="Say whether you feel more confident")],
                                     not_offered="Say whether you feel more confident")
    without_advice = ListSelectField("Without this advice, what would you have done?",
                                     choices=list(WITHOUT_ADVICE.items()),
                                     validators=[DataRequired(message="Say what you would have done without the advice")],
                                     not_offered="Say what you would have done without the advice")
    confidence_before = confidence_field("Before you asked, how confident did you feel working with this person?",
                                         "Choose how confident you felt before you asked")
    confidence_now = confidence_field("And now?", "Choose how confident you feel now")
    what_happened_next = checked_text("What happened next?", max_length=2000)

    def answers(self) -> dict:
        return {name: self[name].data for name in ("useful", "more_confident", "without_advice",
                                                   "confidence_before", "confidence_now", "what_happened_next")}


class _CallTime(PageForm):
    """A date and a start time in UK time, for booking or moving a call."""
    day = DayField("Date", validators=[InputRequired(message="Enter the date of the call")])
    start = LineField("Start time", validators=[DataRequired(message="Enter the start time, like 14:30")])

    def validate_start(self, field):
        try:
            time.fromisoformat((field.data or "").strip().replace(".", ":"))
        except ValueError as error:
            raise ValidationError("Enter the start time as hours and minutes, like 14:30") from error

    def starts_at_utc(self) -> datetime:
        local = datetime.combine(self.day.data, time.fromisoformat(self.start.data.strip().replace(".", ":")),
                                 tzinfo=LONDON)
        return local.astimezone(timezone.utc)


class CallForm(_CallTime):
    prefix_name = "call"
    mode = ListSelectField("How", choices=list(CALL_MODES.items()),
                           validators=[DataRequired(message="Select how you will talk")],
                           not_offered="Select how you will talk")


class MoveCallForm(_CallTime):
    prefix_name = "move"


class CancelCallForm(PageForm):
    prefix_name = "cancel"
    reason = LineField("Reason (optional)", description="The other person will see it.", validators=[
        Optional(), LengthLimit(max=300, message="Keep the reason to 300 characters or fewer"), no_identifiers])


class CallOutcomeForm(PageForm):
    prefix_name = "outcome"
    attended = ListSelectField("Did the call happen?", choices=[("yes", "Attended"), ("no", "Missed")],
                               validators=[DataRequired(message="Say whether the call happened")],
                               not_offered="Say whether the call happened")


class SuggestTemplateForm(PageForm):
    prefix_name = "suggest"
    version_id = ListSelectField("Template", coerce=int, choices=[],
                                 validators=[DataRequired(message="Choose a template")],
                                 not_offered="Choose a template from the list")


class CheckBackForm(PageForm):
    prefix_name = "check_back"
    tried = ListSelectField("Have you tried the advice?", choices=list(CHECK_BACK_TRIED.items()),
                            validators=[DataRequired(message="Say whether you have tried the advice")],
                            not_offered="Say whether you have tried the advice")
    engaged = ListSelectField("Is the person engaging with you?", choices=list(CHECK_BACK_ENGAGED.items()),
                              validators=[DataRequired(message="Say whether the person is engaging")],
                              not_offered="Say whether the person is engaging")
    missed_appointments = ListSelectField("Have they missed appointments since?", choices=YES_NO,
                                          validators=[DataRequired(message="Say whether they have missed appointments")],
                                          not_offered="Say whether they have missed appointments")
    next_steps = checked_text("What happens next?", max_length=2000)

    def cleaned(self) -> dict:
        return {"tried": self.tried.data, "engaged": self.engaged.data,
                "missed_appointments": self.missed_appointments.data == "yes", "next_steps": self.next_steps.data}


class AccessForm(PageForm):
    prefix_name = "access"
    reason = ListSelectField("Why do you need to see this request?", choices=list(ACCESS_REASONS.items()),
                             validators=[DataRequired(message="Choose why you need to see this request")],
                             not_offered="Choose why you need to see this request")
    details = checked_text("Say more (required for another reason)", max_length=500)
