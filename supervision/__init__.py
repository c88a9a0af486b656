"""Reflective practice: group series, sessions, bookings and the waitlist (issue 5)."""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/reflective-practice")

from . import models, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)
from core.scheduler import register_sweep  # noqa: E402


def _sessions_sweep(session, app):
    from .services import make_sessions
    made = make_sessions(session)
    session.commit()
    return made


register_sweep("group-sessions", _sessions_sweep, "ROTA_SWEEP_SECONDS")
