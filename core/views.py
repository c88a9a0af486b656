"""Home, notifications and the health check."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, text, update

from .accounts.models import Role
from .database import db
from .notifications import Notification, mark_read, read_on_opening
from .pagination import paginate
from .scheduler import heartbeat_status, last_heartbeat
from .security import is_public, public
from .timeutil import utcnow

bp = Blueprint("core", __name__)

@bp.before_app_request
def _require_sign_in():
    if is_public(current_app, request.endpoint):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.has_role(Role.COMMISSIONER) and not _open_to_commissioners(request.endpoint):
        abort(403)  # commissioners see aggregate figures only, never a client-level page
    if request.method == "GET":
        read_on_opening(db.session, current_user, request.path, utcnow(), db.defer_write)
    return None


COMMISSIONER_ENDPOINTS = {
    "core.home", "core.notifications", "core.mark_notifications_read", "core.healthz", "static", "nhsuk_assets",
    "accounts.sign_out", "accounts.account", "accounts.change_password", "accounts.set_up_two_factor",
}


def _open_to_commissioners(endpoint: str) -> bool:
    return endpoint in COMMISSIONER_ENDPOINTS or endpoint.startswith("reach.")


@bp.route("/")
def home():
    return render_template("home/index.html", unread=current_user.unread_notifications)


@bp.route("/notifications")
def notifications():
    query = (
        select(Notification)
        .where(Notification.person_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = paginate(db.session, query)
    # One with nowhere to go is read once it has been shown here.
    mark_read(db.session, current_user, [n.id for n in page.items if n.read_at is None and not n.link], utcnow(),
              db.defer_write)
    return render_template("home/notifications.html", page=page)


@bp.route("/notifications/read", methods=["POST"])
def mark_notifications_read():
    session = db.session
    session.execute(
        update(Notification)
        .where(Notification.person_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return redirect(url_for("core.notifications"))


@bp.route("/healthz")
@public
def healthz():
    status = {"database": "ok", "scheduler": {}}
    try:
        session = db.session
        session.execute(text("SELECT 1"))
        beat = last_heartbeat(session)
        session.rollback()
    except Exception as exc:  # report, don't raise: this page is for monitors
        status["database"] = f"error: {type(exc).__name__}"
        return jsonify(status), 503
    now = utcnow()
    scheduler = heartbeat_status(beat, now)
    status["scheduler"] = {"status": scheduler, "last_heartbeat": beat.isoformat() if beat else None}
    if beat is not None:
        status["scheduler"]["age_seconds"] = round((now - beat).total_seconds())
    # Without the scheduler no email, reminder or escalation goes out: a monitor must page someone.
    return jsonify(status), 200 if scheduler == "ok" else 503
