"""Template editor and formulation forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import LengthLimit, LineField, ListSelectField, TextField, WholeNumberField, no_identifiers

from .models import AUDIENCES
from .sections import SectionsProblem, parse_sections

SECTIONS_HINT = ("Start each section with a line beginning '## ' and its heading. Write guidance underneath "
                 "(start a line with - to make a list). Put each prompt for the person filling it in on a line beginning '? '.")


class TemplateForm(FlaskForm):
    title = LineField("Title", validators=[DataRequired(message="Enter a title"),
                                             LengthLimit(max=200, message="Title must be 200 characters or fewer"), no_identifiers])
    summary = TextField("Summary", validators=[DataRequired(message="Enter a short summary"),
                                                   LengthLimit(max=1000, message="Keep the summary to 1000 characters or fewer"), no_identifiers])
    audience = ListSelectField("Who is it for?", choices=list(AUDIENCES.items()),
                               validators=[DataRequired(message="Select who it is for")],
                               not_offered="Select who it is for")
    tags = LineField("Tags", validators=[Optional(), LengthLimit(max=300, message="Keep tags to 300 characters or fewer")])
    minutes_needed = WholeNumberField("Time needed (minutes)", not_a_number="Enter the time needed in minutes, like 20",
                                      validators=[InputRequired(message="Enter the time needed in minutes, like 20"),
                                                  NumberRange(min=1, max=600, message="Time needed must be between 1 and 600 minutes")])
    source_note = TextField("Evidence or source", validators=[
        DataRequired(message="Say where this comes from: the evidence, model or guidance it is based on"),
        LengthLimit(max=2000, message="Keep the source note to 2000 characters or fewer"), no_identifiers])
    sections = TextField("Sections", validators=[DataRequired(message="Add at least one section"),
                                                     LengthLimit(max=50000, message="Keep the sections to 50,000 characters or fewer"), no_identifiers])

    field_order = ("title", "summary", "audience", "tags", "minutes_needed", "source_note", "sections")

    def validate_sections(self, field):
        try:
            self.parsed_sections = parse_sections(field.data)
        except SectionsProblem as problem:
            raise ValidationError(str(problem)) from problem

    def cleaned(self) -> dict:
        return {"title": self.title.data, "summary": self.summary.data, "audience": self.audience.data,
                "tags": self.tags.data or "", "minutes_needed": self.minutes_needed.data,
                "source_note": self.source_note.data, "sections": self.parsed_sections}


class StartForm(FlaskForm):
    consultation_id = ListSelectField("Which case is this for?", coerce=int, choices=[],
                                      validators=[InputRequired(message="Choose a case, or 'Not linked to a case'")],
                                      not_offered="Choose one of your cases from the list")


class CommentForm(FlaskForm):
    section_index = WholeNumberField("Section", validators=[InputRequired(message="Choose a section")])
    body = TextField("Comment", validators=[DataRequired(message="Enter your comment"),
                                                LengthLimit(max=5000, message="Keep comments to 5000 characters or fewer"), no_identifiers])
