"""Information governance: how long records are kept, and the sweep that removes what is past its time (issue 7)."""
from flask import Blueprint

bp = Blueprint("governance", __name__)

from . import models, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)
from core.scheduler import register_sweep  # noqa: E402


def _retention_sweep(session, app):
    from .retention import apply_retention
    done = apply_retention(session, app.config["SECRET_KEY"])
    session.commit()
    return done


register_sweep("retention", _retention_sweep, "RETENTION_SWEEP_SECONDS")
