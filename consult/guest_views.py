"""Inviting a colleague from another organisation into a consultation, and ending it."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.database import db
from core.refusals import attempt
from core.timeutil import utcnow

from . import bp, guests
from .forms import GuestForm
from .models import ConsultationGuest
from .views import _act, _load, _require


@bp.route("/<int:consultation_id>/guests", methods=["POST"])
def invite_guest(consultation_id: int):
    c = _load(consultation_id)
    _require(guests.may_invite(current_user, c))
    return _act(c, lambda f: guests.invite(db.session, c, current_user, f.email.data, f.role.data, utcnow()),
                "guest_form", GuestForm(), "Your colleague has been invited and told. They see this conversation "
                "only, and can reply.")


@bp.route("/<int:consultation_id>/guests/<int:guest_id>/remove", methods=["POST"])
def remove_guest(consultation_id: int, guest_id: int):
    c = _load(consultation_id)
    guest = db.session.scalar(select(ConsultationGuest).options(joinedload(ConsultationGuest.person))
                              .where(ConsultationGuest.id == guest_id, ConsultationGuest.consultation_id == c.id))
    if guest is None:
        abort(404)
    _require(current_user.id in (c.requester_id, c.psychologist_id, guest.person_id))
    leaving = guest.person_id == current_user.id
    _, refusal = attempt(db.session, lambda: guests.remove(db.session, c, guest, current_user, utcnow()))
    flash(refusal or ("You have left the conversation." if leaving else f"{guest.person.name} has been removed."),
          "error" if refusal else "success")
    return redirect(url_for("consult.index") if leaving and not refusal
                    else url_for("consult.show", consultation_id=c.id))
