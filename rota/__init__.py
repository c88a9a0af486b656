"""The duty rota: who is on duty when (patterns, the duty slots they become, leave and cover), swaps and the
lead psychologist's overrides, alerts about gaps, and each psychologist's calendar feed. Consultations ask
the rota who is on duty; the rota knows nothing of consultations."""
from flask import Blueprint

bp = Blueprint("rota", __name__, url_prefix="/consultations")

from . import models, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)
