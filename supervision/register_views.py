"""The facilitator's pages (register, private notes, themes, evaluations), the evaluation form, and each
person's attendance (CPD) record."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from core import audit
from core.accounts.models import Person
from core.csv_export import csv_response
from core.database import db
from core.pagination import paginate
from core.params import whole_number
from core.refusals import attempt
from core.timeutil import LONDON

from . import bp, register
from .forms import ClinicEvaluationForm, EvaluationForm, NotesForm, WalkInForm
from .models import Booking, GroupSeries, GroupSession, SeriesKind, SessionNotes
from .one_to_one import revalidation
from .views import my_booking

ACCOUNTS_SHOWN = 10

_SESSION_WITH_SERIES = (select(GroupSession).options(joinedload(GroupSession.series))
                        .where(GroupSession.id == bindparam("group_session")))
_THEMES = select(SessionNotes.themes).where(SessionNotes.session_id == bindparam("group_session"))


def _session_with_series(session_id: int) -> GroupSession | None:
    return db.session.scalar(_SESSION_WITH_SERIES, {"group_session": session_id})


def _register_session(session_id: int) -> GroupSession:
    gs = _session_with_series(session_id)
    if gs is None or not register.can_keep_register(current_user, gs.series):
        abort(404)
    return gs


@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"], endpoint="register")
def register_page(session_id: int):
    gs = _register_session(session_id)
    session = db.session
    walk_in = WalkInForm(formdata=None)
    if request.method == "POST" and "walk_in-email" in request.form:
        walk_in = WalkInForm()
        if walk_in.validate_on_submit():
            booking, refusal = attempt(session, lambda: register.add_walk_in(session, gs, walk_in.email.data))
            if refusal is None:
                name = session.get(Person, booking.person_id).name
                flash(f"{name} is on the register as a walk-in who attended.", "success")
                return redirect(url_for("supervision.register", session_id=gs.id))
            walk_in.email.errors.append(refusal)
    elif request.method == "POST":
        marks = {booking: value for key, value in request.form.items()
                 if key.startswith("attendance-") and (booking := whole_number(key.split("-", 1)[1]))}
        marked = register.mark_attendance(session, gs, marks)
        session.commit()
        flash(f"Register saved: {marked} {'person' if marked == 1 else 'people'} marked." if marked
              else "Nothing was saved: choose Attended or Absent for at least one person.",
              "success" if marked else "error")
        return redirect(url_for("supervision.register", session_id=gs.id, page=request.args.get("page")))
    page = paginate(session, register.REGISTER, params={"group_session": gs.id})
    themes = session.scalar(_THEMES, {"group_session": gs.id})
    audit.record(session, "session.register_viewed", "group_session", gs.id)
    return render_template("supervision/register.html", gs=gs, series=gs.series, page=page, themes=themes,
                           is_facilitator=gs.series.facilitator_id == current_user.id, walk_in=walk_in)


@bp.route("/sessions/<int:session_id>/notes", methods=["GET", "POST"])
def notes(session_id: int):
    """Only the facilitator: nobody else, not even the team lead, sees the private notes."""
    gs = _session_with_series(session_id)
    if gs is None or gs.series.facilitator_id != current_user.id:
        abort(404)
    session = db.session
    stored = register.notes_for(session, gs)
    form = NotesForm(obj=stored)
    if form.validate_on_submit():
        problem = register.names_problem(session, gs, form.themes.data or "", "Themes are shared with team leads")
        if problem:
            form.themes.errors = [problem]
        else:
            register.save_notes(session, gs, form.private_notes.data or "", form.themes.data or "")
            session.commit()
            flash("Notes saved. The themes are shared with the team leads.", "success")
            return redirect(url_for("supervision.notes", session_id=gs.id))
    else:
        audit.record(session, "session.notes_viewed", "group_session", gs.id)
    return render_template("supervision/notes.html", gs=gs, series=gs.series, form=form,
                           evaluations=register.evaluation_summary(session, gs),
                           shown_from=register.EVALUATIONS_SHOWN_FROM)


@bp.route("/evaluations/<int:booking_id>", methods=["GET", "POST"])
def evaluation(booking_id: int):
    booking = my_booking(booking_id)
    gs = _session_with_series(booking.session_id)
    if not register.can_evaluate(booking, gs):
        flash("There is nothing to answer for this session: you have answered already, or it has not happened yet.",
              "error")
        return redirect(url_for("supervision.show", session_id=gs.id))
    clinic = gs.series.kind == SeriesKind.CASE_CLINIC
    form = ClinicEvaluationForm() if clinic else EvaluationForm()
    if form.validate_on_submit():
        register.answer_evaluation(
            db.session, booking, gs, form.helpful.data, form.come_again.data, form.takeaway.data or "",
            (form.confidence_before.data, form.confidence_after.data) if clinic else None,
            (form.do_differently.data or "") if clinic else "")
        db.session.commit()
        flash("Thank you. Your answers are anonymous.", "success")
        return redirect(url_for("supervision.record"))
    return render_template("supervision/evaluation.html", gs=gs, series=gs.series, form=form)


@bp.route("/record")
def record():
    page = paginate(db.session, register.attendance_record(db.session, current_user.id))
    total_minutes = db.session.scalar(
        select(func.coalesce(func.sum(GroupSeries.minutes), 0))
        .select_from(Booking).join(GroupSession, GroupSession.id == Booking.session_id)
        .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(Booking.person_id == current_user.id, Booking.attendance == "attended"))
    supervised, supervised_minutes = revalidation.supervision_held(db.session, current_user)
    accounts = db.session.scalars(revalidation.of_person(current_user).limit(ACCOUNTS_SHOWN)).all()
    return render_template("supervision/record.html", page=page, hours=round(total_minutes / 60, 1),
                           supervised=supervised, supervised_hours=round(supervised_minutes / 60, 1),
                           accounts=accounts)


@bp.route("/record.csv")
def record_csv():
    rows = db.session.scalars(register.attendance_record(db.session, current_user.id)).unique().all()

    def line(b):
        local = b.session.starts_at.astimezone(LONDON)
        return [local.date().isoformat(), local.strftime("%H:%M"), b.session.series.title,
                b.session.series.facilitator.name, round(b.session.series.minutes / 60, 2)]
    return csv_response("reflective-practice-record.csv", ["Date", "Start (UK time)", "Session", "Facilitator", "Hours"],
                        map(line, rows))
