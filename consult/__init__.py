"""Case consultation: requests, the duty rota and allocation (issues 3 and 4)."""
from flask import Blueprint, render_template

bp = Blueprint("consult", __name__, url_prefix="/consultations")


@bp.route("/")
def index():
    return render_template("consult/index.html")
