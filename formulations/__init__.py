"""Formulation templates: the versioned library and filled-in formulations (issue 6)."""
from flask import Blueprint, render_template

bp = Blueprint("formulations", __name__, url_prefix="/formulations")


@bp.route("/")
def index():
    return render_template("formulations/index.html")
