"""Reflective practice pages: sessions people can join, booking and the waitlist, scheduling a group."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from core import audit
from core.accounts.directory import psychologist_choices
from core.accounts.models import Person
from core.confirm import confirm_first
from core.database import db
from core.pagination import paginate
from core.refusals import attempt
from core.timeutil import utcnow

from . import audience, bp, changes, clinics, register, services
from .calendar import booking_invitation
from .clinic_forms import TeachingForm
from .forms import CancelSessionForm, EndSeriesForm, MoveSessionForm
from .models import (
    BOOKED,
    HOLDING_SEAT,
    IN_A_SLOT,
    LONGEST_SESSION_MINUTES,
    WAITLISTED,
    Booking,
    GroupSeries,
    GroupSession,
    SessionStatus,
)
from .recurrence import wall_clock
from .register import can_evaluate, can_keep_register, can_manage_series


def _session_rows(query):
    """Sessions with their series, seats taken and this person's booking ("me"): one query for the whole page."""
    mine = aliased(Booking)
    # count(*), not count(id): PostgreSQL counts from the (session, status) index without visiting the rows.
    taken = (select(func.count()).select_from(Booking).where(Booking.session_id == GroupSession.id,
                                                             Booking.status.in_(HOLDING_SEAT))
             .correlate(GroupSession).scalar_subquery())
    return (query.add_columns(taken.label("taken"), mine.status.label("my_status"))
            .outerjoin(mine, and_(mine.session_id == GroupSession.id, mine.person_id == bindparam("me")))
            .options(joinedload(GroupSession.series).joinedload(GroupSeries.facilitator)))


@lru_cache(maxsize=None)
def _bookable(joinable) -> tuple:
    """The sessions still to come in the series someone may join, and the same with each row's extras: built
    once for each kind of person (services.joinable_condition), with times and who is asking bound."""
    query = (select(GroupSession).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
             .where(joinable, GroupSession.status == SessionStatus.SCHEDULED,
                    GroupSession.starts_at > bindparam("started_after"), GroupSession.ends_at > bindparam("now"))
             .order_by(GroupSession.starts_at, GroupSession.id))
    return query, _session_rows(query)


@bp.route("/")
def index():
    now = utcnow()
    counting, query = _bookable(services.joinable_condition(current_user))
    page = paginate(db.session, query, scalars=False, counting=counting,
                    params={"me": current_user.id, "now": now, **services.joinable_params(current_user),
                            "started_after": now - timedelta(minutes=LONGEST_SESSION_MINUTES)})
    return render_template("supervision/index.html", page=page,
                           can_schedule=current_user.has_role(*audience.SCHEDULERS))


def load_session(session_id: int) -> GroupSession:
    gs = db.session.scalar(select(GroupSession).options(joinedload(GroupSession.series).joinedload(GroupSeries.facilitator))
                           .where(GroupSession.id == session_id))
    if gs is None or not (services.can_join(db.session, current_user, gs.series)
                          or can_keep_register(current_user, gs.series)):
        abort(404)
    return gs


@bp.route("/sessions/<int:session_id>")
def show(session_id: int):
    return session_page(load_session(session_id))


def session_page(gs: GroupSession, teaching: TeachingForm | None = None):
    """A session's page; `teaching` is the clinic's teaching form as it was sent, when it needs correcting."""
    booking = db.session.scalar(select(Booking).where(Booking.session_id == gs.id, Booking.person_id == current_user.id))
    waiting_ahead = None
    if booking is not None and booking.status == WAITLISTED:
        waiting_ahead = db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.session_id == gs.id, Booking.status == WAITLISTED, Booking.created_at < booking.created_at))
    now = utcnow()
    cases = clinics.cases_of_session(db.session, gs) if clinics.is_clinic(gs.series) else []
    if cases and (current_user.id == gs.series.facilitator_id or (booking is not None and booking.status == BOOKED)):
        audit.record(db.session, "clinic_session.cases_viewed", "group_session", gs.id, cases=[c.id for c in cases])
    return render_template("supervision/session.html", gs=gs, series=gs.series, booking=booking, cases=cases,
                           in_a_slot=IN_A_SLOT, case_labels=clinics.STATUS_LABELS,
                           taken=services.booked_count(db.session, gs.id), waiting_ahead=waiting_ahead, now=now,
                           can_keep_register=can_keep_register(current_user, gs.series),
                           can_manage=can_manage_series(current_user, gs.series),
                           can_evaluate=booking is not None and can_evaluate(booking, gs, now),
                           teaching=teaching_form(gs, teaching) if can_keep_register(current_user, gs.series) else None,
                           teaching_presenter=db.session.get(Person, gs.teaching_presenter_id)
                           if gs.teaching_presenter_id else None)


def teaching_form(gs: GroupSession, sent: TeachingForm | None = None) -> TeachingForm | None:
    """For a case clinic's facilitator and team leads: the session's teaching topic and who gives it."""
    if not clinics.is_clinic(gs.series):
        return None
    form = sent or TeachingForm(formdata=None, data={"topic": gs.teaching_topic,
                                                     "presenter_id": gs.teaching_presenter_id or 0})
    form.presenter_id.choices = [(0, "Nobody yet")] + psychologist_choices(db.session)
    return form


