"""Scheduling a group, the groups someone runs or leads, and one group's page with all its sessions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.accounts.directory import psychologist_choices
from core.accounts.models import Organisation, Team
from core.database import db
from core.pagination import paginate
from core.security import role_required
from core.timeutil import utcnow

from . import audience, bp, groups
from .forms import SeriesForm
from .models import GroupSeries, SeriesKind
from .register import can_keep_register, can_manage_series

UPCOMING_SHOWN = 10


def _series_form(session) -> SeriesForm:
    form = SeriesForm()
    form.facilitator_id.choices = psychologist_choices(session)
    form.audience.choices = audience.choices(session, current_user)
    form.member_ids.choices = audience.member_choices(session, current_user)
    if audience.schedules_across_services(current_user):
        form.organisation_ids.choices = audience.organisation_choices(session)
    return form


@bp.route("/series/new", methods=["GET", "POST"])
@role_required(*audience.SCHEDULERS)
def new_series():
    session = db.session
    form = _series_form(session)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "facilitator_id", "capacity", "time_zone", "frequency", "weekday", "start_time", "minutes", "starts_on",
            "ends_on", "session_count", "booking_cutoff_hours", "cancellation_cutoff_hours")}
        values.update(title=form.title.data.strip(), description=form.description.data or "",
                      open_round=form.kind.data == "open", location=form.location.data.strip(),
                      every_weeks=form.every_weeks.data or 1,
                      nth=form.nth.data if form.frequency.data == "monthly" else None)
        if form.group_kind.data == SeriesKind.CASE_CLINIC:
            values.update(kind=SeriesKind.CASE_CLINIC, case_slots=form.case_slots.data or 1)
        chosen = form.organisation_ids.data if form.audience.data == audience.CHOSEN else None
        series, made = groups.schedule(session, current_user, values, form.member_ids.data,
                                       *audience.resolve(session, form.audience.data), chosen)
        session.commit()
        flash(f"{series.title} is scheduled: {made} sessions are open for booking.", "success")
        return redirect(url_for("supervision.group", series_id=series.id))
    return render_template("supervision/series_form.html", form=form)


@bp.route("/groups")
@role_required(*audience.SCHEDULERS)
def your_groups():
    now = utcnow()
    page = paginate(db.session, groups.your_groups(current_user, now), scalars=False,
                    counting=groups.your_groups_counted(current_user))
    return render_template("supervision/groups.html", page=page, label=audience.label, now=now)


@bp.route("/groups/<int:series_id>")
def group(series_id: int):
    session = db.session
    series = session.scalar(select(GroupSeries).options(joinedload(GroupSeries.facilitator))
                            .where(GroupSeries.id == series_id))
    if series is None or not can_keep_register(current_user, series):
        abort(404)
    now = utcnow()
    organisation = session.get(Organisation, series.organisation_id) if series.organisation_id else None
    team = session.get(Team, series.team_id) if series.team_id else None
    upcoming = session.execute(groups.sessions_of(series, True, now).limit(UPCOMING_SHOWN)).all()
    past = paginate(session, groups.sessions_of(series, False, now), scalars=False)
    return render_template("supervision/group.html", series=series, upcoming=upcoming, past=past, now=now,
                           audience=": ".join([audience.label(series, organisation and organisation.name,
                                                              team and team.name),
                                               *([", ".join(audience.chosen_names(session, series))]
                                                 if series.for_chosen_organisations else [])]),
                           can_manage=can_manage_series(current_user, series))
