"""Reach: the dashboard of how far the psychologists' expertise reaches, across services and over time."""
from flask import Blueprint

bp = Blueprint("reach", __name__, url_prefix="/reach")

from . import snapshots, views  # noqa: E402,F401  (the snapshot model for the metadata; routes register)
