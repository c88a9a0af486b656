"""The practice note's form. Identifiers are checked against the note's own request as well (services.problems),
so the checks that need the request run in the page, after these."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Optional

from consult.models import NEEDS
from core.accounts.models import SERVICE_TYPE_LABELS
from core.forms import LengthLimit, LineField, ListMultipleField, TextField


def _text(label: str, required: str, longest: int) -> TextField:
    return TextField(label, validators=[DataRequired(message=required), LengthLimit(
        max=longest, message=f"Keep this to {longest:,} characters or fewer")])


class NoteForm(FlaskForm):
    title = LineField("Title", description="The question in a few words, as a worker would search for it, like "
                      "'Drinking before appointments because of anxiety'.", validators=[
                          DataRequired(message="Give the note a title"),
                          LengthLimit(max=200, message="Keep the title to 200 characters or fewer")])
    question = _text("The question", "Write the question the note answers", 5000)
    advice = _text("The advice", "Write the advice", 10_000)
    needs = ListMultipleField("Needs it is about", choices=list(NEEDS.items()), validators=[Optional()],
                              not_offered="Choose needs from the list")
    services = ListMultipleField("Kinds of service it helps", validators=[Optional()],
                                 choices=[(kind.value, label) for kind, label in SERVICE_TYPE_LABELS.items()],
                                 not_offered="Choose kinds of service from the list")

    def cleaned(self) -> dict:
        return {"title": self.title.data.strip(), "question": self.question.data.strip(),
                "advice": self.advice.data.strip(), "needs": ",".join(self.needs.data or []),
                "services": ",".join(self.services.data or [])}
