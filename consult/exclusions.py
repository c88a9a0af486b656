"""Exclusions: whether the person was recently turned away or discharged by a service, which kind, and the reason
given. Asked (optionally) on the request form and the case clinic form, and counted on the dashboard: the
exclusions the PHE guidance and NICE QS188 name (intoxicated, "not severe enough", no diagnosis) and others."""
from __future__ import annotations

from wtforms.validators import ValidationError

from core.forms import ListSelectField

EXCLUDING_SERVICES = {
    "mental_health": "A mental health service",
    "drug_and_alcohol": "A drug and alcohol service",
    "primary_care": "A GP or other primary care",
    "housing": "A housing or homelessness service",
    "other": "Another service",
}
REASONS = {
    "intoxicated": "Intoxicated at the appointment",
    "not_severe_enough": "Not severe enough",
    "no_diagnosis": "No diagnosis",
    "missed_appointments": "Missed appointments",
    "behaviour": "Behaviour",
    "waiting_list_closed": "Waiting list closed",
    "other": "Another reason",
}


class ExclusionFields:
    """The two optional questions, for a form to take on: both answered or neither."""

    excluded_by = ListSelectField(
        "Has this person been turned away or discharged by a service recently?",
        choices=[("", "No, or not that I know of"), *EXCLUDING_SERVICES.items()], may_be_empty=True,
        description="In the last six months. Optional: it helps the partnership see where people fall between "
                    "services.", not_offered="Choose a kind of service from the list")
    exclusion_reason = ListSelectField("The reason they were given", choices=[("", "Choose a reason"),
                                                                             *REASONS.items()],
                                       may_be_empty=True, not_offered="Choose a reason from the list")

    def validate_exclusion_reason(self, field):
        if self.excluded_by.data and not field.data:
            raise ValidationError("Choose the reason the service gave, or 'Another reason'")
        if field.data and not self.excluded_by.data:
            raise ValidationError("Choose which kind of service turned them away, or leave the reason blank")

    def exclusion(self) -> dict:
        return {"excluded_by": self.excluded_by.data or None, "exclusion_reason": self.exclusion_reason.data or None}
