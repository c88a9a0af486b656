"""For admins: email that could not be sent on its own (it could not be built, or the server refused it), parked
after its tries, and sending one round again."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from . import audit
from .accounts.models import Role
from .database import db
from .notifications import OutboxMessage, parked_messages, try_again
from .refusals import attempt
from .security import role_required

bp = Blueprint("outbox", __name__)


@bp.route("/admin/messages")
@role_required(Role.ADMIN)
def parked():
    messages = parked_messages(db.session)
    audit.record(db.session, "outbox.parked_viewed", None, None, count=len(messages))
    return render_template("admin/messages.html", messages=messages)


@bp.route("/admin/messages/<int:message_id>/try-again", methods=["POST"])
@role_required(Role.ADMIN)
def send_again(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)

    def send_it_again():
        try_again(db.session, message)
        audit.record(db.session, "outbox.sent_again", "outbox_message", message.id)

    attempt(db.session, send_it_again)
    flash(f"The message to {message.to_address} will be sent again with the next email sweep.", "success")
    return redirect(url_for("outbox.parked"))
