"""Reflective practice: group series, sessions, bookings and the waitlist."""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/reflective-practice")
