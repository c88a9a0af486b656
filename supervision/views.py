"""Reflective practice pages: sessions people can join, booking and the waitlist, scheduling a group."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, joinedload

from consult.services import psychologists
from core import audit
from core.accounts.models import Person, Role, TeamMembership
from core.config import base_host
from core.database import db
from core.pagination import paginate
from core.security import role_required
from core.timeutil import LONDON, utcnow

from . import bp, services
from .calendar import booking_invitation
from .forms import SeriesForm
from .models import BOOKED, WAITLISTED, Booking, GroupSeries, GroupSession, SeriesMember
from .services import BookingRefused


def _session_rows(query):
    """Sessions with their series, seats taken and this person's booking: one query for the whole page."""
    mine = aliased(Booking)
    taken = (select(func.count(Booking.id)).where(Booking.session_id == GroupSession.id, Booking.status == BOOKED)
             .correlate(GroupSession).scalar_subquery())
    return (query.add_columns(taken.label("taken"), mine.status.label("my_status"))
            .outerjoin(mine, and_(mine.session_id == GroupSession.id, mine.person_id == current_user.id))
            .options(joinedload(GroupSession.series).joinedload(GroupSeries.facilitator)))


@bp.route("/")
def index():
    query = (select(GroupSession).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
             .where(services.joinable_condition(current_user), GroupSession.status == "scheduled",
                    GroupSession.ends_at > utcnow())
             .order_by(GroupSession.starts_at, GroupSession.id))
    page = paginate(db.session, _session_rows(query), scalars=False)
    return render_template("supervision/index.html", page=page,
                           can_schedule=current_user.has_role(Role.TEAM_LEAD))


def _load_session(session_id: int) -> GroupSession:
    gs = db.session.scalar(select(GroupSession).options(joinedload(GroupSession.series).joinedload(GroupSeries.facilitator))
                           .where(GroupSession.id == session_id))
    if gs is None or not services.can_join(db.session, current_user, gs.series):
        abort(404)
    return gs


@bp.route("/sessions/<int:session_id>")
def show(session_id: int):
    gs = _load_session(session_id)
    booking = db.session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == current_user.id))
    waiting_ahead = None
    if booking is not None and booking.status == WAITLISTED:
        waiting_ahead = db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.session_id == gs.id, Booking.status == WAITLISTED, Booking.created_at < booking.created_at))
    return render_template("supervision/session.html", gs=gs, series=gs.series, booking=booking,
                           taken=services.booked_count(db.session, gs.id), waiting_ahead=waiting_ahead, now=utcnow(),
                           can_keep_register=services.can_keep_register(current_user, gs.series))


@bp.route("/sessions/<int:session_id>/book", methods=["POST"])
def book(session_id: int):
    gs = _load_session(session_id)
    try:
        booking = services.book(db.session, gs.id, current_user)
    except BookingRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash("Your place is booked." if booking.status == BOOKED else
              "The session is full, so you are on the waitlist. We will tell you if a place comes up.", "success")
    return redirect(url_for("supervision.show", session_id=gs.id))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.person_id != current_user.id:
        abort(404)
    try:
        services.cancel(db.session, booking)
    except BookingRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash("Your booking is cancelled.", "success")
    return redirect(url_for("supervision.show", session_id=booking.session_id))


def _series_form(session) -> SeriesForm:
    form = SeriesForm()
    form.facilitator_id.choices = [(p.id, p.name) for p in psychologists(session)]
    teams = list(current_user.teams)
    form.team_id.choices = [(0, f"Everyone at {current_user.organisation.name}")] + [(t.id, t.name) for t in teams]
    members = session.scalars(select(Person).join(TeamMembership, TeamMembership.person_id == Person.id)
                              .where(TeamMembership.team_id.in_([t.id for t in teams]), Person.is_active.is_(True))
                              .order_by(Person.name)).unique().all()
    form.member_ids.choices = [(p.id, p.name) for p in members]
    return form


