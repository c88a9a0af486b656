"""Reflective practice: group series, sessions, bookings and the waitlist."""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/reflective-practice")

from . import groups_views, models, register_views, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)
from core.scheduler import register_sweep  # noqa: E402


def _sessions_sweep(session, app):
    """New sessions ahead, lapsed offers passed on, reminders before and evaluations after."""
    from .reminders import invite_evaluations, send_reminders
    from .services import expire_offers, make_sessions
    done = {"made": make_sessions(session), "offers_lapsed": expire_offers(session)}
    done["reminded"] = send_reminders(session, app.config["REMINDER_HOURS"])
    done["evaluations"] = invite_evaluations(session)
    session.commit()
    return done


register_sweep("group-sessions", _sessions_sweep, "ROTA_SWEEP_SECONDS")
