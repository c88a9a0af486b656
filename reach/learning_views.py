"""The lead psychologist's page of what workers need to learn."""
from __future__ import annotations

from datetime import datetime

from flask import render_template, request

from core import audit
from core.accounts.models import Role, ServiceType
from core.database import db
from core.security import role_required
from core.timeutil import LONDON

from . import bp, periods
from .forms import LearningNeedsForm
from .learning import LABELS, learning_needs


@bp.route("/learning-needs")
@role_required(Role.LEAD_PSYCHOLOGIST)
def learning_needs_page():
    form = LearningNeedsForm(request.args)
    valid = form.validate() if request.args else True
    count = int(form.months.data) if valid and form.months.data else 6
    service_type = (form.service_type.data or None) if valid else None
    months = periods.back_from(periods.month_of(datetime.now(LONDON).date()), count)[::-1]  # oldest first
    found = learning_needs(db.session, months, service_type)
    audit.record(db.session, "reach.learning_needs_viewed", None, None, months=count, service_type=service_type)
    kinds = {t.value: t.label for t in ServiceType}
    return render_template("reach/learning_needs.html", form=form, found=found, labels=LABELS, kinds=kinds,
                           kind_label=kinds.get(service_type, "every kind of service"))
