"""The lead psychologist's page of duty hours per psychologist, one month at a time."""
from __future__ import annotations

from datetime import date, datetime

from flask import render_template
from flask_login import current_user

from core import audit
from core.accounts.models import Role
from core.database import db
from core.pagination import page_number
from core.params import query_text
from core.security import role_required
from core.timeutil import LONDON

from . import bp
from .duty import duty_hours
from .periods import month_after, parse

EARLIEST = date(2020, 1, 1)


def _month(raw: str, this_month: date) -> date:
    """The month asked for as YYYY-MM, or this month for anything else (or anything outside 2020 to now)."""
    asked = parse(raw)
    if asked is None or asked.months != 1:
        return this_month
    return asked.first if EARLIEST <= asked.first <= this_month else this_month


@bp.route("/duty-hours")
@role_required(Role.LEAD_PSYCHOLOGIST)
def duty_hours_page():
    this_month = datetime.now(LONDON).date().replace(day=1)
    month = _month(query_text("month", 7), this_month)
    page = duty_hours(db.session, month, page_number())
    audit.record(db.session, "reach.duty_hours_viewed", None, None, month=month.isoformat(), by=current_user.id)
    return render_template("reach/duty_hours.html", page=page, month=month, earlier=month_after(month, -1),
                           later=month_after(month, 1) if month < this_month else None,
                           earliest=EARLIEST)
