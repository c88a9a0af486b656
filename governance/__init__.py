"""Information governance: how long records are kept, and the sweep that removes what is past its time."""
from flask import Blueprint

bp = Blueprint("governance", __name__)
