"""The case form a worker offers to a case clinic, and the facilitator's decision on it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Optional

from consult.exclusions import ExclusionFields
from consult.forms import KEY_QUESTION
from core.forms import LengthLimit, LineField, ListSelectField, checked_text, no_identifiers, pseudonymised_reference


class CaseForm(ExclusionFields, FlaskForm):
    client_reference = LineField("Client reference", description="Your service's reference for the person, never their "
                                 "name. The group never sees it: only you, your team leads and the facilitator do.",
                                 validators=[DataRequired(message="Enter your client reference"),
                                             LengthLimit(max=40, message="Client reference must be 40 characters or fewer"),
                                             pseudonymised_reference])
    use_and_mental_health = checked_text(KEY_QUESTION, required="Describe how the person sees their use and their mental health")
    tried_so_far = checked_text("What has been tried so far?")
    question_for_group = checked_text("What do you want the group to help you with?", max_length=2000,
                               required="Enter the question you want the group to help with",
                               description="The group sees this question before the session, without the reference.")

    def cleaned(self) -> dict:
        return {**{name: (self[name].data or "").strip() for name in
                   ("client_reference", "use_and_mental_health", "tried_so_far", "question_for_group")},
                **self.exclusion()}


class ReviewForm(FlaskForm):
    decision = ListSelectField("Your decision", choices=[
        ("accept", "Accept it into a slot"), ("changes", "Ask for changes first"),
        ("decline", "Decline it, and say where else to take it")],
        validators=[DataRequired(message="Choose accept, ask for changes or decline")],
        not_offered="Choose accept, ask for changes or decline")
    slot = ListSelectField("Slot", coerce=int, choices=[], validators=[Optional()],
                           not_offered="Choose a free slot from the list")
    summary = checked_text("Summary the group will see", max_length=2000,
                    description="Shown to everyone booked before the session. No reference, names or identifiers.")
    note = checked_text("What to change, or why it is declined", max_length=2000)
    suggestion = checked_text("Where else they can take it (when declining)", max_length=2000,
                       description="For example the duty psychologist, a later clinic, or a named service.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        needed = {"accept": [(self.slot, "Choose a slot"), (self.summary, "Enter the summary the group will see")],
                  "changes": [(self.note, "Say what to change")],
                  "decline": [(self.note, "Say why the case is declined"),
                              (self.suggestion, "Say where else they can take the case")]}.get(self.decision.data, [])
        for field, message in needed:
            if not field.data and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid


class RecommendationsForm(FlaskForm):
    recommendations = checked_text("The group's recommendations", max_length=10_000,
                            required="Write the recommendations before sending them",
                            description="What the group suggests the worker tries, in plain words. They go to the "
                            "presenter, to everyone marked as attended, and onto the consultation when the case came "
                            "from one. No names or identifiers.")


class TeachingForm(FlaskForm):
    topic = LineField("Teaching topic (optional)", description="A short talk at the start, like 'Benzodiazepines and "
                      "low mood'. Leave it blank for none.", validators=[
                          Optional(), LengthLimit(max=200, message="Keep the topic to 200 characters or fewer"),
                          no_identifiers])
    presenter_id = ListSelectField("Who gives it", coerce=int, choices=[], validators=[Optional()],
                                   not_offered="Choose a psychologist from the list")