@bp.route("/sessions/<int:session_id>/book", methods=["POST"])
def book(session_id: int):
    gs = load_session(session_id)
    booking, refusal = attempt(db.session, lambda: services.book(db.session, gs.id, current_user))
    if refusal is not None:
        flash(refusal, "error")
    else:
        flash("Your place is booked." if booking.status == BOOKED else
              "The session is full, so you are on the waitlist. We will tell you if a place comes up.", "success")
    return redirect(url_for("supervision.show", session_id=gs.id))


def my_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.person_id != current_user.id:
        abort(404)
    return booking


def _change_booking(booking_id: int, change, done: str):
    booking = my_booking(booking_id)
    session_id = booking.session_id
    _, refusal = attempt(db.session, lambda: change(db.session, booking))
    flash(refusal or done, "error" if refusal else "success")
    return redirect(url_for("supervision.show", session_id=session_id))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    return _change_booking(booking_id, services.cancel, "Your booking is cancelled.")


@bp.route("/bookings/<int:booking_id>/accept", methods=["POST"])
def accept_offer(booking_id: int):
    return _change_booking(booking_id, services.accept_offer, "Your place is booked.")


@bp.route("/bookings/<int:booking_id>.ics")
def booking_calendar(booking_id: int):
    booking = my_booking(booking_id)
    gs = db.session.get(GroupSession, booking.session_id)
    series = db.session.get(GroupSeries, gs.series_id)
    body = booking_invitation(booking, gs, series)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="reflective-practice-{gs.id}.ics"'})


# --- A team lead moves or cancels one session, or ends the series -------------------------------

def _managed_session(session_id: int) -> GroupSession:
    gs = load_session(session_id)
    if not can_manage_series(current_user, gs.series):
        abort(404)
    return gs


def _change_page(gs: GroupSession, **forms):
    local = gs.starts_at.astimezone(ZoneInfo(gs.series.time_zone))
    forms.setdefault("move", MoveSessionForm(formdata=None, data={"day": local.date(),
                                                                  "start_time": local.strftime("%H:%M")}))
    forms.setdefault("cancel_form", CancelSessionForm(formdata=None))
    forms.setdefault("end_form", EndSeriesForm(formdata=None))
    return render_template("supervision/change.html", gs=gs, series=gs.series, **forms)


def _apply_change(gs: GroupSession, form, form_name: str, change, done: str, ask=None):
    """`ask`: the question and consequences of a change that cannot be undone, asked before it is made."""
    if not form.validate_on_submit():
        return _change_page(gs, **{form_name: form})
    named = register.names_problem(db.session, gs, form.reason.data or "", "Everyone booked will see the reason")
    if named:
        form.reason.errors.append(named)
        return _change_page(gs, **{form_name: form})
    if ask is not None:
        question, consequences, yes = ask
        asking = confirm_first(question, consequences, yes, url_for("supervision.change", session_id=gs.id),
                               {form.reason.name: form.reason.data or ""})
        if asking is not None:
            return asking
    _, refusal = attempt(db.session, lambda: change(form))
    if refusal is not None:
        form.form_errors.append(refusal)
        return _change_page(gs, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("supervision.show", session_id=gs.id))


@bp.route("/sessions/<int:session_id>/change")
def change(session_id: int):
    return _change_page(_managed_session(session_id))


@bp.route("/sessions/<int:session_id>/move", methods=["POST"])
def move_session(session_id: int):
    gs = _managed_session(session_id)
    return _apply_change(
        gs, MoveSessionForm(), "move",
        lambda f: changes.move_session(db.session, gs, wall_clock(f.day.data, f.start_time.data, gs.series.time_zone),
                                       f.reason.data or ""),
        "The session is moved. Everyone booked has been sent an updated invitation.")


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
def cancel_session(session_id: int):
    gs = _managed_session(session_id)
    return _apply_change(gs, CancelSessionForm(), "cancel_form",
                         lambda f: changes.cancel_session(db.session, gs, f.reason.data or ""),
                         "The session is cancelled. Everyone booked has been told and their invitation withdrawn.")


@bp.route("/sessions/<int:session_id>/end-series", methods=["POST"])
def end_series(session_id: int):
    gs = _managed_session(session_id)
    return _apply_change(gs, EndSeriesForm(), "end_form",
                         lambda f: changes.end_series(db.session, gs.series, f.reason.data or ""),
                         "The group has ended. Every session still to come is cancelled and everyone booked told.",
                         ask=(f"End {gs.series.title}?", [
                             "Every session still to come is cancelled, and everyone booked is told and their "
                             "calendar invitation withdrawn.", "Past sessions, registers and CPD records stay.",
                             "You cannot undo this: to run the group again, schedule a new one."],
                             "Yes, end the group"))
