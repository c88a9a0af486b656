"""Agreed actions on a consultation: the psychologist adds them, the worker ticks them off."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from core.database import db
from core.refusals import attempt
from core.timeutil import utcnow

from . import actions, bp, services
from .forms import ActionForm, MessageForm
from .models import AgreedAction
from .views import _act, _load, _render_show, _require


@bp.route("/<int:consultation_id>/actions", methods=["POST"])
def agree_action(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    return _act(c, lambda f: actions.agree(db.session, c, current_user, f.what.data, f.owner.data, f.due_on.data,
                                           utcnow()), "action_form", ActionForm(),
                "The action is agreed: the worker sees it with your advice and ticks it off when it is done.")


@bp.route("/<int:consultation_id>/actions/<int:action_id>", methods=["POST"])
def tick_action(consultation_id: int, action_id: int):
    """One button (CSRF-checked like every post): done, or not done after all."""
    c = _load(consultation_id)
    action = db.session.get(AgreedAction, action_id)
    if action is None or action.consultation_id != c.id:
        abort(404)
    done = request.form.get("done") == "yes"
    _, refusal = attempt(db.session, lambda: actions.tick(db.session, c, action, current_user, done, utcnow()))
    if refusal is not None:
        form = MessageForm(formdata=None)
        form.form_errors.append(refusal)
        return _render_show(c, 403, message_form=form)
    flash(f"Ticked off: {action.what}" if done else f"Not done yet: {action.what}", "success")
    if request.form.get("back") == "mine":  # ticked off from the worker's list of what is still to do
        return redirect(url_for("consult.mine"))
    return redirect(url_for("consult.show", consultation_id=c.id, _anchor="actions"))
