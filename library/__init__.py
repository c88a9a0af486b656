"""The library of practice notes (answered questions, de-identified and published with the worker's agreement)
and the one search over notes, formulation templates and the service directory."""
from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/library")
