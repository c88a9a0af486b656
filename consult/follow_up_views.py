"""After the advice: the worker checks back on how the client is getting on, answers the close-out survey, and
a follow-up is marked done."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from core.database import db
from core.refusals import attempt

from . import bp, follow_ups, services
from .forms import CheckBackForm, SurveyForm
from .models import Consultation, FollowUp
from .views import _act, _load, _require


@bp.route("/<int:consultation_id>/check-back", methods=["POST"])
def check_back(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_requester(current_user, c))
    return _act(c, lambda f: follow_ups.check_back(db.session, c, current_user, f.cleaned()), "check_back_form",
                CheckBackForm(), "Thank you for checking back. The psychologist has been told how the client is "
                "getting on.")


@bp.route("/<int:consultation_id>/survey", methods=["POST"])
def survey(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_requester(current_user, c))

    def _save(f):
        follow_ups.answer_survey(db.session, c, current_user, f.answers())

    return _act(c, _save, "survey_form", SurveyForm(),
                "Thank you. Your answers help the psychologists make the service better.")


@bp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
def complete_follow_up(follow_up_id: int):
    follow_up = db.session.get(FollowUp, follow_up_id)
    c = db.session.get(Consultation, follow_up.consultation_id) if follow_up else None
    if c is None or not follow_ups.may_complete(current_user, follow_up, c):
        abort(404)
    _, refusal = attempt(db.session, lambda: follow_ups.complete_follow_up(db.session, follow_up, current_user))
    flash(refusal or "Follow-up marked as done.", "info" if refusal else "success")
    if request.form.get("back") == "request":
        return redirect(url_for("consult.show", consultation_id=c.id))
    return redirect(url_for("consult.team"))
