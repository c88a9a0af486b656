"""Formulation templates: the versioned library and filled-in formulations."""
from flask import Blueprint

bp = Blueprint("formulations", __name__, url_prefix="/formulations")

