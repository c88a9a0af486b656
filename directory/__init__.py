"""The local service directory: where a worker can refer a person, for whom, and how; kept by admins."""
from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")
