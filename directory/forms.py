"""The directory's form. A service's contact and address may carry an email, a phone number or a postcode: it
describes a service, never a client, so the client-identifier checks do not run on it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Optional, ValidationError

from core.forms import LengthLimit, LineField, ListSelectField, TextField, optional_record

from .models import SERVICE_KINDS, TEXT_LIMITS


def _line(label: str, required: str, longest: int) -> LineField:
    return LineField(label, validators=[DataRequired(message=required), LengthLimit(
        max=longest, message=f"Keep this to {longest} characters or fewer")])


def _text(label: str, name: str, required: str | None = None, description: str | None = None) -> TextField:
    longest = TEXT_LIMITS[name]
    return TextField(label, description=description, validators=[
        DataRequired(message=required) if required else Optional(),
        LengthLimit(max=longest, message=f"Keep this to {longest:,} characters or fewer")])


class ServiceForm(FlaskForm):
    name = _line("Name of the service", "Enter the name of the service", 200)
    kind = ListSelectField("Kind of service", choices=list(SERVICE_KINDS.items()),
                           validators=[DataRequired(message="Choose the kind of service")],
                           not_offered="Choose the kind of service from the list")
    who_for = _text("Who it is for", "who_for", "Say who the service is for")
    criteria = _text("Criteria", "criteria", "Give the criteria a person must meet",
                     "What a person must meet to be accepted, like 'aged 18 or over, living in Brighton and Hove'.")
    how_to_refer = _text("How to refer", "how_to_refer", "Say how to refer",
                         "The steps, like 'self-referral by phone, or the worker completes the online form'.")
    contact = _line("Contact", "Enter how to contact the service", 300)
    opening_hours = _line("Opening hours", "Enter the opening hours", 300)
    not_for = _text("Who it is not for (optional)", "not_for",
                    description="If you say who it is not for, say which service is for them below.")
    instead_id = optional_record("Where those people should go instead", "Choose a service from the list")

    field_order = ("name", "kind", "who_for", "criteria", "how_to_refer", "contact", "opening_hours", "not_for",
                   "instead_id")

    def validate_instead_id(self, field):
        if (self.not_for.data or "").strip() and not field.data:
            raise ValidationError("Say which service the people it is not for should go to instead")

    def cleaned(self) -> dict:
        data = {name: self[name].data for name in self.field_order}
        data["not_for"] = data["not_for"] or ""
        data["instead_id"] = data["instead_id"] or None
        return data
