"""The admin's audit search. Looking at the audit log is itself audited."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from . import audit
from .accounts.models import Person, Role
from .database import db
from .pagination import paginate
from .security import role_required
from .timeutil import LONDON

bp = Blueprint("audit", __name__)


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    person = StringField("Person (email address)", validators=[Optional(), Length(max=254)])
    action = StringField("Action", validators=[Optional(), Length(max=80)])
    record_type = StringField("Record type", validators=[Optional(), Length(max=60)])
    record_id = StringField("Record id", validators=[Optional(), Length(max=60)])
    date_from = DateField("From (date)", validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField("To (date)", validators=[Optional()], format="%Y-%m-%d")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")


def _london_midnight_utc(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


@bp.route("/admin/audit")
@role_required(Role.ADMIN)
def search():
    session = db.session
    form = AuditSearchForm(request.args)
    query = (select(audit.AuditEvent).options(selectinload(audit.AuditEvent.actor))
             .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc()))
    valid = form.validate() if request.args else True
    if valid:
        if form.person.data:
            query = query.join(Person, Person.id == audit.AuditEvent.actor_id).where(
                Person.email == form.person.data.strip().lower())
        if form.action.data:
            query = query.where(audit.AuditEvent.action == form.action.data.strip())
        if form.record_type.data:
            query = query.where(audit.AuditEvent.record_type == form.record_type.data.strip())
        if form.record_id.data:
            query = query.where(audit.AuditEvent.record_id == form.record_id.data.strip())
        if form.date_from.data:
            query = query.where(audit.AuditEvent.at >= _london_midnight_utc(form.date_from.data))
        if form.date_to.data:
            query = query.where(audit.AuditEvent.at < _london_midnight_utc(form.date_to.data + timedelta(days=1)))
    page = paginate(session, query) if valid else None
    audit.record(session, "audit.searched", None, None,
                 **{k: str(v) for k, v in form.data.items() if v})
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/audit.html", form=form, page=page, args=args)
