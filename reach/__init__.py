"""Reach: the dashboard of how far the psychologists' expertise reaches (issue 7)."""
from flask import Blueprint

bp = Blueprint("reach", __name__, url_prefix="/reach")

from . import snapshots, views  # noqa: E402,F401  (the snapshot model for the metadata; routes register)
