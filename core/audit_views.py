"""The admin's audit search. Looking at the audit log is itself audited."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.validators import Optional, ValidationError

from . import audit
from .accounts.models import Person, Role
from .csv_export import csv_response
from .database import db
from .forms import DayField, LengthLimit, LineField, ListSelectField, on_or_after
from .pagination import paginate
from .security import role_required
from .timeutil import LONDON, format_london

bp = Blueprint("audit", __name__)
EXPORT_LIMIT = 100_000


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    person = LineField("Person (email address)", validators=[Optional(), LengthLimit(max=254)])
    action = ListSelectField("Action", choices=[], validators=[Optional()],
                             not_offered="Choose an action from the list")
    record_type = ListSelectField("Record type", choices=[], validators=[Optional()],
                                  not_offered="Choose a record type from the list")
    record_id = LineField("Record id", validators=[Optional(), LengthLimit(max=60)])
    date_from = DayField("From (date)", validators=[Optional()])
    date_to = DayField("To (date)", validators=[Optional()])

    def validate_record_id(self, field):
        # Record ids are whole numbers (a list of teams is several, separated by commas).
        if not all(part.isdigit() and part.isascii() for part in field.data.strip().split(",")):
            raise ValidationError("Enter the record id as a number, like 42")

    validate_date_to = on_or_after("date_from", "The 'to' date must be the same as or after the 'from' date")


def _london_midnight_utc(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _filtered(form: AuditSearchForm):
    query = (select(audit.AuditEvent).options(selectinload(audit.AuditEvent.actor))
             .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc()))
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
    return query


def _searched(session, action: str, form: AuditSearchForm) -> None:
    audit.record(session, action, None, None, **{k: str(v) for k, v in form.data.items() if v})


def _search_form(session) -> AuditSearchForm:
    form = AuditSearchForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, audit.describe(a)) for a in audit.recorded(session, "action")]
    form.record_type.choices = [("", "Any record")] + [
        (t, t.replace("_", " ").capitalize()) for t in audit.recorded(session, "record_type")]
    return form


@bp.route("/admin/audit")
@role_required(Role.ADMIN)
def search():
    session = db.session
    form = _search_form(session)
    valid = form.validate() if request.args else True
    page = paginate(session, _filtered(form)) if valid else None
    _searched(session, "audit.searched", form)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/audit.html", form=form, page=page, args=args)


@bp.route("/admin/audit.csv")
@role_required(Role.ADMIN)
def export():
    """The events matching the search, newest first, up to EXPORT_LIMIT rows. The export is itself audited."""
    session = db.session
    form = _search_form(session)
    if not form.validate():
        abort(400)
    events = session.scalars(_filtered(form).limit(EXPORT_LIMIT))
    _searched(session, "audit.exported", form)
    rows = ([format_london(e.at), e.actor.email if e.actor else "", e.action, e.record_type or "", e.record_id or "",
             e.ip_address or "", e.detail or ""] for e in events)
    return csv_response("audit-log.csv", ["When (UK time)", "Who", "Action", "Record type", "Record id", "From",
                                          "Detail"], rows)
