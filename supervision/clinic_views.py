"""Case clinic pages: offering a case to a session, the presenter's cases, and one case with the facilitator's
decision on it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import audit
from core.database import db
from core.pagination import paginate
from core.params import query_int
from core.refusals import attempt
from core.timeutil import utcnow

from . import bp, clinics
from .clinic_forms import CaseForm, RecommendationsForm, ReviewForm, TeachingForm
from .models import CaseStatus, ClinicCase, GroupSeries, GroupSession, SessionStatus
from .register import can_keep_register
from .services import joinable_params
from .views import load_session, session_page, teaching_form

FOLLOW_UPS_SHOWN = 8


def _load_case(case_id: int) -> tuple[ClinicCase, GroupSession, GroupSeries]:
    """A case for someone who may see it in full; anyone else is told it does not exist."""
    case = db.session.scalar(select(ClinicCase).options(
        joinedload(ClinicCase.presenter),
        joinedload(ClinicCase.session).joinedload(GroupSession.series).joinedload(GroupSeries.facilitator))
        .where(ClinicCase.id == case_id))
    if case is None or not clinics.sees_in_full(db.session, current_user, case, case.session.series):
        abort(404)
    return case, case.session, case.session.series


def _refused_on(form, refusal: str | None) -> bool:
    if refusal:
        form.form_errors.append(refusal)
    return refusal is None


@bp.route("/sessions/<int:session_id>/cases/new", methods=["GET", "POST"])
def offer_case(session_id: int):
    gs = load_session(session_id)
    if not clinics.is_clinic(gs.series):
        abort(404)
    consultation = clinics.consultation_to_present(db.session, current_user, query_int("consultation"))
    follow_up_of = clinics.to_follow_up(db.session, current_user, query_int("follow_up"))
    carried = clinics.follow_up_answers(follow_up_of) if follow_up_of else \
        clinics.answers_of(consultation) if consultation else None
    form = CaseForm(data=carried if request.method == "GET" else None)
    if form.validate_on_submit():
        case, refusal = attempt(db.session, lambda: clinics.offer_case(
            db.session, current_user, gs, gs.series, form.cleaned(), consultation.id if consultation else None,
            follow_up_of=follow_up_of))
        if _refused_on(form, refusal):
            flash("Your case has been offered. The facilitator will accept it, ask for changes, or suggest "
                  "somewhere else to take it, and you will be told.", "success")
            return redirect(url_for("supervision.case", case_id=case.id))
    return render_template("supervision/clinic_offer.html", form=form, gs=gs, series=gs.series, case=None,
                           consultation=consultation, follow_up_of=follow_up_of)


@bp.route("/cases/<int:case_id>/follow-up")
def follow_up(case_id: int):
    """The later sessions of the same clinic, to present the case again: how did it go?"""
    case, gs, series = _load_case(case_id)
    if clinics.to_follow_up(db.session, current_user, case.id) is None:
        abort(404)
    later = db.session.scalars(select(GroupSession).where(
        GroupSession.series_id == series.id, GroupSession.status == SessionStatus.SCHEDULED,
        GroupSession.starts_at > utcnow()).order_by(GroupSession.starts_at).limit(FOLLOW_UPS_SHOWN)).all()
    return render_template("supervision/clinic_follow_up.html", case=case, series=series, later=later)


@bp.route("/sessions/<int:session_id>/teaching", methods=["POST"])
def set_teaching(session_id: int):
    gs = load_session(session_id)
    form = teaching_form(gs, TeachingForm())
    if form is None:
        abort(404)
    if not can_keep_register(current_user, gs.series):
        abort(403)
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: clinics.set_teaching(
            db.session, current_user, gs, gs.series, (form.topic.data or "").strip(), form.presenter_id.data or None))
        if _refused_on(form, refusal):
            flash("The teaching topic has been saved.", "success")
            return redirect(url_for("supervision.show", session_id=session_id))
        gs = load_session(session_id)
    return session_page(gs, form)


@bp.route("/clinics")
def clinics_to_come():
    """The case clinics still to come that the person may offer a case to (from a consultation, carried over)."""
    consultation = clinics.consultation_to_present(db.session, current_user, query_int("consultation"))
    page = paginate(db.session, clinics.clinics_to_come(current_user, utcnow()), scalars=False,
                    params=joinable_params(current_user))
    return render_template("supervision/clinics.html", page=page, consultation=consultation)


@bp.route("/cases")
def your_cases():
    page = paginate(db.session, clinics.your_cases(current_user), scalars=False)
    return render_template("supervision/clinic_cases.html", page=page, labels=clinics.STATUS_LABELS)


@bp.route("/cases/<int:case_id>")
def case(case_id: int):
    case, gs, series = _load_case(case_id)
    audit.record(db.session, "clinic_case.viewed", "clinic_case", case.id)
    return _case_page(case, gs, series, ReviewForm(formdata=None, data={"summary": case.summary}))


def _case_page(case: ClinicCase, gs: GroupSession, series: GroupSeries, review: ReviewForm,
               recommending: RecommendationsForm | None = None):
    facilitating, now = current_user.id == series.facilitator_id, utcnow()
    deciding = facilitating and case.status == CaseStatus.OFFERED
    if deciding:
        review.slot.choices = [(n, f"Case {n}") for n in clinics.free_slots(series, clinics.cases_of_session(db.session, gs))]
    may_recommend = facilitating and case.status in (CaseStatus.ACCEPTED, CaseStatus.PRESENTED) and gs.starts_at <= now
    return render_template("supervision/clinic_case.html", case=case, gs=gs, series=series, review=review,
                           deciding=deciding, labels=clinics.STATUS_LABELS,
                           recommending=(recommending or RecommendationsForm()) if may_recommend else None,
                           is_presenter=case.presenter_id == current_user.id)


@bp.route("/cases/<int:case_id>/recommendations", methods=["POST"])
def send_recommendations(case_id: int):
    case, gs, series = _load_case(case_id)
    form = RecommendationsForm()
    if form.validate_on_submit():
        told, refusal = attempt(db.session, lambda: clinics.send_recommendations(
            db.session, current_user, case, series, gs, form.recommendations.data.strip()))
        if _refused_on(form, refusal):
            flash(f"The recommendations have been sent to {told} {'person' if told == 1 else 'people'}.", "success")
            return redirect(url_for("supervision.case", case_id=case_id))
        case, gs, series = _load_case(case_id)
    return _case_page(case, gs, series, ReviewForm(formdata=None), form)


@bp.route("/cases/<int:case_id>/review", methods=["POST"])
def review_case(case_id: int):
    case, gs, series = _load_case(case_id)
    form = ReviewForm()
    form.slot.choices = [(n, f"Case {n}") for n in range(1, (series.case_slots or 1) + 1)]
    if form.validate_on_submit():
        facilitator, session = current_user._get_current_object(), db.session
        decide = {
            "accept": lambda: clinics.accept_case(session, facilitator, case, series, form.slot.data,
                                                  (form.summary.data or "").strip()),
            "changes": lambda: clinics.ask_for_changes(session, facilitator, case, series, form.note.data.strip()),
            "decline": lambda: clinics.decline_case(session, facilitator, case, series, form.note.data.strip(),
                                                    form.suggestion.data.strip()),
        }[form.decision.data]
        if _refused_on(form, attempt(session, decide)[1]):
            flash("Your decision has been saved and the worker has been told.", "success")
            return redirect(url_for("supervision.case", case_id=case_id))
        case, gs, series = _load_case(case_id)  # reloaded after the rollback
    return _case_page(case, gs, series, form)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
def edit_case(case_id: int):
    case, gs, series = _load_case(case_id)
    if case.presenter_id != current_user.id:
        abort(403)
    form = CaseForm(obj=None if request.method == "POST" else case)
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: clinics.revise_case(db.session, current_user, case, form.cleaned()))
        if _refused_on(form, refusal):
            flash("Your changes have been saved and sent to the facilitator.", "success")
            return redirect(url_for("supervision.case", case_id=case_id))
    return render_template("supervision/clinic_offer.html", form=form, gs=gs, series=series, case=case)


@bp.route("/cases/<int:case_id>/withdraw", methods=["POST"])
def withdraw_case(case_id: int):
    case, _, _ = _load_case(case_id)
    _, refusal = attempt(db.session, lambda: clinics.withdraw_case(db.session, current_user, case))
    flash(refusal or "Your case has been withdrawn.", "error" if refusal else "success")
    return redirect(url_for("supervision.case", case_id=case_id))
