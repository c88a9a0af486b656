"""One-to-one reflective supervision: agreements both people accept, the sessions their rhythm gives, the
records both sign off, and the reflective accounts a worker writes for revalidation."""
from flask import Blueprint

bp = Blueprint("one_to_one", __name__, url_prefix="/supervision")
