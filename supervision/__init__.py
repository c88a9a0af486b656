"""Reflective practice: group series, sessions, bookings and attendance (issue 5)."""
from flask import Blueprint, render_template

bp = Blueprint("supervision", __name__, url_prefix="/reflective-practice")


@bp.route("/")
def index():
    return render_template("supervision/index.html")
