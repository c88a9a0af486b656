"""Reflective practice: group series, sessions, bookings and the waitlist."""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/reflective-practice")

from . import groups_views, models, register_views, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)
