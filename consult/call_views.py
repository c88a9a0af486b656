"""Calls on a consultation: booking one, moving or cancelling it, marking whether it happened, its invitation."""
from __future__ import annotations

from flask import Response, abort, current_app, render_template
from flask_login import current_user

from core import audit
from core.config import base_host
from core.database import db
from core.timeutil import LONDON

from . import bp, calls, services
from .calendar import call_invitation
from .forms import CallForm, CallOutcomeForm, CancelCallForm, MoveCallForm
from .models import CallSlot, Consultation
from .views import _act, _load, _require, done_or_refused


def _call(c: Consultation, call_id: int) -> CallSlot:
    call = db.session.get(CallSlot, call_id)
    if call is None or call.consultation_id != c.id:
        abort(404)
    return call


def _on_the_call(c: Consultation) -> bool:
    return services.is_requester(current_user, c) or services.is_allocated_psychologist(current_user, c)


@bp.route("/<int:consultation_id>/calls", methods=["POST"])
def book_call(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    return _act(c, lambda f: calls.book_call(db.session, c, current_user, f.starts_at_utc(), f.mode.data),
                "call_form", CallForm(), "The call is booked. You and the worker have each been emailed an invitation.")


@bp.route("/<int:consultation_id>/calls/<int:call_id>/outcome", methods=["POST"])
def mark_call(consultation_id: int, call_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    call = _call(c, call_id)
    return _act(c, lambda f: calls.mark_call(db.session, c, call, current_user, f.attended.data == "yes"),
                "call_outcome_form", CallOutcomeForm(), "The call has been marked.")


def _change_page(c: Consultation, call: CallSlot, move: MoveCallForm | None = None,
                 cancel: CancelCallForm | None = None, status: int = 200):
    local = call.starts_at.astimezone(LONDON)
    move = move or MoveCallForm(formdata=None, data={"day": local.date(), "start": local.strftime("%H:%M")})
    return render_template("consult/call_change.html", c=c, call=call, move=move,
                           cancel=cancel or CancelCallForm(formdata=None),
                           error_form=move if move.errors or move.form_errors else cancel), status


def _changing(consultation_id: int, call_id: int) -> tuple[Consultation, CallSlot]:
    c = _load(consultation_id)
    _require(_on_the_call(c))
    return c, _call(c, call_id)


@bp.route("/<int:consultation_id>/calls/<int:call_id>/change")
def change_call(consultation_id: int, call_id: int):
    c, call = _changing(consultation_id, call_id)
    return _change_page(c, call)


def _apply(c: Consultation, call: CallSlot, form, change, done: str, **page_forms):
    return done_or_refused(c, form, change, done) or _change_page(c, call, **page_forms)


@bp.route("/<int:consultation_id>/calls/<int:call_id>/move", methods=["POST"])
def move_call(consultation_id: int, call_id: int):
    c, call = _changing(consultation_id, call_id)
    form = MoveCallForm()
    return _apply(c, call, form, lambda f: calls.move_call(db.session, c, call, current_user, f.starts_at_utc()),
                  "The call is moved. You both have an updated invitation by email.", move=form)


@bp.route("/<int:consultation_id>/calls/<int:call_id>/cancel", methods=["POST"])
def cancel_call(consultation_id: int, call_id: int):
    c, call = _changing(consultation_id, call_id)
    form = CancelCallForm()
    return _apply(c, call, form, lambda f: calls.cancel_call(db.session, c, call, current_user, f.reason.data or ""),
                  "The call is cancelled. You have both been sent a cancellation for your calendars.", cancel=form)


@bp.route("/<int:consultation_id>/calls/<int:call_id>.ics")
def call_calendar(consultation_id: int, call_id: int):
    c = _load(consultation_id)
    _require(_on_the_call(c))
    call = _call(c, call_id)
    body = call_invitation(c, call, current_app.config["BASE_URL"], base_host(current_app.config))
    audit.record(db.session, "consultation.call_calendar_downloaded", "consultation", c.id, call=call.id)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="call-{c.reference}.ics"'})
