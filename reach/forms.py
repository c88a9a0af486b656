"""The dashboard's filters: a GET form (it changes nothing, so it carries no CSRF token)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms.validators import Optional, ValidationError

from core.accounts.models import ServiceType
from core.forms import DayField, ListSelectField

LONGEST_PERIOD_DAYS = 5 * 366


def _service_type_field() -> ListSelectField:
    return ListSelectField("Kind of service", choices=[("", "All kinds of service")] +
                           [(t.value, t.label) for t in ServiceType], default="", validators=[Optional()],
                           not_offered="Choose a kind of service from the list")


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DayField("From", validators=[Optional()])
    date_to = DayField("To (inclusive)", validators=[Optional()])
    organisation_id = ListSelectField("Organisation", coerce=int, choices=[], default=0, validators=[Optional()],
                                      not_offered="Choose an organisation from the list")
    service_type = _service_type_field()

    def period(self, today: date) -> tuple[date, date]:
        """The chosen dates, or the twelve months to today."""
        end = self.date_to.data or today
        start = self.date_from.data or (end - timedelta(days=364))
        return start, end

    def validate_date_to(self, field):
        if field.data and self.date_from.data:
            if field.data < self.date_from.data:
                raise ValidationError("'To' must be the same as or after 'From'")
            if (field.data - self.date_from.data).days > LONGEST_PERIOD_DAYS:
                raise ValidationError("Choose a period of five years or less")


class PeriodForm(FlaskForm):
    """Commissioners choose a whole month or quarter that has ended (choices set from today's date)."""

    class Meta:
        csrf = False

    period = ListSelectField("Month or quarter", choices=[], validators=[Optional()],
                             not_offered="Choose a month or a quarter from the list")


class LearningNeedsForm(FlaskForm):
    """The learning-needs page's filters: how many months back, and a kind of service."""

    class Meta:
        csrf = False

    months = ListSelectField("Months", choices=[("3", "The last 3 months"), ("6", "The last 6 months"),
                                                ("12", "The last 12 months")], default="6", validators=[Optional()],
                             not_offered="Choose how many months from the list")
    service_type = _service_type_field()
