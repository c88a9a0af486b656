"""The admin's retention settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import NumberRange, Optional

from core.accounts.models import Role
from core.database import db
from core.forms import WholeNumberField
from core.security import role_required

from . import bp
from .models import KINDS
from .retention import kept_for_ever, periods, set_periods

SHORTEST_DAYS, LONGEST_DAYS = 30, 36500


def _days_field(label: str) -> WholeNumberField:
    return WholeNumberField(label, not_a_number="Enter a number of days, like 2555 for seven years", validators=[
        Optional(), NumberRange(min=SHORTEST_DAYS, max=LONGEST_DAYS,
                                message=f"Enter between {SHORTEST_DAYS} and {LONGEST_DAYS:,} days, or leave it blank")])


class RetentionForm(FlaskForm):
    closed_consultations = _days_field("Closed consultations: days after closing")
    formulations = _days_field("Formulations: days after the last change")
    session_notes = _days_field("Reflective practice notes and themes, and supervision records: days after the "
                                "last change")


@bp.route("/admin/retention", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def retention():
    session = db.session
    form = RetentionForm(data=periods(session))
    if form.validate_on_submit():
        set_periods(session, {kind: getattr(form, kind).data for kind in KINDS}, current_user.id)
        session.commit()
        flash("Retention periods saved. The scheduler applies them within the hour.", "success")
        return redirect(url_for("governance.retention"))
    return render_template("governance/retention.html", form=form)


def kept_for_ever_warning() -> str | None:
    """For admins, on every page: which records an admin has set to be kept for ever."""
    if not current_user.has_role(Role.ADMIN):
        return None
    kinds = kept_for_ever(db.session)
    if not kinds:
        return None
    return (f"{', '.join(kinds)} are kept for ever: no retention period is set. Set one under Admin, "
            "How long records are kept.")
