"""The duty rota: who is on duty when (patterns, the duty slots they become, leave and cover), swaps and the
lead psychologist's overrides, alerts about gaps, and each psychologist's calendar feed. Consultations ask
the rota who is on duty; the rota knows nothing of consultations."""
from flask import Blueprint

bp = Blueprint("rota", __name__, url_prefix="/consultations")