@bp.route("/series/new", methods=["GET", "POST"])
@role_required(Role.TEAM_LEAD)
def new_series():
    session = db.session
    form = _series_form(session)
    if form.validate_on_submit():
        series = GroupSeries(
            title=form.title.data.strip(), description=form.description.data or "",
            facilitator_id=form.facilitator_id.data, created_by_id=current_user.id,
            organisation_id=current_user.organisation_id, team_id=form.team_id.data or None,
            open_round=form.kind.data == "open", capacity=form.capacity.data, location=form.location.data.strip(),
            time_zone=form.time_zone.data, frequency=form.frequency.data, every_weeks=form.every_weeks.data or 1,
            weekday=form.weekday.data, nth=form.nth.data if form.frequency.data == "monthly" else None,
            start_time=form.start_time.data, minutes=form.minutes.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, session_count=form.session_count.data,
            booking_cutoff_hours=form.booking_cutoff_hours.data,
            cancellation_cutoff_hours=form.cancellation_cutoff_hours.data)
        session.add(series)
        session.flush()
        if not series.open_round:
            for person_id in form.member_ids.data:
                session.add(SeriesMember(series_id=series.id, person_id=person_id))
        made = services.make_sessions(session)
        audit.record(session, "series.created", "group_series", series.id, sessions=made)
        session.commit()
        flash(f"{series.title} is scheduled: {made} sessions are open for booking.", "success")
        return redirect(url_for("supervision.index"))
    return render_template("supervision/series_form.html", form=form)




# --- The register ------------------------------------------------------------------------

def _register_session(session_id: int) -> GroupSession:
    gs = db.session.scalar(select(GroupSession).options(joinedload(GroupSession.series))
                           .where(GroupSession.id == session_id))
    if gs is None or not services.can_keep_register(current_user, gs.series):
        abort(404)
    return gs


@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
def register(session_id: int):
    gs = _register_session(session_id)
    session = db.session
    if request.method == "POST":
        if request.form.get("walk_in_email", "").strip():
            try:
                services.add_walk_in(session, gs, request.form["walk_in_email"])
            except BookingRefused as refusal:
                session.rollback()
                flash(str(refusal), "error")
                return redirect(url_for("supervision.register", session_id=gs.id))
        else:
            marks = {int(key.split("-", 1)[1]): value for key, value in request.form.items()
                     if key.startswith("attendance-") and key.split("-", 1)[1].isdigit()}
            services.mark_attendance(session, gs, marks)
        session.commit()
        flash("Register saved.", "success")
        return redirect(url_for("supervision.register", session_id=gs.id))
    bookings = session.scalars(select(Booking).options(joinedload(Booking.person))
                               .where(Booking.session_id == gs.id, Booking.status.in_([BOOKED, WAITLISTED]))
                               .order_by(Booking.status, Booking.created_at)).all()
    audit.record(session, "session.register_viewed", "group_session", gs.id)
    return render_template("supervision/register.html", gs=gs, series=gs.series, bookings=bookings)


@bp.route("/record")
def record():
    page = paginate(db.session, services.attendance_record(db.session, current_user.id))
    total_minutes = db.session.scalar(
        select(func.coalesce(func.sum(GroupSeries.minutes), 0))
        .select_from(Booking).join(GroupSession, GroupSession.id == Booking.session_id)
        .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(Booking.person_id == current_user.id, Booking.attendance == "attended"))
    return render_template("supervision/record.html", page=page, hours=round(total_minutes / 60, 1))


@bp.route("/record.csv")
def record_csv():
    rows = db.session.scalars(services.attendance_record(db.session, current_user.id)).unique().all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Date", "Start (UK time)", "Session", "Facilitator", "Hours"])
    for b in rows:
        local = b.session.starts_at.astimezone(LONDON)
        writer.writerow([local.date().isoformat(), local.strftime("%H:%M"), _csv_safe(b.session.series.title),
                         _csv_safe(b.session.series.facilitator.name), round(b.session.series.minutes / 60, 2)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="reflective-practice-record.csv"'})


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with these characters as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.route("/bookings/<int:booking_id>.ics")
def booking_calendar(booking_id: int):
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.person_id != current_user.id:
        abort(404)
    gs = db.session.get(GroupSession, booking.session_id)
    series = db.session.get(GroupSeries, gs.series_id)
    base_url = current_app.config["BASE_URL"]
    body = booking_invitation(booking, gs, series, base_url, base_host(current_app.config))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="reflective-practice-{gs.id}.ics"'})
