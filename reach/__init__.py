"""Reach: the dashboard of how far the psychologists' expertise reaches, across services and over time."""
from flask import Blueprint

bp = Blueprint("reach", __name__, url_prefix="/reach")
